; A guest for the gdb stub's tests. It turns paging on the way Linux maps
; itself: the first 4 MiB identity-mapped by one large page, and the same
; memory again at 0xC0000000 through a table of 4 KiB pages. Then it loads
; known x87 values, runs a loop that writes `counter` through the high
; mapping (at `bump_store`), reads `read_me` through it, and spins
; `spin_iterations` times (a debugger can make that long, to interrupt).
%include "multiboot.inc"

HIGH       equ 0xC0000000
ITERATIONS equ 10
PTE_PW     equ 0x003          ; present, writable
PDE_PW_4M  equ 0x083          ; present, writable, 4 MiB page
CR4_PSE    equ 0x10
CR0_PG     equ 0x80000000

section .data
align 4
global counter, read_me, spin_iterations
counter:         dd 0
read_me:         dd 0x600DF00D
spin_iterations: dd 1000

section .bss.pagetables nobits alloc noexec write align=4096
page_directory: resb 4096
high_table:     resb 4096

section .text
global paging_on, gdb_loop, after_loop, spin, spin_done, bump, bump_store
test_main:
    mov dword [page_directory], PDE_PW_4M
    mov edi, high_table
    mov eax, PTE_PW
    mov ecx, 1024
.fill:
    mov [edi], eax
    add eax, 4096
    add edi, 4
    loop .fill
    mov dword [page_directory + (HIGH >> 22) * 4], high_table + PTE_PW
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    mov eax, page_directory
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
paging_on:
    finit
    fldpi
    fld1                      ; st0 = 1, st1 = pi
    mov ecx, ITERATIONS
gdb_loop:
    call bump
    loop gdb_loop
after_loop:
    mov eax, [read_me + HIGH]
    CHECK_EQ eax, 0x600DF00D, "read_me through the high mapping"
    mov eax, [counter]
    CHECK_EQ eax, ITERATIONS, "counter after the loop"
    mov ecx, [spin_iterations]
    test ecx, ecx
    jz spin_done
spin:
    dec ecx
    jnz spin
spin_done:
    ret

bump:
    mov eax, [counter + HIGH]
    inc eax
bump_store:
    mov [counter + HIGH], eax
    ret
