; The RF flag in the EFLAGS image a fault pushes: for any fault-class
; exception other than an instruction-breakpoint #DB the processor pushes
; RF = 1 (Intel SDM vol. 3, "Resume Flag" in the debug chapter), so that
; IRET back to the faulting instruction does not hit an instruction
; breakpoint on it again. Traps and software interrupts push RF as it was
; (0 here). (QEMU 7.2 pushes RF = 0 for faults too.)
; suite: tandem-only
%include "sys.inc"

FL_RF equ 1 << 16

%macro CHECK_RF 2
    mov eax, [exc_eflags]
    and eax, FL_RF
    CHECK_EQ eax, %1, %2
%endmacro

section .text
sys_main:
    EXPECT_FAULT 6, NOERR, "#UD", ud2
    CHECK_RF FL_RF, "RF pushed by #UD"
    mov eax, 0x1000
    EXPECT_FAULT 13, 0x1000, "#GP", mov ds, ax
    CHECK_RF FL_RF, "RF pushed by #GP"
    EXPECT_TRAP 3, "#BP", int3
    CHECK_RF 0, "RF pushed by INT3"
    EXPECT_TRAP 0x40, "INT 0x40", int 0x40
    CHECK_RF 0, "RF pushed by INT n"
    ret
