; Self- and cross-modifying code, as the SDM asks software to do it: a
; store to code followed by a jump to it, a store into a routine that has
; run before (so a decoder cache holds it), and a store through another
; linear mapping of the same page (how Linux patches its text through a
; temporary alias) followed by a serializing CPUID.
%include "sys.inc"

ALIAS equ 0x00400000                ; a second mapping of the guest's first 4 MiB

section .text
sys_main:
    call same_address
    call rewritten_routine
    call through_alias
    ret

; MOV EAX, imm32 rewritten right before it runs.
same_address:
    PRINT "store, then jump to the stored code", 10
    mov dword [patch_site + 1], 0x11111111
    jmp patch_site
patch_site:
    mov eax, 0
    CHECK_EQ eax, 0x11111111, "the stored immediate"
    OK "a jump reaches the new code"
    ret

rewritten_routine:
    PRINT "a routine rewritten after it ran", 10
    call routine
    CHECK_EQ eax, 0xAAAA0001, "the routine as built"
    mov dword [routine + 1], 0xBBBB0002
    call routine
    CHECK_EQ eax, 0xBBBB0002, "the routine as rewritten"
    mov byte [routine + 5], 0x40    ; INC EAX in place of the RET...
    mov byte [routine + 6], 0xC3    ; ...which moves one byte on
    call routine
    CHECK_EQ eax, 0xBBBB0003, "a new instruction inside the routine"
    OK "rewritten code runs as rewritten"
    ret

; With paging on, the guest's first 4 MiB also at ALIAS: the routine is
; rewritten through the alias and run at its own address.
through_alias:
    PRINT "a routine rewritten through another mapping", 10
    mov edi, page_dir
    call identity_4m_init
    mov dword [page_dir + (ALIAS >> 22) * 4], 0x83
    mov eax, page_dir
    call paging_on
    call routine
    CHECK_EQ eax, 0xBBBB0003, "before the alias write"
    mov dword [ALIAS + routine + 1], 0xCCCC0004
    xor eax, eax
    cpuid
    call routine
    CHECK_EQ eax, 0xCCCC0005, "after a write through the alias"
    OK "code written through an alias runs as written"
    mov eax, cr0
    and eax, ~(1 << 31)
    mov cr0, eax
    ret

section .data
; Writable code: MOV EAX, imm32 / RET / two spare bytes.
routine:
    mov eax, 0xAAAA0001
    ret
    nop
    nop

section .bss
alignb 4096
page_dir: resd 1024
