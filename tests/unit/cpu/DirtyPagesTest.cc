// Every way the CPU writes guest RAM marks the written pages dirty, and
// only those, so that incremental checkpoints see every change.
#include <gtest/gtest.h>

#include "tests/unit/cpu/TestMachine.h"

namespace tandem::test {
namespace {

std::vector<uint64_t> dirtyPages(const PhysMemory& mem) {
  std::vector<uint64_t> out;
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn)
    if (mem.isDirty(pfn)) out.push_back(pfn);
  return out;
}

using Pages = std::vector<uint64_t>;

// Runs the setup part of the program (up to its first HLT), starts a new
// round of tracking, and runs the rest (to the next HLT).
Pages pagesWrittenAfterSetup(TestMachine& m) {
  EXPECT_EQ(m.runToHalt().reason, StopReason::kHalted);
  m.cpu.clearDirtyPages();
  m.cpu.st.halted = 0;
  EXPECT_EQ(m.runToHalt().reason, StopReason::kHalted);
  return dirtyPages(m.mem);
}

TEST(DirtyPages, PlainStoreMarksOnlyItsPage) {
  TestMachine m;
  m.loadProtected(R"(
    hlt
    mov dword [0x20010], 1
    mov eax, [0x21000]         ; a read marks nothing
    hlt
  )");
  EXPECT_EQ(pagesWrittenAfterSetup(m), (Pages{0x20}));
}

TEST(DirtyPages, WriteThroughACachedTlbEntryAfterAClearMarksThePageAgain) {
  TestMachine m;
  m.loadProtected(R"(
    mov dword [0x20000], 1     ; caches write permission for the page
    mov dword [0x20004], 2
    hlt
  )");
  ASSERT_EQ(m.cpu.run(1).executed, 1u);
  m.cpu.clearDirtyPages();
  ASSERT_EQ(m.cpu.run(1).executed, 1u);
  EXPECT_EQ(dirtyPages(m.mem), (Pages{0x20}));
  EXPECT_EQ(m.read32(0x20004), 2u);
}

TEST(DirtyPages, PageCrossingStoresMarkBothPages) {
  TestMachine m;
  m.loadProtected(R"(
    hlt
    mov dword [0x20FFE], 0x11223344
    mov word [0x22FFF], 0x5566
    hlt
  )");
  EXPECT_EQ(pagesWrittenAfterSetup(m), (Pages{0x20, 0x21, 0x22, 0x23}));
}

TEST(DirtyPages, StringInstructionsMarkEveryPageTheyWrite) {
  TestMachine m;
  m.loadProtected(R"(
    hlt
    cld
    mov esi, 0x20000
    mov edi, 0x30FF0
    mov ecx, 8
    rep movsd                  ; 0x30FF0..0x3100F
    mov edi, 0x32000
    mov ecx, 8192
    xor eax, eax
    rep stosb                  ; 0x32000..0x33FFF
    mov edi, 0x35FFE
    stosd                      ; 0x35FFE..0x36001
    hlt
  )");
  EXPECT_EQ(pagesWrittenAfterSetup(m), (Pages{0x30, 0x31, 0x32, 0x33, 0x35, 0x36}));
}

TEST(DirtyPages, ReadModifyWriteAndStackWritesMarkTheirPages) {
  TestMachine m;
  m.loadProtected(R"(
    hlt
    mov eax, 1
    lock xadd [0x20000], eax
    add dword [0x21FFE], 3     ; crosses into 0x22
    push eax                   ; below kStackTop: page 0x9E
    pop eax
    hlt
  )");
  EXPECT_EQ(pagesWrittenAfterSetup(m), (Pages{0x20, 0x21, 0x22, 0x9E}));
}

TEST(DirtyPages, X87StoresMarkTheirPages) {
  TestMachine m;
  m.loadProtected(R"(
    fninit
    hlt
    fldpi
    fst qword [0x20000]
    fist dword [0x21000]
    fstp tword [0x22FFC]       ; 10 bytes across 0x22/0x23
    fnsave [0x25000]           ; 108 bytes
    fnstcw [0x26000]
    hlt
  )");
  EXPECT_EQ(pagesWrittenAfterSetup(m), (Pages{0x20, 0x21, 0x22, 0x23, 0x25, 0x26}));
}

TEST(DirtyPages, InterruptDeliveryMarksTheStackPageAndTheDescriptorItLoads) {
  TestMachine m;
  m.loadProtected(R"(
    mov eax, handler
    mov [0x1000 + 0x20 * 8], ax
    mov word [0x1000 + 0x20 * 8 + 2], 0x08
    mov word [0x1000 + 0x20 * 8 + 4], 0x8E00
    shr eax, 16
    mov [0x1000 + 0x20 * 8 + 6], ax
    lidt [idtr]
    sti
    hlt
  handler:
    hlt
  idtr:
    dw 0x7FF
    dd 0x1000
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  m.cpu.clearDirtyPages();
  m.bus.vector = 0x20;
  m.cpu.setIntr(true);
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.bus.acks, 1);
  // EFLAGS, CS and EIP just below kStackTop; loading CS sets the accessed
  // bit of its descriptor in the GDT.
  EXPECT_EQ(dirtyPages(m.mem), (Pages{TestMachine::kGdtBase >> kPageShift,
                                      (TestMachine::kStackTop - 4) >> kPageShift}));
}

TEST(DirtyPages, TaskSwitchMarksTheOldTssTheNewTssAndTheGdt) {
  TestMachine m;
  constexpr uint32_t kTss1 = 0x5000, kTss2 = 0x6000;
  auto tssDescriptor = [](uint32_t base) {
    uint64_t limit = 0x67;
    return limit | (uint64_t{base & 0xFFFF} << 16) | (uint64_t{(base >> 16) & 0xFF} << 32) |
           (uint64_t{0x89} << 40) | (uint64_t{base >> 24} << 56);
  };
  m.loadProtected(R"(
    lgdt [gdtr]
    mov ax, 0x18
    ltr ax
    hlt
    call 0x20:0                ; a task switch, with a back link
    times 0x40 - ($ - $$) nop
  task2:
    hlt
  gdtr:
    dw 5 * 8 - 1
    dd 0x800
  )");
  for (auto [sel, base] : {std::pair{0x18u, kTss1}, std::pair{0x20u, kTss2}}) {
    uint64_t d = tssDescriptor(base);
    m.write32(TestMachine::kGdtBase + sel, static_cast<uint32_t>(d));
    m.write32(TestMachine::kGdtBase + sel + 4, static_cast<uint32_t>(d >> 32));
  }
  // The new task: flat segments, EIP at task2.
  uint32_t task2 = TestMachine::kCodeBase + 0x40;
  m.write32(kTss2 + 0x20, task2);
  m.write32(kTss2 + 0x24, 2);
  m.write32(kTss2 + 0x38, 0x9E000);
  for (uint32_t off : {0x48u, 0x50u, 0x54u, 0x58u, 0x5Cu}) m.write32(kTss2 + off, 0x10);
  m.write32(kTss2 + 0x4C, 0x08);
  m.write32(kTss2 + 0x64, 0x68u << 16);
  EXPECT_EQ(pagesWrittenAfterSetup(m),
            (Pages{TestMachine::kGdtBase >> kPageShift, kTss1 >> kPageShift, kTss2 >> kPageShift}));
  EXPECT_EQ(m.cpu.st.eip, task2 + 1);
  EXPECT_EQ(m.cpu.st.tr.selector, 0x20);
}

TEST(DirtyPages, AccessedAndDirtyBitUpdatesMarkThePageTablePage) {
  TestMachine m;
  constexpr uint32_t kDir = 0x7000, kTable = 0x8000;
  m.write32(kDir, kTable | 0x3);  // present, writable; A clear
  for (uint32_t i = 0; i < 1024; ++i) m.write32(kTable + 4 * i, (i << kPageShift) | 0x3);
  m.loadProtected(R"(
    mov eax, 0x7000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    hlt
    mov eax, [0x20000]         ; sets A in the page's PTE
    mov dword [0x30000], 1     ; sets A and D
    hlt
  )");
  EXPECT_EQ(pagesWrittenAfterSetup(m), (Pages{kTable >> kPageShift, 0x30}));
  EXPECT_EQ(m.read32(kTable + 0x20 * 4) & 0x60, 0x20u);
  EXPECT_EQ(m.read32(kTable + 0x30 * 4) & 0x60, 0x60u);
}

}  // namespace
}  // namespace tandem::test
