; A guest for the gdb stub's tests. It turns paging on the way Linux maps
; itself: the first 4 MiB identity-mapped by one large page, and the same
; memory again at 0xC0000000 through a table of 4 KiB pages. Then it loads
; known x87 values, runs a loop that writes `counter` through the high
; mapping (at `bump_store`), reads `read_me` through it, waits in HLT for
; TIMER_TICKS timer interrupts (PIT channel 0 through the PIC, vector
; 0x20), spins `spin_iterations` times (a debugger can make that long, to
; interrupt), and calls `far_function`. The timer handler and
; far_function sit in a page of their own, away from the rest of the code.
%include "multiboot.inc"

HIGH       equ 0xC0000000
ITERATIONS equ 10
PTE_PW     equ 0x003          ; present, writable
PDE_PW_4M  equ 0x083          ; present, writable, 4 MiB page
CR4_PSE    equ 0x10
CR0_PG     equ 0x80000000
TIMER_TICKS   equ 3
TIMER_VECTOR  equ 0x20
PIT_DIVISOR   equ 1193        ; about 1 kHz
INT_GATE_32   equ 0x8E        ; present, DPL 0, 32-bit interrupt gate

section .data
align 4
global counter, read_me, spin_iterations, ticks, far_calls
counter:         dd 0
read_me:         dd 0x600DF00D
spin_iterations: dd 1000
ticks:           dd 0
far_calls:       dd 0
idt_descriptor:  dw 256 * 8 - 1
                 dd idt

section .bss.pagetables nobits alloc noexec write align=4096
page_directory: resb 4096
high_table:     resb 4096
idt:            resb 256 * 8

section .text
global paging_on, gdb_loop, after_loop, timer_wait, spin, spin_done, bump, bump_store
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
    call timer_start
timer_wait:
    sti
    hlt
    cli
    cmp dword [ticks], TIMER_TICKS
    jb timer_wait
    mov al, 0xFF              ; mask every IRQ again
    out 0x21, al
    mov ecx, [spin_iterations]
    test ecx, ecx
    jz spin_done
spin:
    dec ecx
    jnz spin
spin_done:
    call far_function
    mov eax, [far_calls]
    CHECK_EQ eax, 1, "far_calls"
    ret

; The IDT entry for the timer, the PIC remapped to vectors 0x20-0x2F with
; only IRQ 0 unmasked, and PIT channel 0 as a rate generator.
timer_start:
    mov eax, timer_handler
    mov word [idt + TIMER_VECTOR * 8], ax
    mov word [idt + TIMER_VECTOR * 8 + 2], cs
    mov byte [idt + TIMER_VECTOR * 8 + 5], INT_GATE_32
    shr eax, 16
    mov word [idt + TIMER_VECTOR * 8 + 6], ax
    lidt [idt_descriptor]
    mov al, 0x11              ; ICW1: edge, cascade, ICW4 follows
    out 0x20, al
    out 0xA0, al
    mov al, TIMER_VECTOR      ; ICW2: vector bases
    out 0x21, al
    mov al, TIMER_VECTOR + 8
    out 0xA1, al
    mov al, 0x04              ; ICW3: slave on IRQ 2
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01              ; ICW4: 8086 mode
    out 0x21, al
    out 0xA1, al
    mov al, 0xFE              ; only IRQ 0
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    mov al, 0x34              ; channel 0, low then high byte, mode 2
    out 0x43, al
    mov ax, PIT_DIVISOR
    out 0x40, al
    mov al, ah
    out 0x40, al
    ret

bump:
    mov eax, [counter + HIGH]
    inc eax
bump_store:
    mov [counter + HIGH], eax
    ret

section .text.far progbits alloc exec nowrite align=4096
global far_page, timer_handler, far_function
far_page:
timer_handler:
    push eax
    inc dword [ticks]
    mov al, 0x20              ; end of interrupt
    out 0x20, al
    pop eax
    iret

far_function:
    inc dword [far_calls]
    ret
