# The reference benchmark: a 200,000-iteration shell arithmetic loop and an
# md5 of 512 KiB, then a panic, so that every system measured ends the same
# way and at a point that is easy to detect.
echo "bench: start"
i=0
while [ $i -lt 200000 ]; do
    i=$((i + 1))
done
echo "bench: loop $i"
echo "bench: md5 $(head -c 524288 /dev/zero | md5sum)"
echo "bench: end"
echo c > /proc/sysrq-trigger
