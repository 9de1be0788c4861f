; Triple fault: a fault while delivering a double fault shuts the processor
; down. The #GP and #DF gates are not present: #GP, then #NP delivering it
; (a double fault), then #NP delivering the #DF. The run must end there, as
; a triple fault (tandem: exit status 4; QEMU: a reset, logged as "Triple
; fault" with -d cpu_reset), never reaching the FAIL line.
; suite: triple-fault
%include "sys.inc"

section .text
sys_main:
    and byte [idt + 13 * 8 + 5], 0x7F
    and byte [idt + 8 * 8 + 5], 0x7F
    PRINT "triple fault next", 10
    mov eax, 0x1000                 ; past the GDT limit
    mov ds, ax
    FAIL "the machine survived a fault while delivering #DF"
