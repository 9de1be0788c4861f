; Hardware task switches besides the double-fault path: CALL to a TSS
; (nested: back link, NT, both busy, IRET returns and frees the callee),
; JMP through a task gate (not nested: no NT, the old task freed, JMP back),
; the state saved in the old TSS and loaded from the new one, CR0.TS set by
; every switch, and #GP for a CALL to a busy TSS.
%include "sys.inc"

SEL_TSS_B  equ SEL_FREE + 0x00
SEL_TGATE  equ SEL_FREE + 0x08      ; task gate to SEL_TSS_B
FL_NT equ 1 << 14
CR0_TS equ 1 << 3
TYPE_TSS_BUSY  equ 0x8B
TYPE_TSS_AVAIL equ 0x89

section .text
sys_main:
    DESC SEL_TSS_B, tss_b, TSS_SIZE - 1, 0x0089
    mov dword [gdt + SEL_TGATE], SEL_TSS_B << 16
    mov dword [gdt + SEL_TGATE + 4], ATTR_TASKGATE
    mov eax, cr3
    mov [tss + TSS_CR3], eax
    call nested_call
    call jump_through_gate
    call busy_target
    ret

; Task B starts at task_b with these registers.
tss_b_init:
    mov edi, tss_b
    mov eax, task_b
    mov ebx, stack_b_top
    call task_tss_init
    mov dword [tss_b + TSS_EAX], 0xB000000A
    mov dword [tss_b + TSS_EBX], 0xB000000B
    ret

; What task B saw, printed and checked by the caller.
%macro PRINT_SEEN 0
    PRINT "task B: eax "
    PRINT_HEX [b_eax]
    PRINT " ebx "
    PRINT_HEX [b_ebx]
    PRINT " tr "
    PRINT_HEX [b_tr]
    PRINT " link "
    PRINT_HEX [b_link]
    PRINT " nt "
    PRINT_HEX [b_nt]
    PRINT " ts "
    PRINT_HEX [b_ts]
    PRINT 10
%endmacro

nested_call:
    PRINT "CALL to a TSS", 10
    call tss_b_init
    mov dword [b_return], RETURN_IRET
    mov ebx, 0x1111BBBB
    mov esi, 0x2222AAAA
    call SEL_TSS_B:0
.back:
    CHECK_EQ ebx, 0x1111BBBB, "EBX reloaded from the old TSS"
    CHECK_EQ esi, 0x2222AAAA, "ESI reloaded from the old TSS"
    PRINT_SEEN
    CHECK_EQ dword [b_eax], 0xB000000A, "task B: EAX from its TSS"
    CHECK_EQ dword [b_ebx], 0xB000000B, "task B: EBX from its TSS"
    CHECK_EQ dword [b_tr], SEL_TSS_B, "task B: TR"
    CHECK_EQ dword [b_link], SEL_TSS, "CALL: back link to the caller"
    CHECK_EQ dword [b_nt], FL_NT, "CALL: NT set in the new task"
    CHECK_EQ dword [b_ts], CR0_TS, "the switch set CR0.TS"
    CHECK_EQ dword [b_main_type], TYPE_TSS_BUSY, "CALL: the caller stays busy"
    CHECK_EQ dword [b_self_type], TYPE_TSS_BUSY, "CALL: the new task is busy"
    CHECK_EQ dword [main_saved_ebx], 0x1111BBBB, "the caller's EBX saved in its TSS"
    CHECK_EQ dword [main_saved_eip], .back, "the caller's EIP saved: after the CALL"
    movzx eax, byte [gdt + SEL_TSS_B + 5]
    CHECK_EQ eax, TYPE_TSS_AVAIL, "IRET frees the nested task"
    xor eax, eax
    str ax
    CHECK_EQ eax, SEL_TSS, "TR back to the caller"
    mov eax, cr0
    and eax, CR0_TS
    CHECK_EQ eax, CR0_TS, "the return switch set CR0.TS"
    clts
    OK "nested task switch and IRET back"
    ret

jump_through_gate:
    PRINT "JMP through a task gate", 10
    call tss_b_init
    mov dword [b_return], RETURN_JMP
    jmp SEL_TGATE:0
.back:
    PRINT_SEEN
    CHECK_EQ dword [b_link], 0, "JMP: no back link"
    CHECK_EQ dword [b_nt], 0, "JMP: NT clear"
    CHECK_EQ dword [b_main_type], TYPE_TSS_AVAIL, "JMP: the old task is freed"
    CHECK_EQ dword [b_self_type], TYPE_TSS_BUSY, "JMP: the new task is busy"
    movzx eax, byte [gdt + SEL_TSS_B + 5]
    CHECK_EQ eax, TYPE_TSS_AVAIL, "JMP back frees task B"
    movzx eax, byte [gdt + SEL_TSS + 5]
    CHECK_EQ eax, TYPE_TSS_BUSY, "JMP back: the main task is busy"
    clts
    OK "task switches by JMP, through a gate and back"
    ret

busy_target:
    PRINT "busy TSS", 10
    EXPECT_FAULT 13, SEL_TSS, "#GP: CALL to the running (busy) TSS", call SEL_TSS:0
    ret

RETURN_IRET equ 1
RETURN_JMP  equ 2

; Task B: records what it finds, then returns as [b_return] says.
task_b:
    mov [b_eax], eax
    mov [b_ebx], ebx
    xor eax, eax
    str ax
    mov [b_tr], eax
    mov eax, [tss_b + TSS_LINK]
    mov [b_link], eax
    pushfd
    pop eax
    and eax, FL_NT
    mov [b_nt], eax
    mov eax, cr0
    and eax, CR0_TS
    mov [b_ts], eax
    movzx eax, byte [gdt + SEL_TSS + 5]
    mov [b_main_type], eax
    movzx eax, byte [gdt + SEL_TSS_B + 5]
    mov [b_self_type], eax
    mov eax, [tss + TSS_EBX]
    mov [main_saved_ebx], eax
    mov eax, [tss + TSS_EIP]
    mov [main_saved_eip], eax
    cmp dword [b_return], RETURN_JMP
    je .jump
    iretd
.jump:
    mov dword [tss + TSS_EIP], jump_through_gate.back
    jmp SEL_TSS:0

section .bss
alignb 16
tss_b: resb TSS_SIZE
alignb 4
b_eax: resd 1
b_ebx: resd 1
b_tr: resd 1
b_link: resd 1
b_nt: resd 1
b_ts: resd 1
b_main_type: resd 1
b_self_type: resd 1
b_return: resd 1
main_saved_ebx: resd 1
main_saved_eip: resd 1
alignb 16
stack_b: resb 1024
stack_b_top:
