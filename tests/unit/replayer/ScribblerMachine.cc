#include "tests/unit/replayer/ScribblerMachine.h"

#include <gtest/gtest.h>

#include "tests/unit/cpu/TestMachine.h"

namespace tandem::test {
namespace {

constexpr uint32_t kCodeBase = 0x10000;
constexpr uint32_t kGdtBase = 0x800;

// The labels sit at fixed offsets (the nop padding) so the tests can name them.
constexpr const char* kProgram = R"(
bits 32
    mov esp, 0x9F000
    mov ebx, 12345
    xor esi, esi
    jmp top
    times 0x40 - ($ - $$) nop
top:                          ; kLoop
    imul ebx, ebx, 1103515245
    add ebx, 12345
    mov eax, ebx
    shr eax, 10
    and eax, 0x3FFFFC
    add eax, 0x100000
    mov [eax], esi
    inc esi
    test esi, 0xFF
    jnz top
    mov [0x20000], esi        ; kCounterStore
    jmp marker
    times 0x80 - ($ - $$) nop
marker:                       ; kMarker
    test esi, 0x3FF
    jnz top
    mov al, '.'
    mov dx, 0x3F8
    out dx, al
    jmp top
)";

}  // namespace

ScribblerMachine::ScribblerMachine() {
  auto m = Machine::create(MachineConfig{8 << 20}, clock, history);
  EXPECT_TRUE(m.ok());
  machine = std::move(*m);
  std::vector<uint8_t> code = assemble(kProgram, kCodeBase);
  const uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
  PhysMemory& mem = machine->memory();
  EXPECT_TRUE(mem.write(GuestPhys(kCodeBase), code.data(), code.size()));
  EXPECT_TRUE(mem.write(GuestPhys(kGdtBase), gdt, sizeof gdt));
  CpuState s = resetCpuState();
  s.cr0 |= cr0::PE;
  s.gdtr = {kGdtBase, sizeof gdt - 1};
  s.seg[CS] = SegmentCache{0, 0xFFFFFFFFu, 0x08, 0xC09B, 1};
  for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = SegmentCache{0, 0xFFFFFFFFu, 0x10, 0xC093, 1};
  s.eip = kCodeBase;
  machine->cpu().loadState(s);
}

uint32_t ScribblerMachine::counter() const {
  uint32_t v = 0;
  EXPECT_TRUE(machine->memory().read(GuestPhys(kCounter), &v, 4));
  return v;
}

Sha256Digest ScribblerReference::digestAt(uint64_t icount) {
  auto it = digests_.find(icount);
  if (it != digests_.end()) return it->second;
  if (!m_ || m_->machine->icount().value() > icount) m_ = std::make_unique<ScribblerMachine>();
  EXPECT_EQ(m_->machine->run(icount), MachineExit::kLimit);
  return digests_[icount] = m_->digest();
}

}  // namespace tandem::test
