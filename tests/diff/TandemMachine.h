// Runs a test program on tandem's CPU: guest RAM holding the program's ELF
// segments at their link addresses, a GDT whose selectors match what Linux
// gives a 32-bit process (user code 0x23, user data 0x2b), a TSS for the
// ring-0 stack, and an IDT whose exception gates lead to the program's
// `tandem_vec_N` stubs and whose INT 0x80 gate leads to `tandem_halt`. The
// CPU starts at `driver_entry` in protected mode at CPL 3 with IOPL 0,
// paging off, flat segments: what the program sees natively as a Linux
// process. Nothing else is attached: ports and MMIO read all-ones, the TSC
// is the instruction count, no interrupt is ever raised.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/diff/ElfImage.h"
#include "vmm/PhysMemory.h"
#include "vmm/Result.h"
#include "vmm/cpu/Cpu.h"
#include "vmm/cpu/CpuBus.h"

namespace tandem::diff {

// The bus of a machine with nothing on it.
class EmptyBus : public CpuBus {
 public:
  uint32_t ioRead(uint16_t, unsigned) override { return 0xFFFFFFFFu; }
  void ioWrite(uint16_t, unsigned, uint32_t) override {}
  uint32_t mmioRead(GuestPhys, unsigned) override { return 0xFFFFFFFFu; }
  void mmioWrite(GuestPhys, unsigned, uint32_t) override {}
  uint64_t readTsc(Icount now) override { return now.value(); }
  uint8_t acknowledgeInterrupt() override { return 0; }
};

class TandemMachine {
 public:
  static constexpr uint64_t kRamBytes = 64ull << 20;

  // Loads the program and puts the CPU at `driver_entry`.
  static Result<std::unique_ptr<TandemMachine>> create(const ElfImage& elf);

  enum class Outcome {
    kEnd,        // halted in `tandem_halt`: the program finished
    kBudget,     // the instructions ran out first
    kShutdown,   // triple fault
    kStrayHalt,  // halted anywhere else
  };
  // Runs up to `max_instructions` more instructions.
  Outcome run(uint64_t max_instructions);
  // Puts the CPU back at `driver_entry` in its initial state; memory stays.
  void restart();
  std::string describe() { return cpu_.describe(); }
  // Retires one instruction (one iteration of a REP string instruction).
  RunResult step() { return cpu_.run(1); }

  CpuState state() { return cpu_.saveState(); }
  uint32_t eflags() { return cpu_.eflags(); }
  uint64_t icount() const { return cpu_.icount().value(); }
  [[nodiscard]] bool read(uint32_t addr, void* out, size_t len) const {
    return mem_.read(GuestPhys(addr), out, len);
  }
  [[nodiscard]] bool write(uint32_t addr, const void* in, size_t len) {
    cpu_.invalidateCode(GuestPhys(addr), len);
    return mem_.write(GuestPhys(addr), in, len);
  }

 private:
  TandemMachine() : mem_(kRamBytes), cpu_(mem_, bus_) {}
  Status setUp(const ElfImage& elf);
  void put64(uint32_t addr, uint64_t v);

  PhysMemory mem_;
  EmptyBus bus_;
  Cpu cpu_;
  uint32_t halt_addr_ = 0;
  CpuState start_{};
};

}  // namespace tandem::diff
