; The MC146818 RTC and CMOS RAM: the time in BCD and binary, 24- and
; 12-hour formats, the update-ended interrupt once a second with the
; seconds advancing by one, 1024 periodic interrupts per second, the
; update-in-progress flag before each update, setting the clock with SET,
; register D and CMOS RAM. The date differs between machines and is
; printed as varying.
; host-timed: under QEMU, its periodic rate and update timing follow the host's clock (run alone).
%include "sys.inc"
%include "devices.inc"

RTC_SECONDS equ 0x00
RTC_MINUTES equ 0x02
RTC_HOURS   equ 0x04
RTC_DAY     equ 0x07
RTC_MONTH   equ 0x08
RTC_YEAR    equ 0x09
RTC_CENTURY equ 0x32
RTC_A_UIP   equ 0x80
RTC_B_SET   equ 0x80
RTC_B_BINARY equ 0x04
RTC_B_24H   equ 0x02

; READ_RTC register -> EAX
%macro READ_RTC 1
    mov al, %1
    call rtc_read
    movzx eax, al
%endmacro

; CHECK_BCD register, max, "what": a valid BCD byte no greater than max.
%macro CHECK_BCD 3
    READ_RTC %1
    push eax
    and eax, 0x0F
    cmp eax, 9
    jbe %%low_ok
    FAIL %3, ": BCD low digit"
%%low_ok:
    mov eax, [esp]
    call bcd_to_binary
    CHECK_EQ ecx, 0, %3, ": BCD digits"
    cmp eax, %2
    jbe %%ok
    FAIL %3, ": out of range"
%%ok:
    pop eax
%endmacro

section .text
sys_main:
    call pic_init
    call rtc_irq_init
    call registers
    RTC_WRITE RTC_A, RTC_RATE_1024HZ
    RTC_WRITE RTC_B, RTC_B_24H | RTC_B_UIE
    call wait_update
    call formats
    call one_second
    call update_in_progress
    call set_clock
    RTC_WRITE RTC_B, RTC_B_24H
    ret

registers:
    PRINT "registers and CMOS RAM", 10
    READ_RTC RTC_D
    CHECK_EQ eax, 0x80, "register D: valid RAM and time"
    READ_RTC RTC_A
    and eax, 0x70
    CHECK_EQ eax, 0x20, "register A: divider running from 32.768 kHz"
    RTC_WRITE 0x7E, 0xA5
    READ_RTC 0x7E
    CHECK_EQ eax, 0xA5, "CMOS RAM byte 0x7E reads back"
    OK "register D, divider, CMOS RAM"
    ret

; Waits for the next update-ended interrupt.
wait_update:
    mov eax, [rtc_updates]
.wait:
    sti
    hlt
    cli
    cmp [rtc_updates], eax
    je .wait
    ret

; Right after an update: BCD, binary and 12-hour readings of one time.
formats:
    PRINT "time formats", 10
    READ_RTC RTC_A
    and eax, RTC_A_UIP
    CHECK_EQ eax, 0, "no update in progress right after one"
    CHECK_BCD RTC_SECONDS, 59, "seconds"
    mov [bcd_seconds], eax
    CHECK_BCD RTC_MINUTES, 59, "minutes"
    CHECK_BCD RTC_HOURS, 23, "hours"
    mov [bcd_hours], eax
    CHECK_BCD RTC_DAY, 31, "day"
    CHECK_BCD RTC_MONTH, 12, "month"
    CHECK_BCD RTC_YEAR, 99, "year"
    PRINT "date "
    READ_RTC RTC_CENTURY
    PRINT_VARYING eax
    READ_RTC RTC_YEAR
    PRINT_VARYING eax
    READ_RTC RTC_MONTH
    PRINT_VARYING eax
    READ_RTC RTC_DAY
    PRINT_VARYING eax
    PRINT 10
    OK "time bytes are valid BCD"
    RTC_WRITE RTC_B, RTC_B_24H | RTC_B_UIE | RTC_B_BINARY
    READ_RTC RTC_SECONDS
    mov ebx, eax
    READ_RTC RTC_HOURS
    mov esi, eax
    RTC_WRITE RTC_B, RTC_B_UIE                  ; BCD, 12-hour
    READ_RTC RTC_HOURS
    mov edi, eax
    RTC_WRITE RTC_B, RTC_B_24H | RTC_B_UIE
    mov eax, [bcd_seconds]
    call bcd_to_binary
    CHECK_EQ ebx, eax, "binary seconds match BCD"
    mov eax, [bcd_hours]
    call bcd_to_binary
    CHECK_EQ esi, eax, "binary hours match BCD"
    ; 24-hour h as 12-hour: 0 -> 12 AM, 1-11 AM, 12 -> 12 PM, 13-23 PM.
    mov ecx, eax
    xor edx, edx
    cmp ecx, 12
    jb .am
    mov edx, 0x80
    sub ecx, 12
.am:
    test ecx, ecx
    jnz .hour
    mov ecx, 12
.hour:
    mov eax, ecx
    call binary_to_bcd
    or eax, edx
    CHECK_EQ edi, eax, "12-hour reading of the hour"
    OK "binary and 12-hour formats agree with BCD"
    ret

; Between two update-ended interrupts: the seconds advance by one and the
; 1024 Hz periodic interrupt fires about 1024 times. QEMU drops periodic
; interrupts when its host is busy, so up to three seconds are counted and
; one in range is enough.
one_second:
    PRINT "one second", 10
    READ_RTC RTC_SECONDS
    mov [bcd_seconds], eax
    RTC_WRITE RTC_B, RTC_B_24H | RTC_B_UIE | RTC_B_PIE
    call wait_update
    mov dword [attempts], 3
.count:
    mov dword [rtc_periodic], 0
    call wait_update
    mov ebx, [rtc_periodic]
    cmp ebx, 920
    jb .retry
    cmp ebx, 1130
    jbe .rate_ok
.retry:
    add dword [bcd_seconds], 1
    dec dword [attempts]
    jnz .count
    FAIL "1024 Hz periodic interrupt rate"
.rate_ok:
    READ_RTC RTC_SECONDS
    mov [seconds_after], eax
    PRINT "periodic interrupts in a second "
    PRINT_VARYING ebx
    PRINT 10
    OK "about 1024 periodic interrupts between updates"
    mov eax, [bcd_seconds]
    add eax, 2
    call seconds_mod60
    CHECK_EQ dword [seconds_after], eax, "seconds advance by one per update"
    OK "each update-ended interrupt advances the seconds by one"
    ret

; UIP is set in the last 244 us before each update. Right after an update
; (one_second ends there), the periodic interrupt counts 900 ms; then the
; PIT samples register A every 50 us, more often than UIP lasts. Once UIP
; is seen, it falls with the update and the seconds have advanced. A
; sampler that misses the window (a host too busy to keep QEMU's timers)
; tries again in the next second, three times at most.
update_in_progress:
    PRINT "update in progress", 10
    HOOK VEC_IRQ0, pit_sample
    mov dword [attempts], 3
.attempt:
    READ_RTC RTC_SECONDS
    mov [bcd_seconds], eax
    mov dword [rtc_periodic], 0
.near_end:
    sti
    hlt
    cli
    cmp dword [rtc_periodic], 900
    jb .near_end
    READ_RTC RTC_SECONDS
    CHECK_EQ eax, [bcd_seconds], "no update 900 ms after the last"
    mov dword [uip_seen], 0
    in al, 0x21
    and al, ~0x01
    out 0x21, al
    mov al, 0x34                    ; channel 0, mode 2, 50 us
    out 0x43, al
    mov al, 60
    out 0x40, al
    xor al, al
    out 0x40, al
.sample:
    sti
    hlt
    cli
    cmp dword [uip_seen], 0
    jne .seen
    READ_RTC RTC_SECONDS
    cmp eax, [bcd_seconds]
    je .sample
    call stop_sampling
    dec dword [attempts]
    jnz .attempt
    FAIL "UIP never seen before an update"
.seen:
    call stop_sampling
    mov ecx, 100000000
.fall:
    READ_RTC RTC_A
    test al, RTC_A_UIP
    jz .fallen
    loop .fall
    FAIL "UIP never cleared"
.fallen:
    READ_RTC RTC_SECONDS
    mov ebx, eax
    mov eax, [bcd_seconds]
    add eax, 1
    call seconds_mod60
    CHECK_EQ ebx, eax, "seconds advanced once UIP fell"
    OK "UIP rises before the update, the seconds advance when it falls"
    ret

pit_sample:
    mov al, RTC_A
    call rtc_read
    test al, RTC_A_UIP
    jz .eoi
    mov dword [uip_seen], 1
.eoi:
    mov al, 0x20
    out 0x20, al
    ret

stop_sampling:
    mov al, 0x30                    ; channel 0 stops until a count is written
    out 0x43, al
    in al, 0x21
    or al, 0x01
    out 0x21, al
    ret

; SET stops the clock while it is set; the new time then runs on.
set_clock:
    PRINT "setting the clock", 10
    RTC_WRITE RTC_B, RTC_B_24H | RTC_B_SET
    mov al, RTC_C                   ; no stale update flag
    call rtc_read
    RTC_WRITE RTC_SECONDS, 0x30
    RTC_WRITE RTC_MINUTES, 0x15
    RTC_WRITE RTC_B, RTC_B_24H | RTC_B_UIE
    READ_RTC RTC_SECONDS
    mov ebx, eax
    READ_RTC RTC_MINUTES
    CHECK_EQ eax, 0x15, "minutes as set"
    cmp ebx, 0x31
    ja .bad
    cmp ebx, 0x30
    jae .set
.bad:
    FAIL "seconds as set"
.set:
    mov [bcd_seconds], ebx
    call wait_update
    READ_RTC RTC_SECONDS
    mov ebx, eax
    mov eax, [bcd_seconds]
    add eax, 1
    call seconds_mod60
    CHECK_EQ ebx, eax, "the set clock runs on"
    OK "SET freezes the clock for setting, then it runs from the new time"
    ret

; EAX: BCD seconds plus up to 2 in the low digit -> the BCD value mod 60.
seconds_mod60:
    call bcd_to_binary
    xor edx, edx
    mov ecx, 60
    div ecx
    mov eax, edx
    call binary_to_bcd
    ret

; EAX: a BCD byte (the low digit may exceed 9 by a little) -> binary in
; EAX; ECX: 1 when the high digit is not a decimal digit.
bcd_to_binary:
    push edx
    mov edx, eax
    shr edx, 4
    xor ecx, ecx
    cmp edx, 9
    jbe .high_ok
    mov ecx, 1
.high_ok:
    imul edx, edx, 10
    and eax, 0x0F
    add eax, edx
    pop edx
    ret

; EAX: 0-99 -> BCD in EAX.
binary_to_bcd:
    push ecx
    push edx
    xor edx, edx
    mov ecx, 10
    div ecx
    shl eax, 4
    or eax, edx
    pop edx
    pop ecx
    ret

section .bss
alignb 4
bcd_seconds: resd 1
bcd_hours: resd 1
seconds_after: resd 1
uip_seen: resd 1
attempts: resd 1
