; A 4 MiB page whose directory entry has bit 21 set: bit 21 is reserved
; in every 32-bit PSE directory entry (bits 21:13 are all reserved without
; PSE-36, which tandem's CPUID does not advertise), so an access faults
; with #PF, error code P | RSVD (9), CR2 the address.
; (QEMU 7.2 faults too, with error code 8: no P bit.)
; suite: tandem-only
%include "sys.inc"

RSVD_PAGE equ 0x00400000

section .text
sys_main:
    mov edi, page_dir
    call identity_4m_init
    or dword [page_dir + (RSVD_PAGE >> 22) * 4], 1 << 21
    mov eax, page_dir
    call paging_on
    EXPECT_FAULT 14, 9, "#PF: 4 MiB page with reserved bit 21 set", mov eax, [RSVD_PAGE + 0x10]
    CHECK_EQ dword [exc_cr2], RSVD_PAGE + 0x10, "CR2"
    ret

section .bss
alignb 4096
page_dir: resd 1024
