; The 8254 PIT: the IRQ 0 rate of channel 0 in modes 2 and 3, measured
; against the RTC's 1024 Hz periodic interrupt (an independent clock), and
; channel 2 as Linux uses it through port 0x61: gate, OUT in mode 0 and
; mode 3, the counter latch and the read-back command.
; QEMU drops RTC interrupts it could not deliver in time when its host is
; busy, and its RTC and PIT follow different host clocks, so each timed
; measurement is tried up to three times until it is in range (tandem's
; clock follows the instruction count and needs one).
; host-timed: under QEMU, its IRQ 0 rates against the RTC follow the host's clock (run alone).
%include "sys.inc"
%include "devices.inc"

PIT_HZ equ 1193182
REF_TICKS equ 128                   ; 125 ms of the RTC's 1024 Hz
PORT_B equ 0x61
PORT_B_GATE2 equ 0x01
PORT_B_SPEAKER equ 0x02
PORT_B_OUT2 equ 0x20

; MEASURED routine, low, high, "what": runs the routine (which returns its
; measurement in EAX) up to three times until low <= EAX <= high.
%macro MEASURED 4
    mov dword [attempts], 3
%%again:
    call %1
    cmp eax, %2
    jb %%retry
    cmp eax, %3
    jbe %%ok
%%retry:
    dec dword [attempts]
    jnz %%again
    FAIL %4, " out of range"
%%ok:
%endmacro

section .text
sys_main:
    call pic_init
    call rtc_irq_init
    HOOK VEC_IRQ0, pit_irq
    in al, 0x21
    and al, ~0x01
    out 0x21, al
    RTC_WRITE RTC_A, RTC_RATE_1024HZ
    RTC_WRITE RTC_B, 0x02 | RTC_B_PIE
    call channel0_rates
    call channel2_one_shot
    call channel2_latch
    call channel2_square_wave
    RTC_WRITE RTC_B, 0x02
    ret

; ECX: the PIT count, AL: the control word. Counts IRQ 0 during REF_TICKS
; RTC interrupts into EAX.
measure_channel0:
    out 0x43, al
    mov al, cl
    out 0x40, al
    mov al, ch
    out 0x40, al
    mov ecx, 1                      ; start on an RTC tick
    call wait_rtc_ticks
    mov dword [pit_ticks], 0
    mov ecx, REF_TICKS
    call wait_rtc_ticks
    mov eax, [pit_ticks]
    push eax
    mov al, 0x30                    ; channel 0 stops until a count is written
    out 0x43, al
    pop eax
    ret

channel0_rates:
    PRINT "channel 0 against the RTC's 1024 Hz", 10
    MEASURED rate_mode2, 112, 138, "mode 2 rate"
    PRINT "mode 2, count 1193: IRQ 0 per 128 RTC ticks "
    PRINT_VARYING eax
    PRINT 10
    OK "mode 2 at 1000 Hz"
    MEASURED rate_mode3, 56, 69, "mode 3 rate"
    PRINT "mode 3, count 2386: IRQ 0 per 128 RTC ticks "
    PRINT_VARYING eax
    PRINT 10
    OK "mode 3 at 500 Hz"
    ret

rate_mode2:
    mov ecx, 1193                   ; 1000.15 Hz: 125 in 125 ms
    mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2, binary
    jmp measure_channel0

rate_mode3:
    mov ecx, 2386                   ; 500.08 Hz: 62.5 in 125 ms
    mov al, 0x36                    ; mode 3
    jmp measure_channel0

pit_irq:
    inc dword [pit_ticks]
    mov al, 0x20
    out 0x20, al
    ret

; Channel 2 mode 0 with count 0xFFFF (54.9 ms), gate high: OUT low from
; the control word until the count runs out.
channel2_one_shot:
    PRINT "channel 2 one-shot through port 0x61", 10
    MEASURED one_shot, 45, 62, "mode 0 expiry time"
    PRINT "mode 0, count 0xFFFF: OUT rose after RTC ticks "
    PRINT_VARYING eax
    PRINT 10
    mov al, 0xE8                    ; read-back: status of channel 2
    out 0x43, al
    in al, 0x42
    movzx eax, al
    CHECK_EQ eax, 0xB0, "read-back status after expiry (OUT high, lobyte/hibyte, mode 0)"
    OK "mode 0: OUT rises when the count runs out"
    ret

; Returns the RTC ticks from the count written to OUT rising (-1: never).
; The gate is high before the count is written: QEMU's mode 0 does not
; wait for the gate.
one_shot:
    mov ecx, 1                      ; start on an RTC tick
    call wait_rtc_ticks
    in al, PORT_B
    and al, ~PORT_B_SPEAKER
    or al, PORT_B_GATE2
    out PORT_B, al
    mov al, 0xB0                    ; channel 2, lobyte/hibyte, mode 0
    out 0x43, al
    mov al, 0xFF
    out 0x42, al
    out 0x42, al
    in al, PORT_B
    and eax, PORT_B_OUT2
    CHECK_EQ eax, 0, "mode 0: OUT low while counting"
    xor edx, edx
.wait:
    in al, PORT_B
    test al, PORT_B_OUT2
    jnz .high
    mov ecx, 1
    call wait_rtc_ticks
    inc edx
    cmp edx, 200
    jb .wait
    mov edx, -1
.high:
    mov eax, edx
    ret

; A latched count stays put while the counter runs on.
channel2_latch:
    PRINT "counter latch", 10
    MEASURED latch_drift, 4000, 8000, "count change over 5 RTC ticks"
    PRINT "latched "
    PRINT_VARYING [latched]
    PRINT ", 5 RTC ticks later "
    PRINT_VARYING [current]
    PRINT 10
    MEASURED read_back_drift, 1000, 4000, "read-back count held over 2 RTC ticks"
    mov al, 0xE8                    ; read-back: status of channel 2
    out 0x43, al
    in al, 0x42
    movzx eax, al
    CHECK_EQ eax, 0x30, "read-back status while counting (OUT low, lobyte/hibyte, mode 0)"
    OK "latched and read-back counts hold while the counter runs"
    ret

; Channel 2 in mode 0 from 0xFFFF, latched, read 5 RTC ticks later: returns
; how far the counter has moved past the latched value.
latch_drift:
    call start_channel2
    mov al, 0x80                    ; latch channel 2
    out 0x43, al
    mov ecx, 5
    call wait_rtc_ticks
    call read_channel2
    mov [latched], eax
    mov al, 0x80
    out 0x43, al
    call read_channel2
    mov [current], eax
    mov eax, [latched]
    sub eax, [current]
    ret

; As latch_drift with the read-back command latching, 2 RTC ticks.
read_back_drift:
    call start_channel2
    mov al, 0xD8                    ; read-back: count of channel 2
    out 0x43, al
    mov ecx, 2
    call wait_rtc_ticks
    call read_channel2
    mov ebx, eax
    mov al, 0x80
    out 0x43, al
    call read_channel2
    sub ebx, eax
    mov eax, ebx
    ret

start_channel2:
    mov al, 0xB0
    out 0x43, al
    mov al, 0xFF
    out 0x42, al
    out 0x42, al
    mov ecx, 1
    call wait_rtc_ticks
    ret

; Returns channel 2's latched count (low byte, then high) in EAX.
read_channel2:
    in al, 0x42
    mov ah, al
    in al, 0x42
    xchg al, ah
    movzx eax, ax
    ret

; Mode 3, count 0xFFFF: a 18.2 Hz square wave; OUT is seen both high and
; low over 128 ms.
channel2_square_wave:
    PRINT "channel 2 square wave", 10
    mov al, 0xB6                    ; channel 2, lobyte/hibyte, mode 3
    out 0x43, al
    mov al, 0xFF
    out 0x42, al
    out 0x42, al
    mov dword [seen], 0
    mov edx, REF_TICKS
.sample:
    in al, PORT_B
    and eax, PORT_B_OUT2
    shr eax, 5
    bts dword [seen], eax
    mov ecx, 1
    call wait_rtc_ticks
    dec edx
    jnz .sample
    CHECK_EQ dword [seen], 3, "mode 3: OUT seen low and high"
    OK "mode 3: OUT toggles"
    in al, PORT_B
    and al, ~PORT_B_GATE2
    out PORT_B, al
    ret

section .bss
alignb 4
pit_ticks: resd 1
latched: resd 1
current: resd 1
seen: resd 1
attempts: resd 1
