; Exceptions: the vector, error code and saved EIP of each fault and trap
; (#DE, #BR, #OF, #BP, INT n, #UD, #NM, #GP, #NP, #SS), faults raised while
; delivering a software interrupt, and the privileged instructions at CPL 3.
; (Segment limits on data accesses and the EXT bit are in beyond_qemu.asm.)
%include "sys.inc"

SEL_RO      equ SEL_FREE + 0x00     ; read-only data, DPL 0
SEL_NP      equ SEL_FREE + 0x08     ; data, not present
SEL_XO      equ SEL_FREE + 0x10     ; execute-only code
SEL_NPCODE  equ SEL_FREE + 0x18     ; code, not present
SEL_NP3     equ SEL_FREE + 0x20     ; data, DPL 3, not present

section .text
sys_main:
    DESC SEL_RO, 0, 0xFFFFF, 0xC090
    DESC SEL_NP, 0, 0xFFFFF, 0xC012
    DESC SEL_XO, 0, 0xFFFFF, 0xC098
    DESC SEL_NPCODE, 0, 0xFFFFF, 0xC01A
    DESC SEL_NP3, 0, 0xFFFFF, 0xC072
    call arithmetic_traps
    call invalid_opcodes
    call device_not_available
    call segment_loads
    call user_privilege
    call delivery_faults
    ret

arithmetic_traps:
    PRINT "arithmetic faults and traps", 10
    mov eax, 1
    xor edx, edx
    xor ecx, ecx
    EXPECT_FAULT 0, NOERR, "#DE: DIV by zero", div ecx
    CHECK_EQ eax, 1, "a faulting DIV leaves EAX"
    mov edx, 0xFFFFFFFF
    mov eax, 0x80000000
    mov ecx, -1
    EXPECT_FAULT 0, NOERR, "#DE: IDIV quotient overflow", idiv ecx
    mov eax, 0x1000
    mov cl, 1
    EXPECT_FAULT 0, NOERR, "#DE: 8-bit DIV quotient overflow", div cl
    CHECK_EQ eax, 0x1000, "a faulting 8-bit DIV leaves AX"
    mov eax, 9
    EXPECT_FAULT 5, NOERR, "#BR: BOUND below the lower bound", bound eax, [bounds]
    mov eax, 21
    EXPECT_FAULT 5, NOERR, "#BR: BOUND above the upper bound", bound eax, [bounds]
    mov eax, 20
    EXPECT_NONE "BOUND at the upper bound", bound eax, [bounds]
    mov al, 0x7F
    add al, 1
    EXPECT_TRAP 4, "#OF: INTO with OF set", into
    xor eax, eax
    EXPECT_NONE "INTO with OF clear", into
    EXPECT_TRAP 3, "#BP: INT3", int3
    EXPECT_TRAP 3, "#BP: INT 3 (CD 03)", db 0xCD, 0x03
    EXPECT_TRAP 0x40, "INT 0x40", int 0x40
    ret

invalid_opcodes:
    PRINT "invalid opcodes", 10
    EXPECT_FAULT 6, NOERR, "#UD: UD2", ud2
    EXPECT_FAULT 6, NOERR, "#UD: LEA with a register operand", db 0x8D, 0xC0
    EXPECT_FAULT 6, NOERR, "#UD: MOV to CS", db 0x8E, 0xC8
    EXPECT_FAULT 6, NOERR, "#UD: FE /2", db 0xFE, 0xD0
    EXPECT_FAULT 6, NOERR, "#UD: FF /7", db 0xFF, 0xF8
    EXPECT_FAULT 6, NOERR, "#UD: CMPXCHG8B with a register operand", db 0x0F, 0xC7, 0xC8
    EXPECT_FAULT 6, NOERR, "#UD: LOCK NOP", db 0xF0, 0x90
    EXPECT_FAULT 6, NOERR, "#UD: LOCK ADD to a register", db 0xF0, 0x01, 0xD8
    EXPECT_NONE "LOCK ADD to memory", lock add [scratch], eax
    ; 16 bytes: 15 prefixes and a NOP.
    EXPECT_FAULT 13, 0, "#GP: instruction longer than 15 bytes", db 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x90
    ret

device_not_available:
    PRINT "x87 availability", 10
    fninit
    mov eax, cr0
    or eax, 0x08                    ; TS
    mov cr0, eax
    EXPECT_FAULT 7, NOERR, "#NM: x87 instruction with CR0.TS set", fld1
    EXPECT_NONE "WAIT with CR0.TS set and MP clear", fwait
    or eax, 0x02                    ; MP
    mov cr0, eax
    EXPECT_FAULT 7, NOERR, "#NM: WAIT with CR0.MP and TS set", fwait
    clts
    EXPECT_NONE "x87 instruction after CLTS", fld1
    fstp st0
    and eax, ~0x0A
    or eax, 0x04                    ; EM
    mov cr0, eax
    EXPECT_FAULT 7, NOERR, "#NM: x87 instruction with CR0.EM set", fld1
    and eax, ~0x04
    mov cr0, eax
    ret

segment_loads:
    PRINT "segment loads at CPL 0", 10
    mov eax, 0x1000
    EXPECT_FAULT 13, 0x1000, "#GP: DS selector past the GDT limit", mov ds, ax
    mov eax, SEL_XO
    EXPECT_FAULT 13, SEL_XO, "#GP: DS load of an execute-only code segment", mov ds, ax
    mov eax, SEL_TSS
    EXPECT_FAULT 13, SEL_TSS, "#GP: DS load of a TSS descriptor", mov ds, ax
    mov eax, SEL_NP
    EXPECT_FAULT 11, SEL_NP, "#NP: DS load of a not-present segment", mov ds, ax
    EXPECT_FAULT 12, SEL_NP, "#SS: SS load of a not-present segment", mov ss, ax
    mov eax, SEL_RO
    EXPECT_FAULT 13, SEL_RO, "#GP: SS load of a read-only segment", mov ss, ax
    mov eax, SEL_CODE0
    EXPECT_FAULT 13, SEL_CODE0, "#GP: SS load of a code segment", mov ss, ax
    xor eax, eax
    EXPECT_FAULT 13, 0, "#GP: SS load of the null selector", mov ss, ax
    mov eax, SEL_DATA3
    EXPECT_FAULT 13, SEL_DATA3 & ~3, "#GP: SS load with RPL 3 at CPL 0", mov ss, ax
    mov eax, SEL_RO
    EXPECT_NONE "ES load of a read-only segment", mov es, ax
    EXPECT_NONE "read through a read-only segment", mov eax, [es:scratch]
    EXPECT_FAULT 13, SEL_DATA0, "#GP: far JMP to a data segment", jmp SEL_DATA0:0
    EXPECT_FAULT 11, SEL_NPCODE, "#NP: far CALL to a not-present code segment", call SEL_NPCODE:0
    xor eax, eax
    EXPECT_NONE "null selector load into ES at CPL 0", mov es, ax
    mov eax, SEL_DATA0
    mov es, ax
    ret

; Each runs one instruction at CPL 3 (EBX preset where it needs a selector).
user_privilege:
    PRINT "privileged instructions and gates at CPL 3", 10
    USER_FAULT 13, 0, "#GP: HLT at CPL 3", hlt
    USER_FAULT 13, 0, "#GP: CLI at CPL 3 with IOPL 0", cli
    USER_FAULT 13, 0, "#GP: MOV from CR0 at CPL 3", mov eax, cr0
    USER_FAULT 13, 0, "#GP: MOV from DR7 at CPL 3", mov eax, dr7
    USER_FAULT 13, 0, "#GP: CLTS at CPL 3", clts
    USER_FAULT 13, 0, "#GP: LGDT at CPL 3", lgdt [gdt_ptr]
    USER_FAULT 13, 0, "#GP: LTR at CPL 3", ltr bx
    mov ecx, 0x10
    USER_FAULT 13, 0, "#GP: RDMSR at CPL 3", rdmsr
    USER_FAULT 13, 0, "#GP: INVLPG at CPL 3", invlpg [scratch]
    USER_FAULT 13, 0, "#GP: WBINVD at CPL 3", wbinvd
    USER_FAULT 13, 0, "#GP: LIDT at CPL 3", lidt [idt_ptr]
    USER_FAULT 13, 0, "#GP: LLDT at CPL 3", lldt bx
    mov eax, cr4
    or eax, 1 << 2                  ; TSD
    mov cr4, eax
    USER_FAULT 13, 0, "#GP: RDTSC at CPL 3 with CR4.TSD set", rdtsc
    mov eax, cr4
    and eax, ~(1 << 2)
    mov cr4, eax
    USER_OK "RDTSC at CPL 3 with CR4.TSD clear", rdtsc
    USER_FAULT 13, 0, "#GP: IN from a port the I/O bitmap denies", in al, 0x80
    USER_FAULT 13, 0x40 * 8 + 2, "#GP: INT to a DPL 0 gate at CPL 3", int 0x40
    USER_FAULT 13, 0x60 * 8 + 2, "#GP: INT past the IDT limit", int 0x60
    mov ebx, SEL_DATA0
    USER_FAULT 13, SEL_DATA0, "#GP: DS load of a DPL 0 segment at CPL 3", mov ds, bx
    USER_FAULT 13, SEL_DATA0, "#GP: SS load of a DPL 0 segment at CPL 3", mov ss, bx
    mov ebx, SEL_NP3 | 3
    USER_FAULT 12, SEL_NP3, "#SS: SS load of a not-present segment at CPL 3", mov ss, bx
    mov ebx, SEL_CODE0
    USER_FAULT 13, SEL_CODE0, "#GP: far JMP to a DPL 0 code segment at CPL 3", jmp SEL_CODE0:0
    ret

delivery_faults:
    PRINT "faults while delivering an event", 10
    and byte [idt + 0x41 * 8 + 5], 0x7F
    EXPECT_FAULT 11, 0x41 * 8 + 2, "#NP: INT to a not-present gate", int 0x41
    mov word [idt + 0x42 * 8 + 2], SEL_DATA0
    EXPECT_FAULT 13, SEL_DATA0, "#GP: INT through a gate to a data segment", int 0x42
    and byte [idt + 3 * 8 + 5], 0x7F
    EXPECT_FAULT 11, 3 * 8 + 2, "#NP: INT3 through a not-present gate", int3
    or byte [idt + 3 * 8 + 5], 0x80
    ret

section .data
bounds: dd 10, 20
scratch: dd 0
