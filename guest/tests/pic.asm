; The 8259A pair: IMR and ELCR read back, IRR showing masked requests,
; ISR while in service, fixed priorities across the cascade (IRQ 0, 8, 4),
; no lower-priority interrupt before EOI, preemption by a higher one with
; specific EOIs, priority rotation (set-priority command, rotate on EOI),
; poll mode, automatic EOI, special mask mode, level triggering.
; Sources: IRQ 0 from a PIT one-shot, IRQ 4 from the UART's THRE interrupt,
; IRQ 8 from the RTC's periodic interrupt.
%include "sys.inc"
%include "devices.inc"

COM1_IER equ 0x3F9
COM1_MCR equ 0x3FC
EOI equ 0x20

%macro EXPECT_ORDER 2-*              ; "what", vectors...
    mov esi, order
%assign n %0 - 1
%assign k 0
%rep %0 - 1
    %rotate 1
    movzx eax, byte [esi + k]
    CHECK_EQ eax, %1, "order"
%assign k k + 1
%endrep
    %rotate 1
    CHECK_EQ dword [order_len], n, "order length"
    OK %1
%endmacro

section .text
sys_main:
    call pic_init
    mov dx, COM1_MCR
    mov al, 0x0B                    ; OUT2: the UART drives IRQ 4
    out dx, al
    HOOK VEC_IRQ0, irq0_plain
    HOOK VEC_IRQ0 + 4, irq4_plain
    HOOK VEC_IRQ8, irq8_plain
    call registers
    call masked_requests
    call fixed_priority
    call in_service_blocks
    call preemption
    call rotation
    call poll_mode
    call auto_eoi
    call special_mask
    call level_triggered
    ret

registers:
    PRINT "registers", 10
    mov al, 0xA5
    out 0x21, al
    mov al, 0x5A
    out 0xA1, al
    in al, 0x21
    movzx eax, al
    CHECK_EQ eax, 0xA5, "master IMR reads back"
    in al, 0xA1
    movzx eax, al
    CHECK_EQ eax, 0x5A, "slave IMR reads back"
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    mov dx, 0x4D0
    mov al, 0x10
    out dx, al
    in al, dx
    movzx eax, al
    CHECK_EQ eax, 0x10, "ELCR reads back"
    xor al, al
    out dx, al
    OK "IMR and ELCR read back"
    ret

masked_requests:
    PRINT "masked requests", 10
    call raise_irq4
    call read_irr
    and eax, 0x10
    CHECK_EQ eax, 0x10, "IRR shows a masked request"
    call read_isr
    CHECK_EQ eax, 0, "nothing in service"
    call reset_log
    sti
    times 16 nop
    cli
    CHECK_EQ dword [order_len], 0, "a masked request is not delivered"
    OK "a masked request sits in IRR"
    mov al, 0xEF
    call unmask_and_serve
    EXPECT_ORDER "unmasking delivers it", VEC_IRQ0 + 4
    movzx eax, byte [isr_seen]
    CHECK_EQ eax, 0x10, "ISR in the handler"
    call read_isr
    CHECK_EQ eax, 0, "EOI clears ISR"
    OK "ISR set while in service, cleared by EOI"
    call mask_all
    ret

; IRQ 0, 4 and 8 pending together: served as 0, 8 (through the cascade on
; IRQ 2), 4.
fixed_priority:
    PRINT "fixed priority across the cascade", 10
    call raise_all
    call reset_log
    mov al, 0xEA                    ; IRQ 0, 2, 4
    out 0x21, al
    sti
    nop
    cli
    EXPECT_ORDER "IRQ 0, then 8, then 4", VEC_IRQ0, VEC_IRQ8, VEC_IRQ0 + 4
    movzx eax, byte [isr_seen + 1]
    CHECK_EQ eax, 0x04, "master ISR during IRQ 8: the cascade input"
    movzx eax, byte [slave_isr_seen]
    CHECK_EQ eax, 0x01, "slave ISR during IRQ 8"
    OK "slave interrupt in service on both chips"
    call mask_all
    ret

; While IRQ 0 is in service IRQ 4 waits, even with IF set; EOI lets it in.
in_service_blocks:
    PRINT "no lower priority before EOI", 10
    HOOK VEC_IRQ0, irq0_blocks
    call raise_irq0
    call reset_log
    mov al, 0xEE
    call unmask_and_serve
    EXPECT_ORDER "IRQ 4 nested after IRQ 0's EOI", VEC_IRQ0, VEC_IRQ0 + 4
    CHECK_EQ dword [before_eoi], 1, "IRQ 4 held back while IRQ 0 is in service"
    OK "a lower-priority request waits for EOI"
    HOOK VEC_IRQ0, irq0_plain
    call mask_all
    ret

irq0_blocks:
    call log_entry
    call raise_irq4
    sti
    times 16 nop
    cli
    mov eax, [order_len]
    mov [before_eoi], eax
    mov al, EOI
    out 0x20, al
    sti
    nop
    cli
    ret

; IRQ 4 in service, then IRQ 0 preempts it; IRQ 0's handler ends IRQ 4
; and itself with specific EOIs.
preemption:
    PRINT "preemption and specific EOI", 10
    HOOK VEC_IRQ0 + 4, irq4_preempted
    HOOK VEC_IRQ0, irq0_specific
    call raise_irq4
    call reset_log
    mov al, 0xEE
    call unmask_and_serve
    EXPECT_ORDER "IRQ 0 inside IRQ 4", VEC_IRQ0 + 4, VEC_IRQ0
    movzx eax, byte [isr_seen + 1]
    CHECK_EQ eax, 0x11, "ISR with IRQ 0 nested in IRQ 4"
    CHECK_EQ dword [isr_after], 0x01, "specific EOI 4 leaves IRQ 0 in service"
    call read_isr
    CHECK_EQ eax, 0, "specific EOI 0 empties ISR"
    OK "a higher-priority request preempts; specific EOIs"
    HOOK VEC_IRQ0 + 4, irq4_plain
    HOOK VEC_IRQ0, irq0_plain
    call mask_all
    ret

irq4_preempted:
    call log_entry
    call quiet_irq4
    call raise_irq0
    mov ecx, 100000
    sti
.wait:
    cmp dword [order_len], 2
    je .done
    loop .wait
.done:
    cli
    ret

irq0_specific:
    call log_entry
    mov al, 0x64                    ; specific EOI, level 4
    out 0x20, al
    call read_isr
    mov [isr_after], eax
    mov al, 0x60                    ; specific EOI, level 0
    out 0x20, al
    ret

rotation:
    PRINT "priority rotation", 10
    mov al, 0xC3                    ; set priority: IRQ 3 lowest, IRQ 4 highest
    out 0x20, al
    call raise_irq0
    call raise_irq4
    call reset_log
    mov al, 0xEE
    call unmask_and_serve
    EXPECT_ORDER "IRQ 4 before IRQ 0 with IRQ 3 lowest", VEC_IRQ0 + 4, VEC_IRQ0
    mov al, 0xC7                    ; IRQ 7 lowest again
    out 0x20, al
    mov dword [eoi_command], 0xA0   ; rotate on non-specific EOI
    call raise_irq0
    call reset_log
    sti
    nop
    cli
    call raise_irq0
    call raise_irq4
    sti
    nop
    cli
    mov dword [eoi_command], EOI
    EXPECT_ORDER "after rotating on IRQ 0's EOI, IRQ 4 before IRQ 0", VEC_IRQ0, VEC_IRQ0 + 4, VEC_IRQ0
    mov al, 0xC7
    out 0x20, al
    call mask_all
    ret

; With IF clear: the poll command reads the highest request and serves it.
poll_mode:
    PRINT "poll mode", 10
    call raise_irq4
    call raise_irq0
    mov al, 0xEE
    out 0x21, al
    mov al, 0x0C                    ; OCW3: poll
    out 0x20, al
    in al, 0x20
    movzx eax, al
    CHECK_EQ eax, 0x80, "poll: IRQ 0 requesting"
    call read_isr
    CHECK_EQ eax, 0x01, "poll: IRQ 0 in service"
    mov al, EOI
    out 0x20, al
    mov al, 0x0C
    out 0x20, al
    in al, 0x20
    movzx eax, al
    CHECK_EQ eax, 0x84, "poll: then IRQ 4"
    mov al, EOI
    out 0x20, al
    call quiet_irq4
    mov al, 0x0C
    out 0x20, al
    in al, 0x20
    movzx eax, al
    CHECK_EQ eax, 0, "poll: nothing left"
    OK "poll mode serves requests in priority order"
    call mask_all
    ret

auto_eoi:
    PRINT "automatic EOI", 10
    mov al, 0x11
    out 0x20, al
    mov al, VEC_IRQ0
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x03                    ; ICW4: 8086 mode, automatic EOI
    out 0x21, al
    mov dword [eoi_command], 0
    call raise_irq4
    call reset_log
    mov al, 0xEF
    call unmask_and_serve
    EXPECT_ORDER "IRQ 4 with automatic EOI", VEC_IRQ0 + 4
    movzx eax, byte [isr_seen]
    CHECK_EQ eax, 0, "automatic EOI: nothing in service in the handler"
    OK "automatic EOI leaves ISR clear"
    mov dword [eoi_command], EOI
    call pic_init
    ret

; IRQ 0 in service and masked: in special mask mode IRQ 4 gets through.
special_mask:
    PRINT "special mask mode", 10
    HOOK VEC_IRQ0, irq0_special_mask
    mov dword [eoi_command], 0x64   ; IRQ 4 ends with a specific EOI
    call raise_irq0
    call reset_log
    mov al, 0xEE
    call unmask_and_serve
    mov dword [eoi_command], EOI
    EXPECT_ORDER "IRQ 4 inside IRQ 0 in special mask mode", VEC_IRQ0, VEC_IRQ0 + 4
    call read_isr
    CHECK_EQ eax, 0, "special mask mode: specific EOIs empty ISR"
    HOOK VEC_IRQ0, irq0_plain
    call mask_all
    ret

irq0_special_mask:
    call log_entry
    mov al, 0xEF                    ; IRQ 0 masked, IRQ 4 open
    out 0x21, al
    mov al, 0x68                    ; OCW3: set special mask mode
    out 0x20, al
    call raise_irq4
    sti
    nop
    nop
    cli
    mov al, 0x48                    ; OCW3: reset special mask mode
    out 0x20, al
    mov al, 0x60                    ; specific EOI, level 0
    out 0x20, al
    ret

; IRQ 4 level-triggered (ELCR): after EOI the still-high line requests
; again; edge-triggered it does not.
level_triggered:
    PRINT "level triggering", 10
    HOOK VEC_IRQ0 + 4, irq4_twice
    mov dx, 0x4D0
    mov al, 0x10
    out dx, al
    call raise_irq4
    call reset_log
    mov al, 0xEF
    call unmask_and_serve
    EXPECT_ORDER "level-triggered IRQ 4 requests again after EOI", VEC_IRQ0 + 4, VEC_IRQ0 + 4
    mov dx, 0x4D0
    xor al, al
    out dx, al
    mov dword [irq4_calls], 0
    call raise_irq4
    call reset_log
    sti
    nop
    nop
    cli
    EXPECT_ORDER "edge-triggered IRQ 4 does not", VEC_IRQ0 + 4
    HOOK VEC_IRQ0 + 4, irq4_plain
    call quiet_irq4
    call mask_all
    ret

; Leaves the UART's request up the first time.
irq4_twice:
    call log_entry
    inc dword [irq4_calls]
    cmp dword [irq4_calls], 2
    jb .eoi
    call quiet_irq4
.eoi:
    mov al, EOI
    out 0x20, al
    ret

irq0_plain:
    call log_entry
    jmp end_master

irq4_plain:
    call log_entry
    call quiet_irq4
end_master:
    mov eax, [eoi_command]
    test eax, eax
    jz .done
    out 0x20, al
.done:
    ret

irq8_plain:
    call log_entry
    mov al, 0x0B
    out 0xA0, al
    in al, 0xA0
    mov [slave_isr_seen], al
    call quiet_irq8
    mov al, EOI
    out 0xA0, al
    out 0x20, al
    ret

; Appends the vector (in the frame at ECX) to the order log and notes ISR.
log_entry:
    mov eax, [ecx]
    mov edx, [order_len]
    mov [order + edx], al
    call read_isr
    mov [isr_seen + edx], al
    inc dword [order_len]
    ret

reset_log:
    mov dword [order_len], 0
    mov dword [order], 0
    mov dword [isr_seen], 0
    ret

; AL: the master's mask. Opens it and lets pending requests in.
unmask_and_serve:
    out 0x21, al
    sti
    nop
    cli
    ret

mask_all:
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    ret

read_irr:
    mov al, 0x0A
    out 0x20, al
    in al, 0x20
    movzx eax, al
    ret

read_isr:
    mov al, 0x0B
    out 0x20, al
    in al, 0x20
    movzx eax, al
    push eax
    mov al, 0x0A                    ; reads of port 0 return IRR again
    out 0x20, al
    pop eax
    ret

; Requests that stay pending until served (the IRQ line of each is left as
; its device drives it; IRR latches the edge even while masked).
raise_irq0:
    mov al, 0x30                    ; channel 0, mode 0: OUT low
    out 0x43, al
    mov al, 2                       ; OUT rises two PIT clocks later
    out 0x40, al
    xor al, al
    out 0x40, al
    mov ecx, 100000
.wait:
    call read_irr
    test al, 0x01
    jnz .done
    loop .wait
    FAIL "IRQ 0 never requested"
.done:
    ret

raise_irq4:
    mov dx, COM1_IER
    mov al, 0x02
    out dx, al
    ret

quiet_irq4:
    push eax
    push edx
    mov dx, COM1_IER
    xor al, al
    out dx, al
    pop edx
    pop eax
    ret

raise_irq8:
    mov al, 0xFE                    ; the slave passes IRQ 8 to its output
    out 0xA1, al
    RTC_WRITE RTC_A, RTC_RATE_1024HZ
    RTC_WRITE RTC_B, 0x02 | RTC_B_PIE
    mov ecx, 10000000
.wait:
    mov al, 0x0A
    out 0xA0, al
    in al, 0xA0
    test al, 0x01
    jnz .done
    loop .wait
    FAIL "IRQ 8 never requested"
.done:
    ret

quiet_irq8:
    RTC_WRITE RTC_B, 0x02
    mov al, RTC_C
    call rtc_read
    ret

raise_all:
    call raise_irq8
    call raise_irq4
    call raise_irq0
    ret

section .data
eoi_command: dd EOI

section .bss
alignb 4
order: resb 8
isr_seen: resb 8
order_len: resd 1
slave_isr_seen: resd 1
before_eoi: resd 1
isr_after: resd 1
irq4_calls: resd 1
