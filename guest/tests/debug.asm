; Debug exceptions: the single-step trap (EFLAGS.TF, taken after the
; instruction that follows the POPF setting it, DR6.BS). Breakpoints in
; DR0-DR3 are in bug_debug_breakpoints.asm.
%include "sys.inc"

FL_TF equ 1 << 8
FL_RF equ 1 << 16
DR6_B0 equ 1 << 0
DR6_B1 equ 1 << 1
DR6_BS equ 1 << 14

section .text
sys_main:
    HOOK 1, db_hook
    call single_step
    ret

; Records the #DB, clears TF in the frame, sets RF when asked to pass over
; an instruction breakpoint.
db_hook:
    inc dword [db_count]
    mov eax, [ecx + 8]
    mov [db_eip], eax
    mov eax, dr6
    mov [db_dr6], eax
    xor eax, eax
    mov dr6, eax
    and dword [ecx + 16], ~FL_TF
    mov eax, [db_set_rf]
    or [ecx + 16], eax
    ret

%macro DB_RESET 0
    mov dword [db_count], 0
    mov dword [db_eip], 0
    mov dword [db_dr6], 0
    xor eax, eax
    mov dr6, eax
%endmacro

%macro PRINT_DB 0
    PRINT "#DB at "
    PRINT_HEX [db_eip]
    PRINT " dr6 "
    PRINT_HEX [db_dr6]
    PRINT 10
%endmacro

single_step:
    PRINT "single-step trap", 10
    DB_RESET
    pushfd
    or dword [esp], FL_TF
    popfd
    mov eax, 1                      ; the first instruction with TF set
.after:
    mov eax, 2
    PRINT_DB
    CHECK_EQ dword [db_count], 1, "one single-step trap"
    CHECK_EQ dword [db_eip], .after, "single-step trap after the instruction following POPF"
    mov eax, [db_dr6]
    and eax, DR6_BS
    CHECK_EQ eax, DR6_BS, "DR6.BS"
    OK "single-step trap"
    ret

section .bss
alignb 4
db_count: resd 1
db_eip: resd 1
db_dr6: resd 1
db_set_rf: resd 1
watched: resd 1
