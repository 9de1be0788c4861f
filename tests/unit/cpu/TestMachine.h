// A CPU with flat RAM and a recording bus, for instruction-level tests.
// Code is assembled with nasm at test time so tests read as assembly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vmm/PhysMemory.h"
#include "vmm/cpu/Cpu.h"

namespace tandem::test {

// Assembles `source` (nasm syntax, flat binary) with `org`. Aborts the test
// binary with a message when nasm fails (a broken test, not a CPU bug).
std::vector<uint8_t> assemble(const std::string& source, uint32_t org);

class RecordingBus : public CpuBus {
 public:
  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, unsigned size, uint32_t value) override;
  uint32_t mmioRead(GuestPhys addr, unsigned size) override { return ~0u >> (32 - 8 * size); }
  void mmioWrite(GuestPhys addr, unsigned size, uint32_t value) override {}
  uint64_t readTsc(Icount now) override { return now.value() * 3; }
  uint8_t acknowledgeInterrupt() override {
    ++acks;
    return vector;
  }

  std::vector<std::pair<uint16_t, uint32_t>> writes;  // (port, value)
  std::map<uint16_t, uint32_t> port_values;           // what reads return
  std::string serial;                                 // bytes written to port 0x3F8
  uint8_t vector = 0x20;
  int acks = 0;
};

class TestMachine {
 public:
  static constexpr uint32_t kCodeBase = 0x10000;
  static constexpr uint32_t kGdtBase = 0x800;
  static constexpr uint32_t kStackTop = 0x9F000;

  explicit TestMachine(uint64_t ram = 4 << 20);

  // Puts the CPU in 32-bit protected mode with flat ring-0 segments (CS
  // 0x08, data 0x10), paging off, ESP = kStackTop, and loads `source` at
  // kCodeBase (prepended with `bits 32`).
  void loadProtected(const std::string& source);
  // Real mode, CS=DS=ES=SS=0, IP = kCodeBase & 0xFFFF... code at 0x1000:0.
  void loadReal(const std::string& source);

  // Runs until HLT or `max` instructions.
  RunResult runToHalt(uint64_t max = 1000000);

  uint32_t reg(unsigned r) { return cpu.st.gpr[r]; }
  uint32_t flags() { return cpu.eflags(); }
  uint32_t read32(uint32_t phys);
  void write32(uint32_t phys, uint32_t v);
  void writeBytes(uint32_t phys, const std::vector<uint8_t>& bytes);

  PhysMemory mem;
  RecordingBus bus;
  Cpu cpu;
};

}  // namespace tandem::test
