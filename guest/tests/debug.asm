; Debug exceptions: the single-step trap (EFLAGS.TF, taken after the
; instruction that follows the POPF setting it, DR6.BS). Breakpoints in
; DR0-DR3 are in bug_debug_breakpoints.asm.
%include "sys.inc"
%include "debug.inc"

section .text
sys_main:
    HOOK 1, db_hook
    call single_step
    ret

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
watched: resd 1
