// libFuzzer target for the gdb stub: the input is the byte stream a client
// sends (its first byte picks how many bytes each read returns), served
// by a GdbConnection against the live target on a fresh machine running
// the gdb test guest. Framing, acks, every command's argument parsing and
// the target's breakpoints, watchpoints and runs are all in reach. Runs
// end when the input is used up (the client "goes away").
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "logger/VirtualClock.h"
#include "replayer/gdb/BufferChannel.h"
#include "replayer/gdb/GdbConnection.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "vmm/Machine.h"
#include "vmm/boot/GuestLoader.h"
#include "vmm/devices/ConsoleSink.h"

namespace {

using namespace tandem;

constexpr uint64_t kRam = 2 << 20;

class NullConsole final : public ConsoleSink {
 public:
  void consoleWrite(uint8_t) override {}
};

// One machine for every input: booted once, then put back to its booted
// state before each input (building a machine costs more than a run).
class FuzzMachine {
 public:
  FuzzMachine() {
    const char* path = std::getenv("TANDEM_GDB_FUZZ_GUEST");
    if (!path) path = TANDEM_GDB_FUZZ_GUEST;
    auto m = Machine::create(MachineConfig{kRam}, clock_, console_);
    if (!m) std::abort();
    machine_ = std::move(*m);
    auto loaded = loadGuest(GuestSpec{path, "", ""}, machine_->memory());
    if (!loaded) {
      std::fprintf(stderr, "gdb fuzzer: cannot load %s: %s\n", path, loaded.error().message.c_str());
      std::abort();
    }
    machine_->cpu().loadState(loaded->entry.cpuState());
    booted_ = machine_->saveState();
    const PhysMemory& mem = machine_->memory();
    pages_.resize(mem.pageCount());
    for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn) {
      const uint8_t* page = mem.base() + pfn * kPageSize;
      for (uint32_t i = 0; i < kPageSize; ++i) {
        if (page[i]) {
          pages_[pfn].assign(page, page + kPageSize);
          break;
        }
      }
    }
    machine_->memory().clearDirty();
  }

  // The machine as it was booted: written pages back, state restored
  // (which also drops the CPU's caches, so later writes mark pages again).
  Machine& reset() {
    PhysMemory& mem = machine_->memory();
    static const std::vector<uint8_t> zero(kPageSize, 0);
    for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn) {
      if (!mem.isDirty(pfn)) continue;
      const std::vector<uint8_t>& src = pages_[pfn].empty() ? zero : pages_[pfn];
      if (!mem.write(GuestPhys(pfn * kPageSize), src.data(), kPageSize)) std::abort();
    }
    mem.clearDirty();
    clock_.setState(VirtualClockState{});
    if (!machine_->restoreState(booted_)) std::abort();
    return *machine_;
  }

 private:
  VirtualClock clock_;
  NullConsole console_;
  std::unique_ptr<Machine> machine_;
  MachineState booted_;
  std::vector<std::vector<uint8_t>> pages_;  // by frame; empty for a zero page
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzMachine fuzz_machine;
  if (size == 0) return 0;
  Machine& machine = fuzz_machine.reset();

  // Short slices, so that runs end soon after the input does.
  gdb::LiveTargetOptions options;
  options.slice = 256;
  gdb::LiveMachineTarget target(machine, options);
  size_t chunk = 1 + data[0] % 64;
  gdb::BufferChannel channel(std::span(data + 1, size - 1), chunk, false);
  gdb::GdbConnection connection(channel, target);
  connection.serve();
  return 0;
}
