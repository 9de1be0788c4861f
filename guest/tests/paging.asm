; Paging: 4 KiB and 4 MiB (PSE) translations, accessed and dirty bits set
; by the page walk, write protection with CR0.WP set and clear, user and
; supervisor pages, page faults with their error code, CR2 and saved EIP
; (not present, protection, instruction fetch, accesses that
; cross into a missing page), and the TLB flushes the architecture
; guarantees: INVLPG, a CR3 load, and a CR4.PGE toggle for global pages.
%include "sys.inc"

; Linear layout, one page directory entry per 4 MiB:
;   0x00000000  4 KiB pages, identity, user (the guest itself)
;   0x00400000  4 MiB page -> physical 0x00800000, supervisor
;   0x00800000  4 MiB page, identity, user
;   0x00C00000  4 KiB pages of pt_test, set up by each check (TEST_BASE)
;   0x01000000  not present
;   0x01400000  4 KiB pages under a read-only directory entry
LARGE_SUP  equ 0x00400000
LARGE_ID   equ 0x00800000
TEST_BASE  equ 0x00C00000
PDE_NONE   equ 0x01000000
PDE_RO     equ 0x01400000

PG_P   equ 0x001
PG_RW  equ 0x002
PG_US  equ 0x004
PG_A   equ 0x020
PG_D   equ 0x040
PG_PS  equ 0x080
PG_G   equ 0x100

ERR_P    equ 1
ERR_W    equ 2
ERR_U    equ 4

CR0_WP  equ 1 << 16
CR0_PG  equ 1 << 31
CR4_PSE equ 1 << 4
CR4_PGE equ 1 << 7

; TEST_PAGE n: the linear address of pt_test entry n.
%define TEST_PAGE(n) (TEST_BASE + (n) * 0x1000)

; SET_PTE n, value: points pt_test entry n somewhere.
%macro SET_PTE 2
    mov dword [pt_test + 4 * (%1)], %2
%endmacro

; CHECK_CR2 address, "what"
%macro CHECK_CR2 2
    CHECK_EQ dword [exc_cr2], %1, %2, ": CR2"
%endmacro

; CHECK_BITS value, mask, want, "what"
%macro CHECK_BITS 4
    mov eax, %1
    and eax, %2
    CHECK_EQ eax, %3, %4
    OK %4
%endmacro

section .text
sys_main:
    call build_tables
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    mov eax, page_dir
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    mov eax, cr0
    and eax, CR0_PG
    CHECK_EQ eax, CR0_PG, "CR0.PG reads back set"
    OK "paging on, identity-mapped code runs"
    call translations
    call accessed_dirty
    call write_protect
    call not_present
    call fetch_faults
    call user_pages
    call partial_progress
    call tlb_flushes
    call global_pages
    ret

build_tables:
    mov edi, page_dir
    xor eax, eax
    mov ecx, 3 * 1024
    rep stosd                       ; page_dir, pt_test, pt_ro
    mov edi, pt_low
    mov eax, PG_P | PG_RW | PG_US
    mov ecx, 1024
.identity:
    stosd
    add eax, 0x1000
    loop .identity
    mov dword [page_dir + 0 * 4], pt_low + (PG_P | PG_RW | PG_US)
    mov dword [page_dir + 1 * 4], LARGE_ID | PG_P | PG_RW | PG_PS
    mov dword [page_dir + 2 * 4], LARGE_ID | PG_P | PG_RW | PG_US | PG_PS
    mov dword [page_dir + 3 * 4], pt_test + (PG_P | PG_RW | PG_US)
    mov dword [page_dir + 5 * 4], pt_ro + (PG_P | PG_US)
    mov dword [pt_ro], frame_f + (PG_P | PG_RW | PG_US)
    ret

translations:
    PRINT "translations", 10
    SET_PTE 0, frame_a + (PG_P | PG_RW)
    mov dword [TEST_PAGE(0) + 0x10], 0x11111111
    CHECK_EQ dword [frame_a + 0x10], 0x11111111, "4 KiB page: write through the mapping"
    mov dword [frame_a + 0x14], 0x22222222
    CHECK_EQ dword [TEST_PAGE(0) + 0x14], 0x22222222, "4 KiB page: read through the mapping"
    OK "4 KiB page translation"
    mov dword [LARGE_SUP + 0x1234], 0x44444444
    CHECK_EQ dword [LARGE_ID + 0x1234], 0x44444444, "4 MiB page: write through the mapping"
    mov dword [LARGE_ID + 0x3FF000], 0x55555555
    CHECK_EQ dword [LARGE_SUP + 0x3FF000], 0x55555555, "4 MiB page: read at its last 4 KiB"
    OK "4 MiB page translation"
    ret

accessed_dirty:
    PRINT "accessed and dirty bits", 10
    SET_PTE 1, frame_b + (PG_P | PG_RW)
    and dword [page_dir + 3 * 4], ~PG_A
    mov eax, cr3
    mov cr3, eax
    mov eax, [TEST_PAGE(1)]
    CHECK_BITS [pt_test + 4], PG_A | PG_D, PG_A, "a read sets A, not D, in the PTE"
    CHECK_BITS [page_dir + 3 * 4], PG_A, PG_A, "the walk sets A in the directory entry"
    mov [TEST_PAGE(1)], eax
    CHECK_BITS [pt_test + 4], PG_A | PG_D, PG_A | PG_D, "a write after a read sets D"
    SET_PTE 9, frame_b + (PG_P | PG_RW)
    mov dword [TEST_PAGE(9)], 1
    CHECK_BITS [pt_test + 9 * 4], PG_A | PG_D, PG_A | PG_D, "a first write sets A and D"
    and dword [page_dir + 1 * 4], ~(PG_A | PG_D)
    invlpg [LARGE_SUP]
    mov eax, [LARGE_SUP + 0x2000]
    CHECK_BITS [page_dir + 1 * 4], PG_A | PG_D, PG_A, "4 MiB page: a read sets A, not D"
    mov [LARGE_SUP + 0x2000], eax
    CHECK_BITS [page_dir + 1 * 4], PG_A | PG_D, PG_A | PG_D, "4 MiB page: a write sets D"
    ret

write_protect:
    PRINT "write protection", 10
    SET_PTE 2, frame_c + (PG_P | PG_US)
    mov dword [frame_c], 0x0C0C0C0C
    EXPECT_NONE "CR0.WP=0: supervisor write to a read-only page", mov dword [TEST_PAGE(2)], 0x33333333
    CHECK_EQ dword [frame_c], 0x33333333, "CR0.WP=0: the write landed"
    CHECK_BITS [pt_test + 2 * 4], PG_D, PG_D, "CR0.WP=0: the write set D"
    EXPECT_NONE "CR0.WP=0: supervisor write under a read-only directory entry", mov dword [PDE_RO], 1
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    invlpg [TEST_PAGE(2)]
    invlpg [PDE_RO]
    EXPECT_FAULT 14, ERR_P | ERR_W, "#PF: CR0.WP=1: supervisor write to a read-only page", mov dword [TEST_PAGE(2) + 8], 1
    CHECK_CR2 TEST_PAGE(2) + 8, "CR0.WP=1 write"
    CHECK_EQ dword [frame_c + 8], 0, "CR0.WP=1: the faulting write did not land"
    EXPECT_NONE "CR0.WP=1: supervisor read of a read-only page", mov eax, [TEST_PAGE(2)]
    EXPECT_FAULT 14, ERR_P | ERR_W, "#PF: CR0.WP=1: supervisor write under a read-only directory entry", mov dword [PDE_RO + 4], 1
    CHECK_CR2 PDE_RO + 4, "read-only directory entry"
    ret

not_present:
    PRINT "not-present pages", 10
    EXPECT_FAULT 14, 0, "#PF: read of a not-present page", mov eax, [TEST_PAGE(4) + 0x123]
    CHECK_CR2 TEST_PAGE(4) + 0x123, "not-present read"
    EXPECT_FAULT 14, ERR_W, "#PF: write to a not-present page", mov dword [TEST_PAGE(4) + 0x456], 1
    CHECK_CR2 TEST_PAGE(4) + 0x456, "not-present write"
    EXPECT_FAULT 14, 0, "#PF: read under a not-present directory entry", mov eax, [PDE_NONE + 0x3FFFFC]
    CHECK_CR2 PDE_NONE + 0x3FFFFC, "not-present directory entry"
    ; A dword that starts on a present page and ends on a missing one.
    SET_PTE 5, frame_e + (PG_P | PG_RW)
    mov dword [frame_e + 0xFFC], 0xA5A5A5A5
    EXPECT_FAULT 14, 0, "#PF: read that crosses into a not-present page", mov eax, [TEST_PAGE(6) - 2]
    CHECK_CR2 TEST_PAGE(6), "page-crossing read"
    EXPECT_FAULT 14, ERR_W, "#PF: write that crosses into a not-present page", mov dword [TEST_PAGE(6) - 2], 0
    CHECK_CR2 TEST_PAGE(6), "page-crossing write"
    CHECK_EQ dword [frame_e + 0xFFC], 0xA5A5A5A5, "a faulting page-crossing write changes nothing"
    ret

fetch_faults:
    PRINT "instruction fetch", 10
    mov dword [exc_resume], .fetched
    mov dword [exc_vector], NOERR
    jmp TEST_PAGE(4)
.fetched:
    CHECK_EXC 14, 0, TEST_PAGE(4), "#PF: jump to a not-present page"
    CHECK_CR2 TEST_PAGE(4), "jump to a not-present page"
    ; MOV EAX, 0x12345678 / RET with its first two bytes at the end of page 5.
    mov word [frame_e + 0xFFE], 0x78B8
    mov dword [frame_f], 0xC3123456
    mov dword [exc_resume], .crossed
    mov dword [exc_vector], NOERR
    call TEST_PAGE(6) - 2
    FAIL "no fault fetching across into a not-present page"
.crossed:
    add esp, 4                      ; the CALL completed: drop its return address
    CHECK_EXC 14, 0, TEST_PAGE(6) - 2, "#PF: instruction that crosses into a not-present page"
    CHECK_CR2 TEST_PAGE(6), "instruction crossing pages"
    SET_PTE 6, frame_f + (PG_P | PG_RW)
    xor eax, eax
    call TEST_PAGE(6) - 2
    CHECK_EQ eax, 0x12345678, "an instruction fetched from two pages"
    OK "an instruction fetched from two pages runs"
    ret

; CPL 3 against supervisor, read-only and not-present pages.
user_pages:
    PRINT "user and supervisor pages", 10
    SET_PTE 3, frame_d + (PG_P | PG_RW)
    USER_FAULT 14, ERR_P | ERR_U, "#PF: user read of a supervisor page", mov eax, [TEST_PAGE(3)]
    CHECK_CR2 TEST_PAGE(3), "user read of a supervisor page"
    USER_FAULT 14, ERR_P | ERR_W | ERR_U, "#PF: user write to a supervisor page", mov dword [TEST_PAGE(3) + 4], 1
    CHECK_CR2 TEST_PAGE(3) + 4, "user write to a supervisor page"
    USER_FAULT 14, ERR_P | ERR_W | ERR_U, "#PF: user write to a read-only user page", mov dword [TEST_PAGE(2) + 4], 1
    USER_FAULT 14, ERR_U, "#PF: user read of a not-present page", mov eax, [TEST_PAGE(4) + 8]
    CHECK_CR2 TEST_PAGE(4) + 8, "user read of a not-present page"
    USER_FAULT 14, ERR_W | ERR_U, "#PF: user write to a not-present page", mov dword [TEST_PAGE(4) + 12], 1
    USER_FAULT 14, ERR_P | ERR_U, "#PF: user read of a supervisor 4 MiB page", mov eax, [LARGE_SUP + 0x100]
    CHECK_CR2 LARGE_SUP + 0x100, "user read of a supervisor 4 MiB page"
    USER_FAULT 14, ERR_P | ERR_W | ERR_U, "#PF: user write under a read-only directory entry", mov dword [PDE_RO + 8], 1
    mov eax, cr0
    and eax, ~CR0_WP
    mov cr0, eax
    USER_FAULT 14, ERR_P | ERR_W | ERR_U, "#PF: CR0.WP=0: user write to a read-only user page", mov dword [TEST_PAGE(2) + 4], 1
    mov dword [exc_resume], RESUME_KERNEL
    mov eax, user_reads
    call run_user
    mov dword [exc_resume], 0
    CHECK_EQ dword [user_read_value], 0x33333333, "user read of a read-only user page"
    OK "user reads of user pages"
    ret

partial_progress:
    PRINT "partial progress at a page fault", 10
    SET_PTE 10, frame_c + (PG_P | PG_RW)
    mov esi, frame_a
    mov edi, TEST_PAGE(11) - 0x100
    mov ecx, 0x300
    cld
    mov dword [exc_resume], .faulted
    mov dword [exc_vector], NOERR
.copy:
    rep movsb
    FAIL "REP MOVSB into a missing page did not fault"
.faulted:
    CHECK_EXC 14, ERR_W, .copy, "#PF: REP MOVSB reaching a not-present page"
    CHECK_CR2 TEST_PAGE(11), "REP MOVSB"
    CHECK_EQ ecx, 0x200, "REP MOVSB: ECX counts the bytes left"
    CHECK_EQ esi, frame_a + 0x100, "REP MOVSB: ESI advanced by the bytes copied"
    CHECK_EQ edi, TEST_PAGE(11), "REP MOVSB: EDI at the missing page"
    OK "REP MOVSB stops exactly at the missing page"
    SET_PTE 11, frame_d + (PG_P | PG_RW)
    mov dword [exc_resume], 0
    rep movsb                       ; resume where it stopped
    CHECK_EQ ecx, 0, "resumed REP MOVSB finishes"
    mov esi, frame_a
    mov edi, frame_c + 0xF00
    mov ecx, 0x100 / 4
    repe cmpsd
    CHECK_EQ ecx, 0, "bytes before the fault"
    mov esi, frame_a + 0x100
    mov edi, frame_d
    mov ecx, 0x200 / 4
    repe cmpsd
    CHECK_EQ ecx, 0, "bytes after the resumption"
    OK "a resumed REP MOVSB completes the copy"
    mov ebx, TEST_PAGE(12) + 0x10
    mov eax, user_call_fault
    call run_user_to_event
    CHECK_EXC 14, ERR_W | ERR_U, user_call_fault.call, "#PF: CALL pushing into a not-present page"
    CHECK_CR2 TEST_PAGE(12) + 0xC, "CALL push"
    CHECK_EQ dword [exc_esp], TEST_PAGE(12) + 0x10, "a faulting CALL leaves ESP alone"
    OK "a CALL whose push faults changes nothing"
    SET_PTE 3, frame_d + (PG_P | PG_RW)
    mov ebx, TEST_PAGE(3)
    mov eax, user_jump
    call run_user_to_event
    CHECK_EXC 14, ERR_P | ERR_U, TEST_PAGE(3), "#PF: CPL 3 jumping into a supervisor page"
    CHECK_CR2 TEST_PAGE(3), "jump into a supervisor page"
    OK "CPL 3 cannot fetch from a supervisor page"
    ret

; EAX: CPL-3 code that raises an event; run_user returns after it.
run_user_to_event:
    mov dword [exc_resume], RESUME_KERNEL
    mov dword [exc_vector], NOERR
    call run_user
    mov dword [exc_resume], 0
    ret

tlb_flushes:
    PRINT "TLB flushes", 10
    mov dword [frame_a], 0xAAAAAAAA
    mov dword [frame_b], 0xBBBBBBBB
    SET_PTE 7, frame_a + (PG_P | PG_RW)
    CHECK_EQ dword [TEST_PAGE(7)], 0xAAAAAAAA, "page 7 on frame A"
    SET_PTE 7, frame_b + (PG_P | PG_RW)
    invlpg [TEST_PAGE(7)]
    CHECK_EQ dword [TEST_PAGE(7)], 0xBBBBBBBB, "INVLPG: the new mapping is seen"
    OK "INVLPG makes a changed mapping visible"
    SET_PTE 7, frame_a + (PG_P | PG_RW)
    mov eax, cr3
    mov cr3, eax
    CHECK_EQ dword [TEST_PAGE(7)], 0xAAAAAAAA, "CR3 load: the new mapping is seen"
    OK "a CR3 load makes a changed mapping visible"
    ; Point the supervisor 4 MiB page at physical 0 (where the identity map
    ; shows it) and flush it through an address in another 4 KiB part.
    mov dword [frame_a + 0x20], 0x66666666
    mov eax, [LARGE_SUP + frame_a + 0x20]
    mov dword [page_dir + 1 * 4], PG_P | PG_RW | PG_PS
    invlpg [LARGE_SUP + 0x3FF000]
    CHECK_EQ dword [LARGE_SUP + frame_a + 0x20], 0x66666666, "INVLPG anywhere in a 4 MiB page drops all of it"
    OK "INVLPG of a 4 MiB page"
    ret

; Global pages: a CR3 load may or may not keep them (printed, not checked);
; toggling CR4.PGE or INVLPG must drop them; with CR4.PGE clear the G bit
; means nothing and a CR3 load drops the entry.
global_pages:
    PRINT "global pages", 10
    mov eax, cr4
    or eax, CR4_PGE
    mov cr4, eax
    SET_PTE 8, frame_a + (PG_P | PG_RW | PG_G)
    CHECK_EQ dword [TEST_PAGE(8)], 0xAAAAAAAA, "global page on frame A"
    SET_PTE 8, frame_b + (PG_P | PG_RW | PG_G)
    mov eax, cr3
    mov cr3, eax
    PRINT "global page after a CR3 load reads "
    PRINT_VARYING [TEST_PAGE(8)]
    PRINT " (frame A or B)", 10
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax
    or eax, CR4_PGE
    mov cr4, eax
    CHECK_EQ dword [TEST_PAGE(8)], 0xBBBBBBBB, "CR4.PGE toggle drops a global page"
    OK "a CR4.PGE toggle makes a changed global mapping visible"
    SET_PTE 8, frame_a + (PG_P | PG_RW | PG_G)
    invlpg [TEST_PAGE(8)]
    CHECK_EQ dword [TEST_PAGE(8)], 0xAAAAAAAA, "INVLPG drops a global page"
    OK "INVLPG makes a changed global mapping visible"
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax
    mov eax, [TEST_PAGE(8)]
    SET_PTE 8, frame_b + (PG_P | PG_RW | PG_G)
    mov eax, cr3
    mov cr3, eax
    CHECK_EQ dword [TEST_PAGE(8)], 0xBBBBBBBB, "CR4.PGE=0: a CR3 load drops a G page"
    OK "with CR4.PGE clear a CR3 load drops pages marked global"
    ret

section .text.user progbits alloc exec nowrite align=16
user_call_fault:
    mov esp, ebx
.call:
    call user_call_fault
    int VEC_USER_EXIT

user_jump:
    jmp ebx

user_reads:
    mov eax, [TEST_PAGE(2)]
    mov [user_read_value], eax
    mov eax, [PDE_RO]
    int VEC_USER_EXIT

section .bss
alignb 4096
page_dir: resd 1024
pt_test:  resd 1024
pt_ro:    resd 1024
pt_low:   resd 1024
frame_a:  resb 4096
frame_b:  resb 4096
frame_c:  resb 4096
frame_d:  resb 4096
frame_e:  resb 4096
frame_f:  resb 4096
user_read_value: resd 1
