// A small deterministic machine for time travel tests: the virtual clock,
// 8 MiB of RAM, and a program that writes pseudo-random words all over
// 1-5 MiB, stores its iteration count at kCounter every 256 iterations
// (from kCounterStore; the code then reaches kMarker), and puts a '.' on
// the console every 1024 iterations. Two of them run identically.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "logger/VirtualClock.h"
#include "replayer/HistoryConsole.h"
#include "replayer/VirtualClockCheckpoints.h"
#include "vmm/Machine.h"
#include "logger/MachineDigest.h"

namespace tandem::test {

class ScribblerMachine : public ConsoleSink {
 public:
  static constexpr uint32_t kLoop = 0x10040;          // top of the loop
  static constexpr uint32_t kCounterStore = 0x10066;  // mov [kCounter], esi
  static constexpr uint32_t kMarker = 0x10080;        // after each counter store
  static constexpr uint32_t kCounter = 0x20000;

  ScribblerMachine();

  void consoleWrite(uint8_t byte) override { console += static_cast<char>(byte); }
  uint32_t counter() const;
  Sha256Digest digest() { return machineDigest(*machine); }

  VirtualClock clock;
  VirtualClockCheckpoints clock_state{clock};
  HistoryConsole history{*this};
  std::unique_ptr<Machine> machine;
  std::string console;
};

// Digests of a second machine like it, run straight to each icount.
class ScribblerReference {
 public:
  Sha256Digest digestAt(uint64_t icount);

 private:
  std::unique_ptr<ScribblerMachine> m_;
  std::map<uint64_t, Sha256Digest> digests_;
};

}  // namespace tandem::test
