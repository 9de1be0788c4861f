; Privilege changes: a far CALL from CPL 3 through a call gate to CPL 0
; with parameters copied and the stack switched from the TSS, the far RET
; back (with its parameter release and data segments nulled), INT and IRET
; across privilege levels, SYSENTER/SYSEXIT with their MSRs, and I/O
; permission (IOPL, the TSS I/O bitmap, CLI/STI and POPF at CPL 3).
%include "sys.inc"

SEL_GATE3 equ SEL_FREE + 0x00       ; call gate, DPL 3, 3 parameters
SEL_GATE0 equ SEL_FREE + 0x08       ; call gate, DPL 0
VEC_UP    equ 0x44                  ; trap gate, DPL 3

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176

FL_IF   equ 1 << 9
FL_IOPL equ 3 << 12

; CHECK_LOW16 value, want, "what": compares the selector half of a stack slot
; (the processor may leave the upper half of a pushed selector as it was).
%macro CHECK_LOW16 3
    mov eax, %1
    and eax, 0xFFFF
    CHECK_EQ eax, %2, %3
%endmacro

; CHECK_RETURNED "what": back at CPL 3 (user_after_return), ESP is what it
; was before the call or interrupt (a far RET releases the parameters), DS
; (a DPL 0 segment) was nulled and ES (DPL 3) kept.
%macro CHECK_RETURNED 1
    mov eax, [user_esp_before]
    CHECK_EQ dword [user_esp_after], eax, %1, ": ESP restored"
    CHECK_EQ dword [user_ds_after], 0, %1, ": DS holding a DPL 0 segment is nulled"
    CHECK_EQ dword [user_es_after], SEL_DATA3, %1, ": ES holding a DPL 3 segment is kept"
    OK %1
%endmacro

%macro WRMSR 2
    mov ecx, %1
    mov eax, %2
    xor edx, edx
    wrmsr
%endmacro

section .text
sys_main:
    call pic_init                   ; every IRQ masked: IF may be set safely
    call call_gates
    call interrupt_return
    call sysenter_sysexit
    call io_permission
    ret

call_gates:
    PRINT "call gate from CPL 3 to CPL 0", 10
    mov edi, gdt + SEL_GATE3
    mov eax, gate_target
    mov ebx, SEL_CODE0
    mov ecx, ATTR_CALLGATE | ATTR_DPL3 | 3
    call gate_set
    mov edi, gdt + SEL_GATE0
    mov ecx, ATTR_CALLGATE | 3
    call gate_set
    mov dword [exc_resume], 0
    mov eax, user_call_gate
    call run_user
    PRINT "gate entry: cs "
    PRINT_HEX [gate_cs]
    PRINT " ss "
    PRINT_HEX [gate_ss]
    PRINT " esp "
    PRINT_HEX [gate_esp]
    PRINT 10
    CHECK_EQ dword [gate_cs], SEL_CODE0, "call gate: CS at the target"
    CHECK_EQ dword [gate_ss], SEL_DATA0, "call gate: SS from the TSS"
    CHECK_EQ dword [gate_esp], trap_stack_top - 28, "call gate: ESP from the TSS, 7 dwords pushed"
    CHECK_EQ dword [gate_frame], user_call_gate.back, "call gate: return EIP"
    CHECK_LOW16 [gate_frame + 4], SEL_CODE3, "call gate: return CS"
    CHECK_EQ dword [gate_frame + 8], 0x33333333, "call gate: parameter 1 (last pushed)"
    CHECK_EQ dword [gate_frame + 12], 0x22222222, "call gate: parameter 2"
    CHECK_EQ dword [gate_frame + 16], 0x11111111, "call gate: parameter 3"
    mov eax, [user_esp_before]
    sub eax, 12
    CHECK_EQ dword [gate_frame + 20], eax, "call gate: caller ESP after its parameters"
    CHECK_LOW16 [gate_frame + 24], SEL_DATA3, "call gate: caller SS"
    OK "call gate: stack switched and 3 parameters copied"
    CHECK_RETURNED "far RET (RETF 12) to CPL 3"
    USER_FAULT 13, SEL_GATE0, "#GP: far CALL at CPL 3 through a DPL 0 call gate", call SEL_GATE0:0
    ret

; Reached from CPL 3 through SEL_GATE3; DS is still the caller's.
gate_target:
    mov [gate_esp], esp
    xor eax, eax
    mov ax, cs
    mov [gate_cs], eax
    mov ax, ss
    mov [gate_ss], eax
    mov esi, esp
    mov edi, gate_frame
    mov ecx, 7
    rep movsd
    mov ax, SEL_DATA0
    mov ds, ax
    mov ax, SEL_DATA3
    mov es, ax
    retf 12

interrupt_return:
    PRINT "INT and IRET across privilege levels", 10
    IDT_GATE VEC_UP, up_handler, ATTR_TRAPGATE | ATTR_DPL3
    mov dword [exc_resume], 0
    mov eax, user_int
    call run_user
    PRINT "interrupt entry: esp "
    PRINT_HEX [gate_esp]
    PRINT " eflags "
    PRINT_HEX [gate_frame + 8]
    PRINT 10
    CHECK_EQ dword [gate_esp], trap_stack_top - 20, "INT from CPL 3: ESP from the TSS, 5 dwords pushed"
    CHECK_EQ dword [gate_frame], user_int.back, "INT from CPL 3: saved EIP"
    CHECK_LOW16 [gate_frame + 4], SEL_CODE3, "INT from CPL 3: saved CS"
    mov eax, [user_esp_before]
    CHECK_EQ dword [gate_frame + 12], eax, "INT from CPL 3: saved ESP"
    CHECK_LOW16 [gate_frame + 16], SEL_DATA3, "INT from CPL 3: saved SS"
    OK "INT from CPL 3 to a CPL 0 trap gate"
    CHECK_RETURNED "IRET to CPL 3"
    ret

up_handler:
    mov [gate_esp], esp
    mov esi, esp
    mov edi, gate_frame
    mov ecx, 5
    push ds
    pop es
    rep movsd
    mov ax, SEL_DATA0
    mov ds, ax
    mov ax, SEL_DATA3
    mov es, ax
    iretd

sysenter_sysexit:
    PRINT "SYSENTER and SYSEXIT", 10
    mov ecx, MSR_SYSENTER_CS
    xor edx, edx
    xor eax, eax
    wrmsr
    USER_FAULT 13, 0, "#GP: SYSENTER with IA32_SYSENTER_CS zero", sysenter
    WRMSR MSR_SYSENTER_CS, SEL_CODE0
    WRMSR MSR_SYSENTER_ESP, sysenter_stack_top
    WRMSR MSR_SYSENTER_EIP, sysenter_target
    mov ecx, MSR_SYSENTER_EIP
    rdmsr
    CHECK_EQ eax, sysenter_target, "IA32_SYSENTER_EIP reads back"
    USER_FAULT 13, 0, "#GP: SYSEXIT at CPL 3", sysexit
    mov dword [exc_resume], 0
    mov eax, user_sysenter
    sti                             ; CPL 3 runs with IF set: SYSENTER clears it
    call run_user
    cli
    PRINT "sysenter entry: cs "
    PRINT_HEX [se_cs]
    PRINT " ss "
    PRINT_HEX [se_ss]
    PRINT " esp "
    PRINT_HEX [se_esp]
    PRINT " eflags "
    PRINT_HEX [se_eflags]
    PRINT 10
    CHECK_EQ dword [se_cs], SEL_CODE0, "SYSENTER: CS from IA32_SYSENTER_CS"
    CHECK_EQ dword [se_ss], SEL_DATA0, "SYSENTER: SS is IA32_SYSENTER_CS + 8"
    CHECK_EQ dword [se_esp], sysenter_stack_top, "SYSENTER: ESP from IA32_SYSENTER_ESP"
    mov eax, [se_eflags]
    and eax, FL_IF
    CHECK_EQ eax, 0, "SYSENTER clears IF"
    OK "SYSENTER to CPL 0"
    PRINT "sysexit return: cs "
    PRINT_HEX [user_cs_after]
    PRINT " ss "
    PRINT_HEX [user_ss_after]
    PRINT " eflags "
    PRINT_HEX [user_flags_after]
    PRINT 10
    CHECK_EQ dword [user_cs_after], SEL_CODE3, "SYSEXIT: CS is IA32_SYSENTER_CS + 16, RPL 3"
    CHECK_EQ dword [user_ss_after], SEL_DATA3, "SYSEXIT: SS is IA32_SYSENTER_CS + 24, RPL 3"
    mov eax, [user_esp_before]
    CHECK_EQ dword [user_esp_after], eax, "SYSEXIT: ESP from ECX"
    OK "SYSEXIT to CPL 3"
    ret

; Reached from CPL 3 by SYSENTER; returns with SYSEXIT (ECX, EDX as given).
sysenter_target:
    mov [ss:se_esp], esp
    pushfd
    pop dword [ss:se_eflags]
    xor eax, eax
    mov ax, cs
    mov [ss:se_cs], eax
    mov ax, ss
    mov [ss:se_ss], eax
    sysexit

io_permission:
    PRINT "I/O permission at CPL 3", 10
    USER_FAULT 13, 0, "#GP: IN from port 0x80 (denied by the I/O bitmap)", in al, 0x80
    mov edx, 0x3FD
    USER_OK "IN from COM1's LSR (allowed by the I/O bitmap)", in al, dx
    mov edx, 0x3FF
    USER_FAULT 13, 0, "#GP: 16-bit IN from 0x3FF (0x400 denied)", in ax, dx
    mov edx, 0x510
    USER_FAULT 13, 0, "#GP: IN from a port past the end of the bitmap", in al, dx
    USER_FAULT 13, 0, "#GP: STI at CPL 3 with IOPL 0", sti
    mov dword [exc_resume], 0
    mov eax, user_popf
    call run_user
    mov eax, [user_flags_after]
    and eax, FL_IF | FL_IOPL
    CHECK_EQ eax, 0, "POPF at CPL 3 leaves IF and IOPL alone"
    OK "POPF at CPL 3 leaves IF and IOPL alone"
    pushfd
    or dword [esp], FL_IOPL
    popfd
    USER_OK "IOPL 3: IN from port 0x80 at CPL 3", in al, 0x80
    USER_OK "IOPL 3: CLI at CPL 3", cli
    mov dword [exc_resume], 0
    mov eax, user_popf
    call run_user
    mov eax, [user_flags_after]
    and eax, FL_IF | FL_IOPL
    CHECK_EQ eax, FL_IF | FL_IOPL, "IOPL 3: POPF at CPL 3 sets IF"
    OK "IOPL 3: POPF at CPL 3 sets IF, keeps IOPL"
    pushfd
    and dword [esp], ~FL_IOPL
    popfd
    ret

section .text.user progbits alloc exec nowrite align=16
user_call_gate:
    mov [user_esp_before], esp
    push dword 0x11111111
    push dword 0x22222222
    push dword 0x33333333
    call SEL_GATE3:0
.back:
    jmp user_after_return

user_int:
    mov [user_esp_before], esp
    int VEC_UP
.back:
    jmp user_after_return

; Back at CPL 3 from a far RET or IRET: records ESP, DS and ES, and leaves.
user_after_return:
    mov [ss:user_esp_after], esp
    xor eax, eax
    mov ax, ds
    mov [ss:user_ds_after], eax
    mov ax, es
    mov [ss:user_es_after], eax
    int VEC_USER_EXIT

user_sysenter:
    mov [user_esp_before], esp
    mov ecx, esp
    mov edx, .back
    sysenter
.back:
    mov [user_esp_after], esp
    xor eax, eax
    mov ax, cs
    mov [user_cs_after], eax
    mov ax, ss
    mov [user_ss_after], eax
    pushfd
    pop dword [user_flags_after]
    int VEC_USER_EXIT

; Tries to set IF and IOPL 3 with POPF.
user_popf:
    pushfd
    or dword [esp], FL_IF | FL_IOPL
    popfd
    pushfd
    pop dword [user_flags_after]
    int VEC_USER_EXIT

section .bss
alignb 4
gate_cs: resd 1
gate_ss: resd 1
gate_esp: resd 1
gate_frame: resd 8
se_cs: resd 1
se_ss: resd 1
se_esp: resd 1
se_eflags: resd 1
user_esp_before: resd 1
user_esp_after: resd 1
user_ds_after: resd 1
user_es_after: resd 1
user_cs_after: resd 1
user_ss_after: resd 1
user_flags_after: resd 1
alignb 16
sysenter_stack: resb 1024
sysenter_stack_top:
