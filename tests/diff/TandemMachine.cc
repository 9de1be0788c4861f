#include "tests/diff/TandemMachine.h"

#include <cstring>

#include "tests/diff/Strf.h"
#include "vmm/Assert.h"

namespace tandem::diff {
namespace {

// System structures live below the program's lowest segment (0x7000).
constexpr uint32_t kGdtAddr = 0x1000;
constexpr uint32_t kIdtAddr = 0x2000;
constexpr uint32_t kTssAddr = 0x3000;
constexpr uint32_t kRing0StackTop = 0x6000;

constexpr uint16_t kKernelCode = 0x10, kKernelData = 0x18, kUserCode = 0x23, kUserData = 0x2b,
                   kTssSel = 0x30;
constexpr unsigned kGdtEntries = 7;

// A flat 4 GiB code or data descriptor with access byte `access`.
constexpr uint64_t flatDescriptor(uint8_t access) {
  return 0x0000FFFFull | (uint64_t{access} << 40) | (0xCFull << 48);
}

uint64_t systemDescriptor(uint32_t base, uint32_t limit, uint8_t access) {
  return (limit & 0xFFFF) | (uint64_t{base & 0xFFFFFF} << 16) | (uint64_t{access} << 40) |
         (uint64_t{(limit >> 16) & 0xF} << 48) | (uint64_t{base >> 24} << 56);
}

uint64_t interruptGate(uint32_t offset, uint16_t selector, unsigned dpl) {
  const uint8_t access = static_cast<uint8_t>(0x8E | dpl << 5);  // present, 32-bit interrupt gate
  return (offset & 0xFFFF) | (uint64_t{selector} << 16) | (uint64_t{access} << 40) |
         (uint64_t{offset >> 16} << 48);
}

// The hidden part of a segment register as a descriptor load would leave it.
SegmentCache flatCache(uint16_t selector, uint8_t access) {
  return SegmentCache{0, 0xFFFFFFFFu, selector, static_cast<uint16_t>(access | 0xC000), 1};
}

}  // namespace

Result<std::unique_ptr<TandemMachine>> TandemMachine::create(const ElfImage& elf) {
  std::unique_ptr<TandemMachine> m(new TandemMachine());
  if (Status s = m->setUp(elf); !s) return s.error();
  return m;
}

void TandemMachine::put64(uint32_t addr, uint64_t v) {
  const bool ok = mem_.write(GuestPhys(addr), &v, 8);
  TANDEM_ASSERT(ok);
}

Status TandemMachine::setUp(const ElfImage& elf) {
  for (const ElfSegment& seg : elf.segments()) {
    if (!mem_.contains(GuestPhys(seg.vaddr), seg.memsz) || seg.vaddr < kRing0StackTop)
      return makeError(strf("program segment at 0x%x (+0x%x) does not fit the test machine", seg.vaddr,
                            seg.memsz));
    std::vector<uint8_t> image(seg.memsz, 0);
    std::memcpy(image.data(), seg.bytes.data(), seg.bytes.size());
    if (!mem_.write(GuestPhys(seg.vaddr), image.data(), image.size()))
      return makeError("cannot load program segment");
  }
  auto entry = elf.symbol("driver_entry");
  auto halt = elf.symbol("tandem_halt");
  if (!entry) return entry.error();
  if (!halt) return halt.error();
  halt_addr_ = *halt;

  put64(kGdtAddr + kKernelCode, flatDescriptor(0x9B));
  put64(kGdtAddr + kKernelData, flatDescriptor(0x93));
  put64(kGdtAddr + (kUserCode & ~3), flatDescriptor(0xFB));
  put64(kGdtAddr + (kUserData & ~3), flatDescriptor(0xF3));
  put64(kGdtAddr + kTssSel, systemDescriptor(kTssAddr, 0x67, 0x8B));  // busy 32-bit TSS
  // TSS: ring-0 stack, and an I/O map base beyond the limit (no port access at CPL 3).
  const uint32_t esp0 = kRing0StackTop, ss0 = kKernelData, iomap = 0x68u << 16;
  if (!mem_.write(GuestPhys(kTssAddr + 4), &esp0, 4) || !mem_.write(GuestPhys(kTssAddr + 8), &ss0, 4) ||
      !mem_.write(GuestPhys(kTssAddr + 100), &iomap, 4))
    return makeError("cannot write the TSS");
  for (unsigned v = 0; v < 32; ++v) {
    auto stub = elf.symbol(strf("tandem_vec_%u", v));
    if (!stub) return stub.error();
    // INT3 and INTO are allowed from user mode, as under Linux.
    put64(kIdtAddr + 8 * v, interruptGate(*stub, kKernelCode, v == 3 || v == 4 ? 3 : 0));
  }
  put64(kIdtAddr + 8 * 0x80, interruptGate(halt_addr_, kKernelCode, 3));

  cpu_.reset();
  CpuState s = cpu_.saveState();
  s.cr0 = cr0::PE | cr0::MP | cr0::ET | cr0::NE | cr0::WP | cr0::AM;
  s.gdtr = {kGdtAddr, kGdtEntries * 8 - 1};
  s.idtr = {kIdtAddr, 256 * 8 - 1};
  s.seg[CS] = flatCache(kUserCode, 0xFB);
  for (unsigned r : {ES, SS, DS}) s.seg[r] = flatCache(kUserData, 0xF3);
  s.seg[FS] = s.seg[GS] = SegmentCache{0, 0, 0, 0, 0};
  s.ldtr = SegmentCache{0, 0, 0, 0, 0};
  s.tr = SegmentCache{kTssAddr, 0x67, kTssSel, 0x8B, 1};
  s.eflags = fl::kFixed1 | fl::IF;
  s.eip = *entry;
  start_ = s;
  restart();
  return {};
}

TandemMachine::Outcome TandemMachine::run(uint64_t max_instructions) {
  const RunResult r = cpu_.run(max_instructions);
  if (r.reason == StopReason::kHalted)
    return cpu_.saveState().eip == halt_addr_ + 1 ? Outcome::kEnd : Outcome::kStrayHalt;
  if (r.reason == StopReason::kShutdown) return Outcome::kShutdown;
  return Outcome::kBudget;
}

void TandemMachine::restart() {
  cpu_.loadState(start_);
  cpu_.flushCaches();
}

}  // namespace tandem::diff
