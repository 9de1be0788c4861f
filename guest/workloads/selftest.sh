# Checks whose answers are known in advance (computed with coreutils on the
# host), so a run proves the CPU and kernel computed them correctly. Each
# check prints one line; the last line is the verdict.
failures=0

check() {  # name got want
    if [ "$2" = "$3" ]; then
        echo "selftest: $1 ok $2"
    else
        echo "selftest: $1 FAIL got '$2' want '$3'"
        failures=$((failures + 1))
    fi
}

seq 1 10000 > /tmp/seq.txt
check seq-sha256 "$(sha256sum < /tmp/seq.txt | cut -d' ' -f1)" \
    8060aa0ac20a3e5db2b67325c98a0122f2d09a612574458225dcb9a086f87cc3
check seq-md5 "$(md5sum < /tmp/seq.txt | cut -d' ' -f1)" 72d4ff27a28afbc066d5804999d5a504
check seq-sum "$(awk '{ s += $1 } END { print s }' /tmp/seq.txt)" 50005000
check sort "$(sort -rn /tmp/seq.txt | head -3 | tr '\n' ' ')" "10000 9999 9998 "
check zero-sha256 "$(head -c 65536 /dev/zero | sha256sum | cut -d' ' -f1)" \
    de2f256064a0af797747c2b97505dc0b9f3df0de4f489eac731c23ae9ca9cc31
check arith "$(( (12345 * 6789) % 1000003 ))" 809956
check tr "$(echo hello tandem | tr a-z A-Z)" "HELLO TANDEM"

gzip -c /tmp/seq.txt > /tmp/seq.gz
check gzip-roundtrip "$(gunzip -c /tmp/seq.gz | cmp - /tmp/seq.txt && echo same)" same
check gzip-smaller "$([ "$(wc -c < /tmp/seq.gz)" -lt "$(wc -c < /tmp/seq.txt)" ] && echo yes)" yes

mkdir -p /tmp/a/sub /tmp/b
cp /tmp/seq.txt /tmp/a/sub/
echo tandem > /tmp/a/name
(cd /tmp/a && tar cf - .) | (cd /tmp/b && tar xf -)
check tar-roundtrip "$(diff -r /tmp/a /tmp/b && echo same)" same

if [ "$failures" = 0 ]; then
    echo "selftest: PASS"
else
    echo "selftest: FAIL ($failures)"
fi
poweroff -f
