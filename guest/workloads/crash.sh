# Fails the kernel the way tandem.crash=KIND on the command line says: null,
# bug, divide, hang, lockup or panic (guest/crash/tandem_crash.c), in a `dd`
# process that writes the word to /proc/tandem-crash. An oops and a soft
# lockup then panic (panic_on_oops, softlockup_panic; with panic=-1 the
# kernel resets at once), and the soft lockup watchdog fires after 2 s
# instead of 20: each failure ends the run soon, at a point a monitor sees.
# A hang with interrupts disabled is left for the monitor to notice.
# Without tandem.crash, the module is loaded and a shell started (prompt
# `tandem:/# `), where `echo KIND | dd of=/proc/tandem-crash` fails it.
crash=
for arg in $(cat /proc/cmdline); do
    case $arg in
        tandem.crash=*) crash=${arg#tandem.crash=} ;;
    esac
done
echo 1 >/proc/sys/kernel/panic_on_oops
echo 1 >/proc/sys/kernel/softlockup_panic
echo 1 >/proc/sys/kernel/watchdog_thresh
insmod /lib/modules/tandem_crash.ko || {
    echo "crash: cannot load tandem_crash.ko"
    exit 1
}
if [ -z "$crash" ]; then
    echo "crash: ready (echo KIND | dd of=/proc/tandem-crash)"
    PS1='tandem:\w# ' setsid cttyhack sh
    exit
fi
echo "crash: $crash"
echo "$crash" | dd of=/proc/tandem-crash 2>/dev/null
echo "crash: '$crash' did not fail the kernel (null bug divide hang lockup panic)"
