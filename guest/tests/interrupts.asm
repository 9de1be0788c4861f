; Maskable interrupts: IF inside interrupt and trap gates, the one-
; instruction STI shadow (also before HLT), POPF and IRET enabling
; interrupts with no shadow, a hardware interrupt at CPL 3 through a DPL 0
; gate, and a timer interrupt between iterations of REP MOVSB.
; The interrupt source is IRQ 4: the UART raises its THRE interrupt as soon
; as it is enabled, so the request is pending before IF is set.
%include "sys.inc"

COM1_IER equ 0x3F9
COM1_MCR equ 0x3FC
VEC_INT   equ 0x45                  ; interrupt gate
VEC_TRAP  equ 0x46                  ; trap gate
FL_IF equ 1 << 9

COPY_SRC equ 0x200000
COPY_DST equ 0x300000
COPY_LEN equ 0x100000

section .text
sys_main:
    call pic_init
    mov al, 0xEF                    ; IRQ 4 (IRQ 0 once the PIT is set up)
    out 0x21, al
    mov dx, COM1_MCR
    mov al, 0x0B                    ; DTR, RTS, OUT2: the UART drives IRQ 4
    out dx, al
    HOOK VEC_IRQ0 + 4, irq4_hook
    call gate_kinds
    call sti_shadow
    call no_shadow
    call user_interrupt
    call interrupted_rep
    ret

gate_kinds:
    PRINT "interrupt and trap gates", 10
    IDT_GATE VEC_INT, flags_handler, ATTR_INTGATE
    IDT_GATE VEC_TRAP, flags_handler, ATTR_TRAPGATE
    sti
    int VEC_INT
    cli
    mov eax, [handler_flags]
    and eax, FL_IF
    CHECK_EQ eax, 0, "an interrupt gate clears IF"
    OK "an interrupt gate clears IF"
    sti
    int VEC_TRAP
    cli
    mov eax, [handler_flags]
    and eax, FL_IF
    CHECK_EQ eax, FL_IF, "a trap gate leaves IF set"
    OK "a trap gate leaves IF set"
    ret

flags_handler:
    pushfd
    pop dword [handler_flags]
    iretd

; IRQ 4 requested while IF is clear: taken only after the instruction that
; follows STI.
sti_shadow:
    PRINT "the STI shadow", 10
    call raise_irq4
    xor ecx, ecx
    sti
    inc ecx
.after:
    nop
    cli
    CHECK_EQ dword [irq_count], 1, "STI: one interrupt"
    CHECK_EQ dword [irq_eip], .after, "STI: interrupt after the next instruction"
    CHECK_EQ ecx, 1, "STI: the instruction in the shadow ran once"
    OK "STI: a pending interrupt waits one instruction"
    call raise_irq4
    sti
    hlt
.after_hlt:
    cli
    CHECK_EQ dword [irq_count], 2, "STI; HLT: one interrupt"
    CHECK_EQ dword [irq_eip], .after_hlt, "STI; HLT: interrupt after HLT"
    OK "STI; HLT: woken by the pending interrupt, EIP after HLT"
    ret

; POPF and IRET set IF without a shadow.
no_shadow:
    PRINT "POPF and IRET enabling interrupts", 10
    call raise_irq4
    pushfd
    or dword [esp], FL_IF
    popfd
.after_popf:
    nop
    cli
    CHECK_EQ dword [irq_count], 3, "POPF: one interrupt"
    CHECK_EQ dword [irq_eip], .after_popf, "POPF: interrupt right after POPF"
    OK "POPF setting IF: a pending interrupt is taken at once"
    call raise_irq4
    pushfd
    or dword [esp], FL_IF
    push dword SEL_CODE0
    push dword .iret_target
    iretd
.iret_target:
    nop
    cli
    CHECK_EQ dword [irq_count], 4, "IRET: one interrupt"
    CHECK_EQ dword [irq_eip], .iret_target, "IRET: interrupt before the first instruction"
    OK "IRET setting IF: a pending interrupt is taken at once"
    ret

user_interrupt:
    PRINT "a hardware interrupt at CPL 3", 10
    call raise_irq4
    mov dword [user_extra_flags], FL_IF
    mov dword [irq_leave_user], 1
    mov dword [exc_resume], 0
    mov eax, user_wait
    call run_user
    mov dword [user_extra_flags], 0
    mov dword [irq_leave_user], 0
    CHECK_EQ dword [irq_count], 5, "CPL 3: one interrupt"
    CHECK_EQ dword [irq_eip], user_wait, "CPL 3: taken before the first instruction"
    mov eax, [irq_cs]
    and eax, 0xFFFF
    CHECK_EQ eax, SEL_CODE3, "CPL 3: saved CS"
    CHECK_EQ dword [irq_esp], user_stack_top, "CPL 3: saved ESP"
    mov eax, [irq_ss]
    and eax, 0xFFFF
    CHECK_EQ eax, SEL_DATA3, "CPL 3: saved SS"
    OK "a hardware interrupt at CPL 3 goes through a DPL 0 gate"
    ret

; PIT channel 0 at about 12 kHz while REP MOVSB copies 1 MiB: ticks land
; between iterations, with EIP at the REP instruction and ECX counting down.
interrupted_rep:
    PRINT "timer interrupts during REP MOVSB", 10
    mov edi, COPY_SRC
    mov ecx, COPY_LEN / 4
    mov eax, 0x01020304
.fill:
    stosd
    add eax, 0x04040404
    loop .fill
    HOOK VEC_IRQ0, irq0_hook
    mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2
    out 0x43, al
    mov al, 100
    out 0x40, al
    xor al, al
    out 0x40, al
    mov al, 0xEE
    out 0x21, al
    mov esi, COPY_SRC
    mov edi, COPY_DST
    mov ecx, COPY_LEN
    sti
    nop                             ; REP MOVSB outside the STI shadow
rep_insn:
    rep movsb
    cli
    mov al, 0x30                    ; channel 0 stops until a count is written
    out 0x43, al
    CHECK_EQ ecx, 0, "REP MOVSB ran to the end"
    mov esi, COPY_SRC
    mov edi, COPY_DST
    mov ecx, COPY_LEN / 4
    repe cmpsd
    CHECK_EQ ecx, 0, "REP MOVSB copied every byte"
    PRINT "ticks between REP MOVSB iterations: "
    PRINT_VARYING [rep_hits]
    PRINT ", the last with ECX "
    PRINT_VARYING [rep_last_ecx]
    PRINT 10
    cmp dword [rep_hits], 0
    jne .hit
    FAIL "no timer interrupt between REP MOVSB iterations"
.hit:
    OK "timer interrupts between REP iterations: EIP at REP, ECX part-way"
    ret

; Makes IRQ 4 pending: the UART's THRE interrupt, enabled.
raise_irq4:
    push eax
    push edx
    mov dx, COM1_IER
    mov al, 0x02
    out dx, al
    pop edx
    pop eax
    ret

; ECX: the frame. Records it, silences the UART and ends the interrupt.
irq4_hook:
    mov eax, [ecx + 8]
    mov [irq_eip], eax
    mov eax, [ecx + 12]
    mov [irq_cs], eax
    mov eax, [ecx + 20]
    mov [irq_esp], eax
    mov eax, [ecx + 24]
    mov [irq_ss], eax
    inc dword [irq_count]
    mov dx, COM1_IER
    xor al, al
    out dx, al
    mov al, 0x20
    out 0x20, al
    cmp dword [irq_leave_user], 0
    je .done
    test byte [ecx + 12], 3
    jnz user_return
.done:
    ret

irq0_hook:
    cmp dword [ecx + 8], rep_insn
    jne .eoi
    mov eax, [ecx - 8]              ; the interrupted ECX (pushed by PUSHAD)
    test eax, eax
    jz .eoi
    cmp eax, COPY_LEN
    jae .eoi
    inc dword [rep_hits]
    mov [rep_last_ecx], eax
.eoi:
    mov al, 0x20
    out 0x20, al
    ret

section .text.user progbits alloc exec nowrite align=16
user_wait:
    mov ecx, 100000
    loop $
    int VEC_USER_EXIT

section .bss
alignb 4
handler_flags: resd 1
irq_count: resd 1
irq_eip: resd 1
irq_cs: resd 1
irq_esp: resd 1
irq_ss: resd 1
irq_leave_user: resd 1
rep_hits: resd 1
rep_last_ecx: resd 1
