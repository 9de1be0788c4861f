// The gdb stub's test guest (guest/tests/gdb_target.asm) booted on a real
// machine with the virtual clock, with its symbols read from the ELF file,
// and a SessionIo that keeps what a session sends.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "logger/VirtualClock.h"
#include "replayer/gdb/GdbSession.h"
#include "vmm/Machine.h"
#include "vmm/devices/ConsoleSink.h"

namespace tandem::gdb::test {

// The guest's high alias of low memory (see gdb_target.asm).
constexpr uint32_t kHigh = 0xC0000000;

class GdbTestGuest : public ConsoleSink {
 public:
  GdbTestGuest();

  // The address of a global symbol of the guest; fails the test if absent.
  uint32_t symbol(const std::string& name) const;

  void consoleWrite(uint8_t byte) override { console += static_cast<char>(byte); }

  VirtualClock clock;
  std::unique_ptr<Machine> machine;
  std::map<std::string, uint32_t> symbols;
  std::string console;
};

// Collects the packets a session sends ahead of its reply, and says
// whether to interrupt a run (after `interrupt_after` polls; -1: never).
class RecordingIo : public SessionIo {
 public:
  void sendPacket(std::string_view payload) override { sent.emplace_back(payload); }
  bool interruptRequested() override {
    ++polls;
    return interrupt_after >= 0 && polls > interrupt_after;
  }
  // The text of the 'O' packets sent so far.
  std::string consoleText() const;

  std::vector<std::string> sent;
  int polls = 0;
  int interrupt_after = -1;
};

// Little-endian hex of a 32-bit value, as registers and memory travel.
std::string hex32(uint32_t v);

}  // namespace tandem::gdb::test
