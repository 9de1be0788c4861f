; Memory workload with paging on: builds identity-mapped 4 KiB page tables
; for the low 32 MiB, then repeatedly copies 4 MiB from 8 MiB to 16 MiB and
; checksums the copy. Loaded at 0x100000; ends with HLT.
bits 32
org 0x100000
PD      equ 0x200000
PT      equ 0x201000
SRC     equ 0x800000
DST     equ 0x1000000
WORDS   equ (4 << 20) / 4
ROUNDS  equ 12

    ; page tables: 8 page tables cover 32 MiB
    mov edi, PT
    mov eax, 0x3            ; present | writable
    mov ecx, 8 * 1024
.pte:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    dec ecx
    jnz .pte
    mov edi, PD
    mov eax, PT | 3
    mov ecx, 8
.pde:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    dec ecx
    jnz .pde
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    ; fill the source with a pattern
    mov edi, SRC
    mov ecx, WORDS
    mov eax, 0x9E3779B9
.fill:
    mov [edi], eax
    add eax, 0x7F4A7C15
    add edi, 4
    dec ecx
    jnz .fill

    mov ebp, ROUNDS
.round:
    mov esi, SRC
    mov edi, DST
    mov ecx, WORDS
.copy:
    mov eax, [esi]
    mov [edi], eax
    add esi, 4
    add edi, 4
    dec ecx
    jnz .copy
    mov esi, DST
    mov ecx, WORDS
    xor edx, edx
.sum:
    add edx, [esi]
    rol edx, 1
    add esi, 4
    dec ecx
    jnz .sum
    dec ebp
    jnz .round
    hlt
