; Floating-point workload: an array of 1024 doubles, each element replaced
; round after round by sqrt((x * 1.5 + 2) / 1.25) (x87 loads, arithmetic
; and stores with memory operands; the values converge to a fixed point, so
; they stay finite). 32-bit protected mode, paging off. Loaded at 0x100000;
; ends with HLT.
bits 32
org 0x100000
ARR     equ 0x200000
N       equ 1024
ROUNDS  equ 4000

    finit
    ; arr[i] = i
    xor esi, esi
.init:
    mov [scratch], esi
    fild dword [scratch]
    fstp qword [ARR + esi*8]
    inc esi
    cmp esi, N
    jne .init

    mov ebp, ROUNDS
.round:
    xor esi, esi
.elem:
    fld qword [ARR + esi*8]
    fmul qword [mulc]
    fadd qword [addc]
    fdiv qword [divc]
    fsqrt
    fstp qword [ARR + esi*8]
    inc esi
    cmp esi, N
    jne .elem
    dec ebp
    jnz .round
    hlt

align 8
mulc:    dq 1.5
addc:    dq 2.0
divc:    dq 1.25
scratch: dd 0
