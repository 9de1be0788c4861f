; A 4 MiB page whose directory entry has bit 21 set: bit 21 is reserved
; in every 32-bit PSE directory entry (bits 21:13 are all reserved without
; PSE-36, which tandem's CPUID does not advertise), so an access faults
; with #PF, error code P | RSVD (9), CR2 the address.
; (QEMU 7.2 faults too, with error code 8: no P bit.)
; suite: tandem-only
; known-bug: tandem translates through the entry instead of faulting
%include "sys.inc"

PG_P  equ 0x001
PG_RW equ 0x002
PG_PS equ 0x080
RSVD_PAGE equ 0x00400000

section .text
sys_main:
    mov edi, page_dir
    mov eax, PG_P | PG_RW | PG_PS
    mov ecx, 1024
.map:
    stosd
    add eax, 0x400000
    loop .map
    or dword [page_dir + (RSVD_PAGE >> 22) * 4], 1 << 21
    mov eax, page_dir
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 4                  ; PSE
    mov cr4, eax
    mov eax, cr0
    or eax, 1 << 31
    mov cr0, eax
    EXPECT_FAULT 14, 9, "#PF: 4 MiB page with reserved bit 21 set", mov eax, [RSVD_PAGE + 0x10]
    CHECK_EQ dword [exc_cr2], RSVD_PAGE + 0x10, "CR2"
    ret

section .bss
alignb 4096
page_dir: resd 1024
