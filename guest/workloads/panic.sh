# A kernel panic right after boot ("sysrq triggered crash").
echo c > /proc/sysrq-trigger
