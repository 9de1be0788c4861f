; An instruction longer than 15 bytes whose operands extend past its 16th
; byte: 15 DS prefixes and MOV EAX, imm32 (20 bytes). The processor raises
; #GP(0) at the instruction.
%include "sys.inc"

section .text
sys_main:
    EXPECT_FAULT 13, 0, "#GP: 15 prefixes and MOV EAX, imm32", db 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0xB8, 0x78, 0x56, 0x34, 0x12
    ret
