# Sourced by the tests that read the sysrq_bundle fixture, with the tandem
# binary and the fixture's directory as $1 and $2: sets $tandem, $dir, $id
# (the bundle), $crash (the failure's icount) and $work (a scratch directory
# removed on exit), points TANDEM_ARCHIVE at the fixture's archive, and
# defines fail MESSAGE.
tandem=$1
dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TANDEM_ARCHIVE="$dir/archive"
id=$(cat "$dir/id")
crash=$(sed -n 's/.*"icount":\([0-9]*\).*/\1/p' "$dir/record.json")

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
