; Breakpoints in the debug registers: an instruction breakpoint in DR0 (a
; #DB fault before the instruction, passed over with RF in the IRET image)
; and a data write breakpoint in DR1 (a #DB trap after the write, not
; raised by a read); DR6 names the breakpoint.
; known-bug: tandem never raises #DB for breakpoints enabled in DR7
%include "sys.inc"

FL_TF equ 1 << 8
FL_RF equ 1 << 16
DR6_B0 equ 1 << 0
DR6_B1 equ 1 << 1
DR6_BS equ 1 << 14

section .text
sys_main:
    HOOK 1, db_hook
    call instruction_breakpoint
    call data_breakpoint
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
db_count: resd 1
db_eip: resd 1
db_dr6: resd 1
db_set_rf: resd 1
watched: resd 1
