; The 8254 PIT: the IRQ 0 rate of channel 0 in modes 2 and 3, measured
; against the RTC's 1024 Hz periodic interrupt (an independent clock), and
; channel 2 as Linux uses it through port 0x61: gate, OUT in mode 0 and
; mode 3, the counter latch and the read-back command.
%include "sys.inc"
%include "devices.inc"

PIT_HZ equ 1193182
REF_TICKS equ 128                   ; 125 ms of the RTC's 1024 Hz
PORT_B equ 0x61
PORT_B_GATE2 equ 0x01
PORT_B_SPEAKER equ 0x02
PORT_B_OUT2 equ 0x20

; CHECK_RANGE value, low, high, "what": low <= value <= high.
%macro CHECK_RANGE 4
    mov eax, %1
    cmp eax, %2
    jb %%bad
    cmp eax, %3
    jbe %%ok
%%bad:
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
    mov ecx, 1193                   ; 1000.15 Hz: 125 in 125 ms
    mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2, binary
    call measure_channel0
    PRINT "mode 2, count 1193: IRQ 0 per 128 RTC ticks "
    PRINT_VARYING eax
    PRINT 10
    CHECK_RANGE eax, 112, 138, "mode 2 rate"
    OK "mode 2 at 1000 Hz"
    mov ecx, 2386                   ; 500.08 Hz: 62.5 in 125 ms
    mov al, 0x36                    ; mode 3
    call measure_channel0
    PRINT "mode 3, count 2386: IRQ 0 per 128 RTC ticks "
    PRINT_VARYING eax
    PRINT 10
    CHECK_RANGE eax, 56, 69, "mode 3 rate"
    OK "mode 3 at 500 Hz"
    ret

pit_irq:
    inc dword [pit_ticks]
    mov al, 0x20
    out 0x20, al
    ret

; Channel 2 mode 0 with count 0xFFFF (54.9 ms), gate high: OUT low from
; the control word until the count runs out.
channel2_one_shot:
    PRINT "channel 2 one-shot through port 0x61", 10
    in al, PORT_B
    and al, ~(PORT_B_GATE2 | PORT_B_SPEAKER)
    out PORT_B, al
    mov al, 0xB0                    ; channel 2, lobyte/hibyte, mode 0
    out 0x43, al
    mov al, 0xFF
    out 0x42, al
    out 0x42, al
    in al, PORT_B
    and eax, PORT_B_OUT2
    CHECK_EQ eax, 0, "mode 0: OUT low after the control word"
    mov ecx, 1
    call wait_rtc_ticks
    in al, PORT_B
    or al, PORT_B_GATE2
    out PORT_B, al
    mov dword [rtc_count], 0
.wait:
    in al, PORT_B
    test al, PORT_B_OUT2
    jnz .high
    mov ecx, 1
    call wait_rtc_ticks
    inc dword [rtc_count]
    cmp dword [rtc_count], 200
    jb .wait
    FAIL "mode 0: OUT never rose"
.high:
    PRINT "mode 0, count 0xFFFF: OUT rose after RTC ticks "
    PRINT_VARYING [rtc_count]
    PRINT 10
    CHECK_RANGE [rtc_count], 45, 62, "mode 0 expiry time"
    mov al, 0xE8                    ; read-back: status of channel 2
    out 0x43, al
    in al, 0x42
    movzx eax, al
    CHECK_EQ eax, 0xB0, "read-back status after expiry (OUT high, lobyte/hibyte, mode 0)"
    OK "mode 0: OUT rises when the count runs out"
    ret

; A latched count stays put while the counter runs on.
channel2_latch:
    PRINT "counter latch", 10
    mov al, 0xB0
    out 0x43, al
    mov al, 0xFF
    out 0x42, al
    out 0x42, al
    mov ecx, 1
    call wait_rtc_ticks
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
    PRINT "latched "
    PRINT_VARYING [latched]
    PRINT ", 5 RTC ticks later "
    PRINT_VARYING [current]
    PRINT 10
    mov eax, [latched]
    sub eax, [current]
    CHECK_RANGE eax, 4000, 8000, "count change over 5 RTC ticks"
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
    CHECK_RANGE ebx, 1000, 4000, "read-back count held over 2 RTC ticks"
    mov al, 0xE8                    ; read-back: status of channel 2
    out 0x43, al
    in al, 0x42
    movzx eax, al
    CHECK_EQ eax, 0x30, "read-back status while counting (OUT low, lobyte/hibyte, mode 0)"
    OK "latched and read-back counts hold while the counter runs"
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
rtc_count: resd 1
latched: resd 1
current: resd 1
seen: resd 1
