; A small guest that keeps every part of the board busy, for the tests that
; run a machine in pieces or save and restore it: the PIT interrupts at
; 1 kHz (IRQ 0), COM1 interrupts on received bytes (IRQ 4) and the handler
; echoes them, the main loop mixes a checksum with RDTSC and PIT counter
; reads and halts now and then until the next interrupt. After TICKS timer
; interrupts it prints the checksum and powers off (HLT with interrupts
; disabled). Flat binary for 32-bit protected mode with flat segments
; (code selector 0x08), loaded and entered at 0x100000.
bits 32
org 0x100000
COM1    equ 0x3F8
IDT     equ 0x3000
TICKS   equ 300

start:
    mov esp, 0x90000
    mov edi, IDT
    mov ecx, 256
.gates:
    mov eax, ignore
    call set_gate
    add edi, 8
    loop .gates
    mov edi, IDT + 0x20 * 8
    mov eax, timer
    call set_gate
    mov edi, IDT + 0x24 * 8
    mov eax, serial
    call set_gate
    lidt [idtr]

    ; PICs: master at vector 0x20, slave at 0x28; only IRQ 0 and 4 unmasked
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xA1, al
    mov al, 1
    out 0x21, al
    out 0xA1, al
    mov al, 0xEE
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al

    ; COM1: 8N1, FIFO left off (switching it on would clear input that
    ; may be waiting already), interrupt on received data, OUT2 routes it
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al
    mov dx, COM1 + 4
    mov al, 0x0B
    out dx, al
    mov dx, COM1 + 1
    mov al, 0x01
    out dx, al

    ; PIT channel 0: mode 2, divisor 1193 (about 1 kHz)
    mov al, 0x34
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al

    xor ebx, ebx
    xor esi, esi
    xor ebp, ebp
    sti
main:
    mov ecx, 3000
.work:
    imul ebx, ebx, 1103515245
    add ebx, ecx
    rol ebx, 5
    loop .work
    rdtsc
    xor esi, eax
    mov al, 0               ; latch channel 0
    out 0x43, al
    in al, 0x40
    movzx eax, al
    add esi, eax
    in al, 0x40
    inc ebp
    test ebp, 3
    jnz .busy
    hlt                     ; idle until the next interrupt
.busy:
    cmp dword [ticks], TICKS
    jb main

    cli
    mov eax, ebx
    xor eax, esi
    call put_hex
    mov al, 10
    call putc
    hlt                     ; interrupts off: power-off

; eax: handler; edi: the gate to write (32-bit interrupt gate, ring 0)
set_gate:
    mov [edi], ax
    mov word [edi + 2], 0x08
    mov word [edi + 4], 0x8E00
    shr eax, 16
    mov [edi + 6], ax
    ret

timer:
    push eax
    inc dword [ticks]
    mov eax, [ticks]
    and eax, 15
    add al, 'a'
    call putc
    mov al, 0x20            ; end of interrupt
    out 0x20, al
    pop eax
    iretd

serial:
    push eax
    push edx
.more:
    mov dx, COM1 + 5
    in al, dx
    test al, 1
    jz .done
    mov dx, COM1
    in al, dx
    add [echoed], al
    sub al, 0x20            ; echoed in upper case
    call putc
    jmp .more
.done:
    mov al, 0x20
    out 0x20, al
    pop edx
    pop eax
    iretd

ignore:
    iretd

; al: byte to send (waits for the transmitter to be empty)
putc:
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

; eax: printed as 8 hex digits
put_hex:
    mov ecx, 8
.digit:
    rol eax, 4
    push eax
    and eax, 15
    mov al, [hex + eax]
    call putc
    pop eax
    loop .digit
    ret

align 4
idtr:   dw 256 * 8 - 1
        dd IDT
ticks:  dd 0
echoed: dd 0
hex:    db "0123456789abcdef"
