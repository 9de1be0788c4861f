# The running kernel's symbol table, for checking symbol recovery from
# guest memory against what the kernel itself reports.
echo 0 > /proc/sys/kernel/kptr_restrict
echo "kallsyms: begin"
cat /proc/kallsyms
echo "kallsyms: end"
poweroff -f
