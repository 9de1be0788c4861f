; Breakpoints in the debug registers: an instruction breakpoint in DR0 (a
; #DB fault before the instruction, passed over with RF in the IRET image)
; and a data write breakpoint in DR1 (a #DB trap after the write, not
; raised by a read); DR6 names the breakpoint.
%include "sys.inc"
%include "debug.inc"

section .text
sys_main:
    HOOK 1, db_hook
    call instruction_breakpoint
    call data_breakpoint
    ret

instruction_breakpoint:
    PRINT "instruction breakpoint", 10
    DB_RESET
    mov dword [db_set_rf], FL_RF
    mov eax, .target
    mov dr0, eax
    mov eax, 0x00000001             ; L0, execute, 1 byte
    mov dr7, eax
    xor ecx, ecx
.target:
    inc ecx
    xor eax, eax
    mov dr7, eax
    mov dword [db_set_rf], 0
    PRINT_DB
    CHECK_EQ dword [db_count], 1, "one instruction breakpoint"
    CHECK_EQ dword [db_eip], .target, "instruction breakpoint: a fault at the instruction"
    CHECK_EQ ecx, 1, "the instruction ran once after the breakpoint"
    mov eax, [db_dr6]
    and eax, DR6_B0
    CHECK_EQ eax, DR6_B0, "DR6.B0"
    OK "instruction breakpoint, passed over with RF"
    ret

data_breakpoint:
    PRINT "data breakpoint", 10
    DB_RESET
    mov eax, watched
    mov dr1, eax
    mov eax, 0x00D00004             ; L1, write, 4 bytes
    mov dr7, eax
    mov eax, [watched]
    CHECK_EQ dword [db_count], 0, "a read does not hit a write breakpoint"
    mov dword [watched], 5
.after_write:
    nop
    xor eax, eax
    mov dr7, eax
    PRINT_DB
    CHECK_EQ dword [db_count], 1, "one data breakpoint"
    CHECK_EQ dword [db_eip], .after_write, "data breakpoint: a trap after the write"
    CHECK_EQ dword [watched], 5, "the write landed"
    mov eax, [db_dr6]
    and eax, DR6_B1
    CHECK_EQ eax, DR6_B1, "DR6.B1"
    OK "data write breakpoint"
    ret

section .bss
alignb 4
watched: resd 1
