; Integer loop: register arithmetic and a conditional branch, 32-bit
; protected mode, paging off. Loaded at 0x100000; ends with HLT.
bits 32
org 0x100000
    mov ecx, 50000000
    xor eax, eax
    mov ebx, 0x12345678
    mov edx, 7
top:
    add eax, ecx
    xor ebx, eax
    lea edx, [edx + ebx*2 + 1]
    sub edx, eax
    rol ebx, 3
    dec ecx
    jnz top
    hlt
