; The smallest test guest: greets on COM1, checks the memory sizes its
; loader passed in the multiboot information, and passes.
; suite: no-compare (the loaders report different memory sizes)
%include "multiboot.inc"

MBI_FLAGS     equ 0
MBI_MEM_LOWER equ 4
MBI_MEM_UPPER equ 8
MBI_HAS_MEM   equ 1 << 0

section .text
test_main:
    PRINT "hello from a tandem test guest", 10
    mov ebx, [multiboot_info]
    mov eax, [ebx + MBI_FLAGS]
    and eax, MBI_HAS_MEM
    CHECK_EQ eax, MBI_HAS_MEM, "multiboot info flags say no memory sizes"
    ; Conventional memory is 639 or 640 KiB depending on the loader.
    mov eax, [ebx + MBI_MEM_LOWER]
    sub eax, 639
    cmp eax, 1
    jbe .lower_ok
    FAIL "mem_lower is not 639 or 640 KiB"
.lower_ok:
    cmp dword [ebx + MBI_MEM_UPPER], 1024
    jae .upper_ok
    FAIL "mem_upper is below 1 MiB"
.upper_ok:
    PRINT "memory above 1 MiB: "
    PRINT_HEX [ebx + MBI_MEM_UPPER]
    PRINT " KiB", 10
    ret
