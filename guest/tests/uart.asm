; The 16550A UART on COM1: scratch and divisor latch registers, loopback
; (modem lines, data without and with the FIFO, overrun), the receive FIFO
; trigger levels and character timeout as the IIR reports them, interrupt
; priorities (line status, received data, THRE), and an interrupt-driven
; transmit on IRQ 4.
; While loopback is on nothing can be printed: each test records, leaves
; loopback, then checks.
%include "sys.inc"
%include "devices.inc"

RBR equ COM1
THR equ COM1
IER equ COM1 + 1
IIR equ COM1 + 2
FCR equ COM1 + 2
LCR equ COM1 + 3
MCR equ COM1 + 4
LSR equ COM1 + 5
MSR equ COM1 + 6
SCR equ COM1 + 7

MCR_NORMAL equ 0x03                 ; DTR, RTS
MCR_LOOP   equ 0x10
MCR_OUT2   equ 0x08
LSR_DR   equ 0x01
LSR_OE   equ 0x02
LSR_THRE equ 0x20
LSR_TEMT equ 0x40
IIR_NONE    equ 0xC1                ; with the FIFO on
IIR_LINE    equ 0xC6
IIR_RX      equ 0xC4
IIR_TIMEOUT equ 0xCC
IIR_THRE    equ 0xC2

%macro OUTB 2                        ; port, value
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

%macro INB 1                         ; port -> EAX
    mov dx, %1
    in al, dx
    movzx eax, al
%endmacro

; RECORD slot, port: reads the port into results[slot].
%macro RECORD 2
    INB %2
    mov [results + 4 * (%1)], eax
%endmacro

; EXPECT slot, value, "what"
%macro EXPECT 3
    CHECK_EQ dword [results + 4 * (%1)], %2, %3
%endmacro

section .text
sys_main:
    call pic_init
    call rtc_irq_init
    RTC_WRITE RTC_A, RTC_RATE_1024HZ
    RTC_WRITE RTC_B, 0x02 | RTC_B_PIE
    call registers
    mov ebx, 96                     ; 1200 baud: a character takes 8.3 ms
    call set_divisor
    call modem_loopback
    call data_without_fifo
    call data_with_fifo
    call trigger_levels
    call character_timeout
    call interrupt_priorities
    mov ebx, 1
    call set_divisor
    call interrupt_driven_transmit
    RTC_WRITE RTC_B, 0x02
    ret

registers:
    PRINT "registers", 10
    OUTB SCR, 0x5A
    INB SCR
    CHECK_EQ eax, 0x5A, "scratch register"
    OUTB LCR, 0x83                  ; DLAB
    OUTB COM1, 0x34
    OUTB COM1 + 1, 0x12
    INB COM1
    mov ebx, eax
    INB COM1 + 1
    shl eax, 8
    or ebx, eax
    OUTB COM1, 1                    ; back to 115200 baud
    OUTB COM1 + 1, 0
    OUTB LCR, 0x03
    CHECK_EQ ebx, 0x1234, "divisor latch reads back"
    OUTB IER, 0x05
    INB IER
    mov ebx, eax
    OUTB IER, 0
    CHECK_EQ ebx, 0x05, "IER reads back"
    INB LCR
    CHECK_EQ eax, 0x03, "LCR reads back"
    OUTB FCR, 0xC7
    INB IIR
    CHECK_EQ eax, IIR_NONE, "IIR: FIFOs on, nothing pending"
    INB LSR
    and eax, LSR_THRE | LSR_TEMT | LSR_DR
    CHECK_EQ eax, LSR_THRE | LSR_TEMT, "LSR idle: THRE and TEMT"
    OK "scratch, divisor latch, IER, LCR, IIR and LSR"
    ret

; EBX: the baud rate divisor. The FIFO tests run at 1200 baud, so that the
; receiver's character timeout (four character times) is long against the
; time QEMU may lose to its host between two guest instructions.
set_divisor:
    OUTB LCR, 0x83
    OUTB COM1, bl
    OUTB COM1 + 1, bh
    OUTB LCR, 0x03
    ret

; In loopback DTR drives DSR, RTS drives CTS, OUT1 RI and OUT2 DCD.
modem_loopback:
    PRINT "modem lines in loopback", 10
    OUTB MCR, MCR_LOOP | 0x01
    RECORD 0, MSR
    OUTB MCR, MCR_LOOP | 0x02
    RECORD 1, MSR
    OUTB MCR, MCR_LOOP | 0x04
    RECORD 2, MSR
    OUTB MCR, MCR_LOOP | 0x08
    RECORD 3, MSR
    OUTB MCR, MCR_NORMAL
    mov ecx, 4
    mov esi, results
.lines:
    and dword [esi], 0xF0           ; the line states, not the change bits
    add esi, 4
    loop .lines
    EXPECT 0, 0x20, "loopback: DTR drives DSR"
    EXPECT 1, 0x10, "loopback: RTS drives CTS"
    EXPECT 2, 0x40, "loopback: OUT1 drives RI"
    EXPECT 3, 0x80, "loopback: OUT2 drives DCD"
    OK "loopback connects the modem outputs to the inputs"
    ret

data_without_fifo:
    PRINT "loopback data without the FIFO", 10
    OUTB FCR, 0
    OUTB MCR, MCR_LOOP
    RECORD 0, LSR
    OUTB THR, 'A'
    RECORD 1, LSR
    RECORD 2, RBR
    RECORD 3, LSR
    OUTB THR, 'B'
    OUTB THR, 'C'
    RECORD 4, LSR
    RECORD 5, RBR
    RECORD 6, LSR
    OUTB MCR, MCR_NORMAL
    OUTB FCR, 0xC7
    INB RBR                         ; drop the FIFO-less leftovers
    EXPECT 0, LSR_THRE | LSR_TEMT, "LSR before"
    EXPECT 1, LSR_THRE | LSR_TEMT | LSR_DR, "LSR: data ready"
    EXPECT 2, 'A', "the byte comes back"
    EXPECT 3, LSR_THRE | LSR_TEMT, "LSR: reading RBR clears DR"
    EXPECT 4, LSR_THRE | LSR_TEMT | LSR_OE | LSR_DR, "LSR: overrun"
    EXPECT 5, 'C', "without the FIFO the newer byte wins"
    EXPECT 6, LSR_THRE | LSR_TEMT, "reading LSR cleared OE"
    OK "one-byte receiver: data ready, overrun"
    ret

; Seventeen bytes into the 16-byte FIFO: the first sixteen stay, in order.
data_with_fifo:
    PRINT "loopback data through the FIFO", 10
    OUTB FCR, 0x07
    OUTB MCR, MCR_LOOP
    xor ecx, ecx
.send:
    OUTB THR, cl
    inc ecx
    cmp ecx, 17
    jb .send
    RECORD 0, LSR
    xor ecx, ecx
.receive:
    mov dx, RBR
    in al, dx
    mov [bytes + ecx], al
    inc ecx
    cmp ecx, 16
    jb .receive
    RECORD 1, LSR
    OUTB MCR, MCR_NORMAL
    OUTB FCR, 0xC7
    EXPECT 0, LSR_THRE | LSR_TEMT | LSR_OE | LSR_DR, "LSR after 17 bytes: overrun"
    EXPECT 1, LSR_THRE | LSR_TEMT, "LSR with the FIFO read empty"
    xor ecx, ecx
.check:
    movzx eax, byte [bytes + ecx]
    CHECK_EQ eax, ecx, "FIFO byte order"
    inc ecx
    cmp ecx, 16
    jb .check
    OK "16-byte FIFO keeps order, the 17th byte overruns"
    ret

; IIR with the received-data interrupt enabled: nothing below the trigger
; level, "data available" at it.
trigger_levels:
    PRINT "FIFO trigger levels", 10
    mov ebx, 0x47                   ; 4 bytes
    mov ecx, 4
    call probe_trigger
    mov ebx, 0x87                   ; 8 bytes
    mov ecx, 8
    call probe_trigger
    mov ebx, 0xC7                   ; 14 bytes
    mov ecx, 14
    call probe_trigger
    OK "received-data interrupt at 4, 8 and 14 bytes"
    ret

; EBX: FCR value; ECX: its trigger level.
probe_trigger:
    push ecx
    OUTB FCR, bl
    OUTB IER, 0x01
    OUTB MCR, MCR_LOOP
    pop ecx
    push ecx
    dec ecx
.send:
    OUTB THR, cl
    loop .send
    RECORD 0, IIR                   ; one byte short
    OUTB THR, 0
    RECORD 1, IIR                   ; at the trigger level
    OUTB MCR, MCR_NORMAL
    OUTB IER, 0
    OUTB FCR, 0xC7
    pop ecx
    EXPECT 0, IIR_NONE, "below the trigger level"
    EXPECT 1, IIR_RX, "at the trigger level"
    ret

; Two bytes below the 14-byte trigger: after four character times the
; IIR reports a timeout, which reading RBR ends.
character_timeout:
    PRINT "character timeout", 10
    OUTB FCR, 0xC7
    OUTB IER, 0x01
    OUTB MCR, MCR_LOOP
    OUTB THR, 0x11
    OUTB THR, 0x22
    RECORD 0, IIR
    mov ecx, 64                     ; 62.5 ms: more than four character times
    call wait_rtc_ticks
    RECORD 1, IIR
    RECORD 2, RBR
    RECORD 3, RBR
    RECORD 4, IIR
    OUTB MCR, MCR_NORMAL
    OUTB IER, 0
    EXPECT 0, IIR_NONE, "no interrupt right after two bytes"
    EXPECT 1, IIR_TIMEOUT, "timeout after four character times"
    EXPECT 2, 0x11, "first byte"
    EXPECT 3, 0x22, "second byte"
    EXPECT 4, IIR_NONE, "reading the FIFO empty ends the timeout"
    OK "character timeout"
    ret

; Overrun (line status) outranks received data, which outranks THRE.
interrupt_priorities:
    PRINT "interrupt priorities", 10
    OUTB FCR, 0x07                  ; trigger level 1
    OUTB IER, 0x07                  ; line status, received data, THRE
    OUTB MCR, MCR_LOOP
    mov ecx, 17
.send:
    OUTB THR, cl
    loop .send
    RECORD 0, IIR
    RECORD 1, LSR                   ; clears the overrun
    RECORD 2, IIR
    OUTB FCR, 0x07 | 0x02           ; empty the receive FIFO
    RECORD 3, IIR
    RECORD 4, IIR
    OUTB MCR, MCR_NORMAL
    OUTB IER, 0
    OUTB FCR, 0xC7
    EXPECT 0, IIR_LINE, "overrun first"
    EXPECT 2, IIR_RX, "then received data"
    EXPECT 3, IIR_THRE, "then THRE"
    EXPECT 4, IIR_NONE, "reading IIR ended the THRE interrupt"
    OK "line status, received data, THRE in that order"
    ret

; THRE interrupts on IRQ 4 send a line, one byte per interrupt.
interrupt_driven_transmit:
    PRINT "interrupt-driven transmit on IRQ 4", 10
    HOOK VEC_IRQ0 + 4, uart_irq
    in al, 0x21
    and al, ~0x10
    out 0x21, al
    OUTB MCR, MCR_NORMAL | MCR_OUT2
    mov dword [tx_next], tx_line
    mov dword [tx_irqs], 0
    OUTB IER, 0x02
.wait:
    cmp dword [tx_next], 0
    je .sent
    sti
    hlt
    cli
    jmp .wait
.sent:
    OUTB MCR, MCR_NORMAL
    PRINT "THRE interrupts: "
    PRINT_HEX [tx_irqs]
    PRINT 10
    CHECK_EQ dword [tx_irqs], tx_line_end - tx_line + 1, "one interrupt per byte, and one to stop"
    OK "interrupt-driven transmit"
    ret

uart_irq:
    inc dword [tx_irqs]
    INB IIR
    cmp eax, IIR_THRE
    jne .eoi
    mov esi, [tx_next]
    cmp esi, tx_line_end
    jb .send
    OUTB IER, 0
    mov dword [tx_next], 0
    jmp .eoi
.send:
    mov al, [esi]
    mov dx, THR
    out dx, al
    inc dword [tx_next]
.eoi:
    mov al, 0x20
    out 0x20, al
    ret

section .rodata
tx_line: db "sent by THRE interrupts", 10
tx_line_end:

section .bss
alignb 4
results: resd 8
bytes: resb 16
tx_next: resd 1
tx_irqs: resd 1
