; Segmentation beyond plain loads: the LDT (LLDT, SLDT, TI=1 selectors and
; their faults), the accessed bit written back to a descriptor, LAR, LSL,
; VERR and VERW at CPL 0 and 3 (LSL at CPL 3 is how the i386 vDSO reads its
; per-CPU segment), SGDT/SIDT/STR/SMSW at CPL 3, ARPL, far CALL/RET at one
; level, and a conforming code segment called from CPL 3.
%include "sys.inc"

SEL_LDT    equ SEL_FREE + 0x00      ; the LDT's descriptor
SEL_RO     equ SEL_FREE + 0x08      ; read-only data
SEL_XO     equ SEL_FREE + 0x10      ; execute-only code
SEL_FRESH  equ SEL_FREE + 0x18      ; data, accessed bit clear
SEL_CPU3   equ SEL_FREE + 0x20      ; DPL 3 data, limit 0x1234 (a vDSO-style per-CPU word)
SEL_CONF   equ SEL_FREE + 0x28      ; conforming code, DPL 0
SEL_GATE   equ SEL_FREE + 0x30      ; call gate, DPL 0, to far_target
LDT_DATA0  equ 0x04                 ; LDT entry 0: flat data, DPL 0
LDT_DATA3  equ 0x0C | 3             ; LDT entry 1: flat data, DPL 3
LDT_ENTRIES equ 2

; ZF_TO ebx: EBX = 1 when ZF is set, else 0 (flags preserved).
%macro ZF_TO 1
    mov %1, 0
    jnz %%clear
    mov %1, 1
%%clear:
%endmacro

section .text
sys_main:
    DESC SEL_LDT, ldt, LDT_ENTRIES * 8 - 1, 0x0082
    DESC SEL_RO, 0, 0xFFFFF, 0xC090
    DESC SEL_XO, 0, 0xFFFFF, 0xC098
    DESC SEL_FRESH, 0, 0xFFFFF, 0xC092
    DESC SEL_CPU3, 0, 0x1234, 0x40F2
    DESC SEL_CONF, 0, 0xFFFFF, 0xC09E
    mov edi, gdt + SEL_GATE
    mov eax, far_target
    mov ebx, SEL_CODE0
    mov ecx, ATTR_CALLGATE
    call gate_set
    call local_descriptors
    call accessed_bit
    call descriptor_queries
    call user_queries
    call far_calls
    ret

local_descriptors:
    PRINT "the LDT", 10
    EXPECT_NONE "LLDT", lldt [ldt_selector]
    sldt ax
    movzx eax, ax
    CHECK_EQ eax, SEL_LDT, "SLDT"
    mov eax, LDT_DATA0
    EXPECT_NONE "DS load of an LDT selector", mov ds, ax
    CHECK_EQ dword [ldt_check], 0x1D71D7, "read through an LDT data segment"
    mov eax, SEL_DATA0
    mov ds, ax
    mov eax, LDT_ENTRIES * 8 | 4
    EXPECT_FAULT 13, LDT_ENTRIES * 8 | 4, "#GP: LDT selector past the LDT limit", mov es, ax
    mov eax, SEL_TSS
    EXPECT_FAULT 13, SEL_TSS, "#GP: LLDT of a TSS descriptor", lldt ax
    xor eax, eax
    EXPECT_NONE "LLDT of the null selector", lldt ax
    mov eax, LDT_DATA0
    EXPECT_FAULT 13, LDT_DATA0 & ~3, "#GP: LDT selector with no LDT", mov es, ax
    lldt [ldt_selector]
    ret

accessed_bit:
    PRINT "accessed bit", 10
    movzx eax, byte [gdt + SEL_FRESH + 5]
    CHECK_EQ eax, 0x92, "descriptor not yet accessed"
    mov eax, SEL_FRESH
    mov es, ax
    movzx eax, byte [gdt + SEL_FRESH + 5]
    CHECK_EQ eax, 0x93, "a segment load sets the accessed bit"
    mov eax, SEL_DATA0
    mov es, ax
    OK "segment load writes the accessed bit back"
    ret

; LAR, LSL, VERR, VERW at CPL 0: each result printed, ZF checked.
descriptor_queries:
    PRINT "LAR, LSL, VERR, VERW at CPL 0", 10
    mov ebx, SEL_CODE0
    call query
    CHECK_EQ dword [q_lar_ok], 1, "LAR of ring-0 code"
    CHECK_EQ dword [q_lar], 0x00C09A00, "LAR of ring-0 code: attributes"
    CHECK_EQ dword [q_lsl], 0xFFFFFFFF, "LSL of a 4 GiB segment"
    CHECK_EQ dword [q_verr], 1, "VERR of readable code"
    CHECK_EQ dword [q_verw], 0, "VERW of code"
    mov ebx, SEL_RO
    call query
    CHECK_EQ dword [q_verr], 1, "VERR of read-only data"
    CHECK_EQ dword [q_verw], 0, "VERW of read-only data"
    mov ebx, SEL_XO
    call query
    CHECK_EQ dword [q_verr], 0, "VERR of execute-only code"
    mov ebx, SEL_TSS
    call query
    CHECK_EQ dword [q_lar_ok], 1, "LAR of a TSS"
    CHECK_EQ dword [q_lsl], TSS_SIZE + IOMAP_PORTS / 8, "LSL of the TSS"
    CHECK_EQ dword [q_verr], 0, "VERR of a TSS"
    mov ebx, SEL_GATE
    call query
    CHECK_EQ dword [q_lar_ok], 1, "LAR of a call gate"
    CHECK_EQ dword [q_lsl_ok], 0, "LSL of a call gate"
    xor ebx, ebx
    call query
    CHECK_EQ dword [q_lar_ok], 0, "LAR of the null selector"
    CHECK_EQ dword [q_lsl_ok], 0, "LSL of the null selector"
    mov ebx, 0x1000
    call query
    CHECK_EQ dword [q_lar_ok], 0, "LAR past the GDT limit"
    mov ebx, LDT_DATA3
    call query
    CHECK_EQ dword [q_lsl], 0xFFFFFFFF, "LSL through the LDT"
    OK "descriptor queries at CPL 0"
    ret

; The same instructions at CPL 3, and the table-register stores.
user_queries:
    PRINT "LAR, LSL, SGDT, SIDT, STR, SMSW at CPL 3", 10
    mov dword [exc_resume], 0
    mov eax, user_query_code
    call run_user
    PRINT "CPL 3: lsl of the per-CPU segment "
    PRINT_HEX [u_lsl]
    PRINT ", LAR of ring-0 data "
    PRINT_HEX [u_lar0_ok]
    PRINT ", smsw "
    PRINT_HEX [u_smsw]
    PRINT 10
    CHECK_EQ dword [u_lsl_ok], 1, "CPL 3: LSL of a DPL 3 segment"
    CHECK_EQ dword [u_lsl], 0x1234, "CPL 3: LSL reads the limit"
    CHECK_EQ dword [u_lar0_ok], 0, "CPL 3: LAR of a DPL 0 segment fails"
    CHECK_EQ dword [u_verw3], 1, "CPL 3: VERW of DPL 3 data"
    movzx eax, word [u_gdtr]
    CHECK_EQ eax, GDT_ENTRIES * 8 - 1, "CPL 3: SGDT limit"
    CHECK_EQ dword [u_gdtr + 2], gdt, "CPL 3: SGDT base"
    movzx eax, word [u_idtr]
    CHECK_EQ eax, IDT_VECTORS * 8 - 1, "CPL 3: SIDT limit"
    CHECK_EQ dword [u_idtr + 2], idt, "CPL 3: SIDT base"
    CHECK_EQ dword [u_tr], SEL_TSS, "CPL 3: STR"
    mov eax, cr0
    and eax, 0xFFFF
    CHECK_EQ dword [u_smsw], eax, "CPL 3: SMSW"
    CHECK_EQ dword [u_arpl], (SEL_DATA0 & ~3) | 3, "ARPL raises the RPL"
    CHECK_EQ dword [u_arpl_zf], 1, "ARPL sets ZF when it adjusts"
    OK "descriptor queries and table stores at CPL 3"
    ret

; EBX: selector. Fills q_*: LAR result and ZF, LSL result and ZF, VERR and
; VERW ZF.
query:
    mov dword [q_lar], 0
    mov dword [q_lsl], 0
    lar eax, bx
    ZF_TO ecx
    mov [q_lar_ok], ecx
    jnz .no_lar
    and eax, 0x00F0FF00             ; bits 16-19 are undefined
    test eax, 0x1000
    jz .system
    ; The accessed bit of a code or data segment is left out: QEMU 7.2 does
    ; not set it when it loads CS (see beyond_qemu.asm).
    and eax, ~0x100
.system:
    mov [q_lar], eax
.no_lar:
    lsl eax, bx
    ZF_TO ecx
    mov [q_lsl_ok], ecx
    jnz .no_lsl
    mov [q_lsl], eax
.no_lsl:
    verr bx
    ZF_TO ecx
    mov [q_verr], ecx
    verw bx
    ZF_TO ecx
    mov [q_verw], ecx
    PRINT "selector "
    PRINT_HEX ebx
    PRINT ": lar "
    PRINT_HEX [q_lar]
    PRINT " lsl "
    PRINT_HEX [q_lsl]
    PRINT " zf lar/lsl/verr/verw "
    mov eax, [q_lar_ok]
    shl eax, 12
    mov ecx, [q_lsl_ok]
    shl ecx, 8
    or eax, ecx
    mov ecx, [q_verr]
    shl ecx, 4
    or eax, ecx
    or eax, [q_verw]
    call print_hex16
    PRINT 10
    ret

far_calls:
    PRINT "far calls", 10
    mov [saved_esp], esp
    call SEL_CODE0:far_target
    CHECK_EQ dword [far_cs], SEL_CODE0, "far CALL: CS at the target"
    mov eax, [saved_esp]
    sub eax, 8
    CHECK_EQ dword [far_esp], eax, "far CALL: CS and EIP pushed"
    CHECK_EQ esp, [saved_esp], "far RET pops both"
    call SEL_GATE:0
    CHECK_EQ dword [far_cs], SEL_CODE0, "call gate to the same level: CS"
    mov eax, [saved_esp]
    sub eax, 8
    CHECK_EQ dword [far_esp], eax, "call gate to the same level: no stack switch"
    OK "far CALL and RET at CPL 0, directly and through a call gate"
    mov dword [exc_resume], 0
    mov eax, user_conforming
    call run_user
    CHECK_EQ dword [far_cs], SEL_CONF | 3, "conforming segment: CPL stays 3"
    CHECK_EQ dword [u_conf_back], 1, "conforming segment: returned to CPL 3"
    OK "far CALL from CPL 3 into a conforming segment keeps CPL 3"
    ret

far_target:
    mov [far_esp], esp
    xor eax, eax
    mov ax, cs
    mov [ss:far_cs], eax
    retf

section .text.user progbits alloc exec nowrite align=16
user_query_code:
    mov ebx, SEL_CPU3 | 3
    lsl eax, bx
    ZF_TO ecx
    mov [u_lsl_ok], ecx
    mov [u_lsl], eax
    mov ebx, SEL_DATA0
    lar eax, bx
    ZF_TO ecx
    mov [u_lar0_ok], ecx
    mov ebx, SEL_DATA3
    verw bx
    ZF_TO ecx
    mov [u_verw3], ecx
    sgdt [u_gdtr]
    sidt [u_idtr]
    xor eax, eax
    str ax
    mov [u_tr], eax
    xor eax, eax
    smsw ax
    mov [u_smsw], eax
    mov eax, SEL_DATA0
    mov ebx, SEL_DATA3
    arpl ax, bx
    ZF_TO ecx
    mov [u_arpl_zf], ecx
    movzx eax, ax
    mov [u_arpl], eax
    int VEC_USER_EXIT

user_conforming:
    call (SEL_CONF | 3):far_target
    mov dword [u_conf_back], 1
    int VEC_USER_EXIT

section .data
align 8
ldt:
    dq 0x00CF92000000FFFF           ; flat data, DPL 0
    dq 0x00CFF2000000FFFF           ; flat data, DPL 3
ldt_selector: dw SEL_LDT
align 4
ldt_check: dd 0x1D71D7

section .bss
alignb 4
q_lar: resd 1
q_lar_ok: resd 1
q_lsl: resd 1
q_lsl_ok: resd 1
q_verr: resd 1
q_verw: resd 1
u_lsl: resd 1
u_lsl_ok: resd 1
u_lar0_ok: resd 1
u_verw3: resd 1
u_gdtr: resb 8
u_idtr: resb 8
u_tr: resd 1
u_smsw: resd 1
u_arpl: resd 1
u_arpl_zf: resd 1
u_conf_back: resd 1
saved_esp: resd 1
far_esp: resd 1
far_cs: resd 1
