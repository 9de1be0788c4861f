; Double fault through a task gate, as Linux i386 sets it up: a hardware
; task switch to a TSS with its own stack. Two causes: a #GP whose gate is
; not present (#GP then #NP, both contributory), and with paging on, a #PF
; whose frame cannot be pushed (a page fault while delivering a page fault,
; the kernel stack overflow case). Checked: the error code pushed on the new
; task's stack, the back link, NT, TR and both busy bits, the state saved in
; the old TSS, CR3 loaded from the new TSS, and the IRET back to the old
; task (busy bit cleared, registers reloaded from the TSS).
%include "sys.inc"

SEL_DF_TSS equ SEL_FREE + 0x00
FL_NT equ 1 << 14
FL_ARITH equ 0x8D5                  ; CF, PF, AF, ZF, SF, OF
TYPE_TSS_BUSY  equ 0x8B             ; present, DPL 0, busy 32-bit TSS
TYPE_TSS_AVAIL equ 0x89

STACK_HOLE equ 0x01000000           ; 4 MiB not mapped, just below...
HOLE_TOP   equ 0x01400000           ; ...this mapped page
CR0_PG  equ 1 << 31

section .text
sys_main:
    DESC SEL_DF_TSS, df_tss, TSS_SIZE - 1, 0x0089
    mov edi, idt + 8 * 8
    xor eax, eax
    mov ebx, SEL_DF_TSS
    mov ecx, ATTR_TASKGATE
    call gate_set
    mov eax, cr3
    mov [tss + TSS_CR3], eax
    call df_tss_init
    call gp_without_gate
    call stack_overflow
    ret

; The double-fault task: runs at df_task with a fresh stack each time.
df_tss_init:
    mov edi, df_tss
    mov eax, df_task
    mov ebx, df_stack_top
    jmp task_tss_init

; The main task's registers, set before a double fault and checked in the
; TSS and after the return.
%macro SET_MARKS 0
    mov ebx, 0x1111BBBB
    mov ecx, 0x2222CCCC
    mov edx, 0x3333DDDD
    mov esi, 0x4444AAAA
    mov edi, 0x55550000
    mov ebp, 0x6666EEEE
%endmacro

%macro CHECK_MARKS 1
    CHECK_EQ ebx, 0x1111BBBB, %1, ": EBX"
    CHECK_EQ ecx, 0x2222CCCC, %1, ": ECX"
    CHECK_EQ edx, 0x3333DDDD, %1, ": EDX"
    CHECK_EQ esi, 0x4444AAAA, %1, ": ESI"
    CHECK_EQ edi, 0x55550000, %1, ": EDI"
    CHECK_EQ ebp, 0x6666EEEE, %1, ": EBP"
%endmacro

gp_without_gate:
    PRINT "#GP with its gate not present: double fault", 10
    and byte [idt + 13 * 8 + 5], 0x7F
    mov [main_esp], esp
    mov dword [df_resume], .recovered
    SET_MARKS
    mov eax, 0x1000                 ; past the GDT limit
    mov ds, ax
    FAIL "no double fault"
.recovered:
    CHECK_MARKS "registers reloaded from the TSS by IRET"
    or byte [idt + 13 * 8 + 5], 0x80
    call check_double_fault
    call check_return
    ret

stack_overflow:
    PRINT "#PF while pushing a #PF frame: double fault", 10
    mov edi, page_dir
    call identity_4m_init
    mov dword [page_dir + (STACK_HOLE >> 22) * 4], 0
    mov eax, page_dir
    mov [tss + TSS_CR3], eax
    mov [df_tss + TSS_CR3], eax
    call paging_on
    mov dword [df_count], 0
    mov [main_esp], esp
    mov dword [df_resume], .recovered
    SET_MARKS
    mov esp, HOLE_TOP
    mov eax, [STACK_HOLE]           ; #PF, and its frame goes below HOLE_TOP
    FAIL "no double fault"
.recovered:
    CHECK_MARKS "registers reloaded from the TSS by IRET"
    call check_double_fault
    PRINT "CR2 in the double-fault task "
    PRINT_HEX [df_cr2]
    PRINT 10
    mov eax, [df_cr2]
    sub eax, HOLE_TOP - 16
    cmp eax, 16
    jb .cr2_ok
    FAIL "CR2 is not in the frame of the second #PF"
.cr2_ok:
    OK "CR2 names the failed frame push"
    CHECK_EQ dword [df_cr3], page_dir, "CR3 loaded from the double-fault TSS"
    call check_return
    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax
    ret

check_double_fault:
    PRINT "double-fault task: error "
    PRINT_HEX [df_error]
    PRINT " link "
    PRINT_HEX [df_link]
    ; The arithmetic flags are left out: QEMU 7.2 shows stale ones in the
    ; new task after the first switch (the TSS image holds none).
    PRINT " system flags "
    mov eax, [df_eflags]
    and eax, ~FL_ARITH
    PRINT_HEX eax
    PRINT " tr "
    PRINT_HEX [df_tr]
    PRINT 10
    PRINT "saved in the old TSS: eip "
    PRINT_VARYING [saved + TSS_EIP]     ; undefined for #DF
    PRINT " eflags "
    PRINT_HEX [saved + TSS_EFLAGS]
    PRINT " esp "
    PRINT_HEX [saved + TSS_ESP]
    PRINT " cs "
    PRINT_HEX [saved + TSS_CS]
    PRINT " ss "
    PRINT_HEX [saved + TSS_SS]
    PRINT 10
    CHECK_EQ dword [df_count], 1, "one double fault"
    CHECK_EQ dword [df_error], 0, "#DF error code"
    CHECK_EQ dword [df_tr], SEL_DF_TSS, "TR in the double-fault task"
    CHECK_EQ dword [df_link], SEL_TSS, "back link to the old task"
    mov eax, [df_eflags]
    and eax, FL_NT
    CHECK_EQ eax, FL_NT, "NT set in the nested task"
    CHECK_EQ dword [df_main_type], TYPE_TSS_BUSY, "the old TSS stays busy"
    CHECK_EQ dword [df_new_type], TYPE_TSS_BUSY, "the double-fault TSS is busy"
    CHECK_EQ dword [saved + TSS_EBX], 0x1111BBBB, "old TSS: EBX"
    CHECK_EQ dword [saved + TSS_ESI], 0x4444AAAA, "old TSS: ESI"
    CHECK_EQ dword [saved + TSS_EBP], 0x6666EEEE, "old TSS: EBP"
    mov eax, [saved + TSS_CS]
    and eax, 0xFFFF
    CHECK_EQ eax, SEL_CODE0, "old TSS: CS"
    mov eax, [saved + TSS_DS]
    and eax, 0xFFFF
    CHECK_EQ eax, SEL_DATA0, "old TSS: DS"
    OK "double fault through the task gate"
    ret

check_return:
    xor eax, eax
    str ax
    CHECK_EQ eax, SEL_TSS, "TR after IRET to the old task"
    movzx eax, byte [gdt + SEL_DF_TSS + 5]
    CHECK_EQ eax, TYPE_TSS_AVAIL, "the double-fault TSS is free again"
    movzx eax, byte [gdt + SEL_TSS + 5]
    CHECK_EQ eax, TYPE_TSS_BUSY, "the old TSS is busy"
    pushfd
    pop eax
    and eax, FL_NT
    CHECK_EQ eax, 0, "NT clear in the old task"
    OK "IRET returned to the old task"
    ret

; Runs in its own task after each double fault: records what it finds and
; sends the old task to [df_resume] on its own stack.
df_task:
    pop dword [df_error]
    pushfd
    pop dword [df_eflags]
    xor eax, eax
    str ax
    mov [df_tr], eax
    mov eax, [df_tss + TSS_LINK]
    mov [df_link], eax
    mov eax, cr2
    mov [df_cr2], eax
    mov eax, cr3
    mov [df_cr3], eax
    movzx eax, byte [gdt + SEL_TSS + 5]
    mov [df_main_type], eax
    movzx eax, byte [gdt + SEL_DF_TSS + 5]
    mov [df_new_type], eax
    mov esi, tss
    mov edi, saved
    mov ecx, TSS_SIZE / 4
    rep movsd
    inc dword [df_count]
    mov eax, [df_resume]
    mov [tss + TSS_EIP], eax
    mov eax, [main_esp]
    mov [tss + TSS_ESP], eax
    iretd
    jmp df_task                     ; the next double fault resumes here

section .bss
alignb 16
df_tss: resb TSS_SIZE
saved: resb TSS_SIZE
alignb 4
df_error: resd 1
df_eflags: resd 1
df_tr: resd 1
df_link: resd 1
df_cr2: resd 1
df_cr3: resd 1
df_main_type: resd 1
df_new_type: resd 1
df_count: resd 1
df_resume: resd 1
main_esp: resd 1
alignb 16
df_stack: resb 2048
df_stack_top:
alignb 4096
page_dir: resd 1024
