; Architectural checks QEMU 7.2's TCG does not model, checked on tandem
; only (each fails under QEMU, which lets the access or instruction through
; or leaves the bit out):
;   - segment limits and access rights on data and stack accesses (QEMU
;     checks them when a segment register is loaded, not on each access);
;   - the EXT bit in the error code of a fault raised while delivering an
;     external event (a hardware interrupt, or an earlier exception);
;   - #UD for LOCK on an instruction that cannot be locked (MOV);
;   - INT1 (ICEBP, F1): a #DB trap (QEMU raises #UD);
;   - the accessed bit set in a code segment's descriptor when a far JMP
;     loads it into CS;
;   - #GP(0) for RDMSR and WRMSR of an MSR that does not exist (QEMU reads
;     0 and ignores the write);
;   - #GP(0) for setting a CR4 bit of a feature CPUID does not report
;     (tandem has no PAE; QEMU's default CPU has it).
; suite: tandem-only
%include "sys.inc"

SEL_RO     equ SEL_FREE + 0x00      ; read-only data, 4 GiB
SEL_LIM    equ SEL_FREE + 0x08      ; read/write data, limit 0xFFF, byte granular
SEL_DOWN   equ SEL_FREE + 0x10      ; expand-down data, limit 0xFFF, 32-bit
SEL_PAGE   equ SEL_FREE + 0x18      ; read/write data, limit 0 in 4 KiB units
SEL_LIM3   equ SEL_FREE + 0x20      ; read/write data, DPL 3, limit 0xFFF
SEL_CODE_FRESH equ SEL_FREE + 0x28  ; ring-0 code, accessed bit clear

COM1_IER equ 0x3F9
COM1_MCR equ 0x3FC

section .text
sys_main:
    DESC SEL_RO, 0, 0xFFFFF, 0xC090
    DESC SEL_LIM, 0, 0xFFF, 0x4092
    DESC SEL_DOWN, 0, 0xFFF, 0x4096
    DESC SEL_PAGE, 0, 0, 0xC092
    DESC SEL_LIM3, 0, 0xFFF, 0x40F2
    DESC SEL_CODE_FRESH, 0, 0xFFFFF, 0xC09A
    call data_segment_checks
    call stack_segment_checks
    call ext_bit
    call lock_prefix
    PRINT "INT1", 10
    EXPECT_TRAP 1, "INT1 (ICEBP): #DB trap", db 0xF1
    PRINT "CS loads", 10
    jmp SEL_CODE_FRESH:.in_fresh
.in_fresh:
    jmp SEL_CODE0:.back
.back:
    movzx eax, byte [gdt + SEL_CODE_FRESH + 5]
    CHECK_EQ eax, 0x9B, "far JMP sets the accessed bit of the code descriptor"
    OK "far JMP sets the accessed bit of the code descriptor"
    PRINT "MSRs and CR4", 10
    mov ecx, 0xDEAD
    EXPECT_FAULT 13, 0, "#GP: RDMSR of a missing MSR", rdmsr
    xor eax, eax
    xor edx, edx
    EXPECT_FAULT 13, 0, "#GP: WRMSR of a missing MSR", wrmsr
    mov eax, cr4
    or eax, 1 << 5                  ; PAE
    EXPECT_FAULT 13, 0, "#GP: setting CR4.PAE without PAE", mov cr4, eax
    ret

data_segment_checks:
    PRINT "segment limits and rights on data accesses", 10
    mov eax, SEL_RO
    mov es, ax
    EXPECT_NONE "read through a read-only segment", mov eax, [es:scratch]
    EXPECT_FAULT 13, 0, "#GP: write through a read-only segment", mov [es:scratch], eax
    EXPECT_FAULT 13, 0, "#GP: write through CS", mov [cs:scratch], eax
    mov eax, SEL_LIM
    mov es, ax
    EXPECT_NONE "dword read at the limit", mov eax, [es:0xFFC]
    EXPECT_FAULT 13, 0, "#GP: dword read across the limit", mov eax, [es:0xFFD]
    EXPECT_FAULT 13, 0, "#GP: byte read past the limit", mov al, [es:0x1000]
    mov edi, 0x1000
    EXPECT_FAULT 13, 0, "#GP: string store past the limit", stosb
    mov eax, SEL_DOWN
    mov es, ax
    EXPECT_FAULT 13, 0, "#GP: expand-down segment at its limit", mov al, [es:0xFFF]
    EXPECT_NONE "expand-down segment above its limit", mov al, [es:0x1000]
    mov eax, SEL_PAGE
    mov es, ax
    EXPECT_NONE "4 KiB-granular limit 0: last byte of the first page", mov al, [es:0xFFF]
    EXPECT_FAULT 13, 0, "#GP: 4 KiB-granular limit 0: past the first page", mov al, [es:0x1000]
    xor eax, eax
    mov es, ax
    EXPECT_FAULT 13, 0, "#GP: access through a null segment", mov eax, [es:scratch]
    mov eax, SEL_DATA0
    mov es, ax
    ret

stack_segment_checks:
    PRINT "stack segment limit at CPL 3", 10
    mov ebx, SEL_LIM3 | 3
    mov dword [exc_resume], RESUME_KERNEL
    mov dword [exc_vector], NOERR
    mov eax, user_push_past_limit
    call run_user
    CHECK_EXC 12, 0, user_push_past_limit.push, "#SS: PUSH past the stack segment limit"
    mov dword [exc_resume], RESUME_KERNEL
    mov dword [exc_vector], NOERR
    mov eax, user_read_past_limit
    call run_user
    CHECK_EXC 12, 0, user_read_past_limit.read, "#SS: EBP-based read past the limit"
    mov dword [exc_resume], 0
    ret

ext_bit:
    PRINT "the EXT bit", 10
    and byte [idt + 6 * 8 + 5], 0x7F
    EXPECT_FAULT 11, 6 * 8 + 3, "#NP, EXT set: #UD through a not-present gate", ud2
    or byte [idt + 6 * 8 + 5], 0x80
    and byte [idt + 3 * 8 + 5], 0x7F
    EXPECT_FAULT 11, 3 * 8 + 2, "#NP, EXT clear: INT3 through a not-present gate", int3
    or byte [idt + 3 * 8 + 5], 0x80
    ; IRQ 4 (the UART's THRE interrupt) through a not-present gate.
    call pic_init
    mov al, 0xEF
    out 0x21, al
    and byte [idt + (VEC_IRQ0 + 4) * 8 + 5], 0x7F
    mov dx, COM1_MCR
    mov al, 0x0B                    ; DTR, RTS, OUT2
    out dx, al
    mov dx, COM1_IER
    mov al, 0x02                    ; THRE
    out dx, al
    mov dword [exc_resume], .resume
    mov dword [exc_vector], NOERR
    sti
    nop
.taken:
    nop
    cli
    FAIL "no interrupt after STI"
.resume:
    cli
    CHECK_EXC 11, (VEC_IRQ0 + 4) * 8 + 3, .taken, "#NP, EXT set: IRQ 4 through a not-present gate"
    xor al, al
    mov dx, COM1_IER
    out dx, al
    mov dx, COM1_MCR
    mov al, 0x03
    out dx, al
    mov al, 0x20
    out 0x20, al
    mov al, 0xFF
    out 0x21, al
    or byte [idt + (VEC_IRQ0 + 4) * 8 + 5], 0x80
    ret

lock_prefix:
    PRINT "LOCK prefix", 10
    EXPECT_FAULT 6, NOERR, "#UD: LOCK MOV to memory", db 0xF0, 0x89, 0x0D, 0x00, 0x00, 0x00, 0x00
    EXPECT_NONE "LOCK ADD to memory", lock add [scratch], eax
    ret

section .text.user progbits alloc exec nowrite align=16
user_push_past_limit:
    mov ss, bx
    mov esp, 0x1002
.push:
    push eax
    int VEC_USER_EXIT

user_read_past_limit:
    mov ss, bx
    mov ebp, 0xFFE
.read:
    mov eax, [ebp]
    int VEC_USER_EXIT

section .data
scratch: dd 0
