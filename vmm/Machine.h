// The board: guest RAM, the CPU and the PC devices, wired together, and the
// loop that runs them. Everything the guest can observe that the machine
// cannot compute from its own state comes through the Door.
//
// Determinism: the machine polls the door for the time only at points fixed
// by the instruction count (the start of each run slice), and slices end
// either at a device deadline computed from an icount-derived clock or after
// a fixed number of instructions. Interrupts are therefore raised at the
// same instruction boundaries whenever the door answers the same.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vmm/Door.h"
#include "vmm/IoBus.h"
#include "vmm/PhysMemory.h"
#include "vmm/Result.h"
#include "vmm/cpu/Cpu.h"
#include "vmm/devices/PcDevices.h"
#include "vmm/devices/StateBlob.h"

namespace tandem {

struct MachineConfig {
  uint64_t ram_bytes = 128ull << 20;
};

enum class MachineExit {
  kLimit,        // reached the requested icount
  kPowerOff,     // halted with interrupts disabled, or a power-off request
  kReset,        // a reset request (keyboard controller, port 0x92, 0xCF9)
  kTripleFault,  // shutdown after a triple fault
  kIdle,         // halted with interrupts enabled but nothing that could wake it
  kStopped,      // Machine::requestStop()
  kDebug,        // a debugger's breakpoint or watch (Cpu::debugStop() says which)
};

const char* machineExitName(MachineExit e);

// Told about what happens inside a run that recording and diagnosis need.
class MachineObserver {
 public:
  virtual ~MachineObserver() = default;
  // An external interrupt is being delivered to the CPU at `at` (before the
  // instruction at `eip`).
  virtual void onInterrupt(Icount at, uint32_t eip, uint8_t vector) = 0;
};

// The board's own state: where the next poll point is and what the
// devices have asked of the machine. Saved among the device blobs under
// the name "board", so whatever stores device blobs stores it too.
struct BoardState {
  uint64_t next_poll_icount;  // the machine polls the door when icount reaches this
  uint32_t pending;           // Machine::Pending
  uint32_t reset_source;      // ResetSource of the last reset request
};
static_assert(kIsPlainState<BoardState>);

// Everything of a machine but its RAM, as plain data: the devices' blobs
// and the board's ("board").
struct MachineState {
  CpuState cpu;
  std::vector<DeviceBlob> devices;
};

class Machine final : public CpuBus,
                      private DeviceClock,
                      private InterruptOutput,
                      private MachineControl {
 public:
  // Instructions between clock polls when the clock follows wall time.
  static constexpr uint64_t kPollInterval = 200000;

  static Result<std::unique_ptr<Machine>> create(const MachineConfig& config, Door& door,
                                                 ConsoleSink& console);
  ~Machine() override;

  // Runs until an exit condition or until icount reaches `until_icount`.
  // Where run() stops has no effect on the guest: poll points follow from
  // the machine's state alone, so a run cut into pieces, or saved and
  // restored between pieces, executes exactly as one uninterrupted run.
  MachineExit run(uint64_t until_icount = UINT64_MAX) { return runUntil(until_icount, false); }
  // Runs until the machine stands at a poll point (the poll there not yet
  // done), where a saved machine is easiest to reason about: the run that
  // goes on from there and the restored one both start with that poll.
  // Returns kLimit when it got there.
  MachineExit runToPollPoint() { return runUntil(UINT64_MAX, true); }
  bool atPollPoint() const { return cpu_.icount().value() >= board_.next_poll_icount; }
  // Makes run() return kStopped at its next poll point. Safe to call from
  // another thread or a signal handler.
  void requestStop() { stop_request_.store(true, std::memory_order_relaxed); }

  // Power-on reset of the CPU and devices (RAM is kept).
  void reset();

  static constexpr const char* kBoardBlob = "board";
  MachineState saveState();
  // A state without a board blob (saved by an older tandem) is taken to
  // stand at a poll point.
  Status restoreState(const MachineState& s);

  PhysMemory& memory() { return mem_; }
  Cpu& cpu() { return cpu_; }
  PcDevices& devices() { return *devices_; }
  Icount icount() const { return cpu_.icount(); }
  const MachineConfig& config() const { return config_; }
  // Why the last reset was requested (valid after run() returned kReset).
  ResetSource lastResetSource() const { return static_cast<ResetSource>(board_.reset_source); }

  // CpuBus.
  uint32_t ioRead(uint16_t port, unsigned size) override { return ports_.read(port, size); }
  void ioWrite(uint16_t port, unsigned size, uint32_t value) override {
    ports_.write(port, size, value);
  }
  uint32_t mmioRead(GuestPhys addr, unsigned size) override {
    return mmio_.read(addr.value(), size);
  }
  void mmioWrite(GuestPhys addr, unsigned size, uint32_t value) override {
    mmio_.write(addr.value(), size, value);
  }
  uint64_t readTsc(Icount now) override;
  uint8_t acknowledgeInterrupt() override {
    uint8_t v = devices_->acknowledgeInterrupt();
    if (observer_) observer_->onInterrupt(cpu_.icount(), cpu_.currentEip(), v);
    return v;
  }
  // At most one observer; nullptr removes it.
  void setObserver(MachineObserver* o) { observer_ = o; }

 private:
  Machine(const MachineConfig& config, Door& door, ConsoleSink& console);

  // DeviceClock, InterruptOutput, MachineControl.
  uint64_t nowNs(ClockRead why) override { return door_.clockNs(cpu_.icount(), why); }
  void setIntr(bool asserted) override { cpu_.setIntr(asserted); }
  void requestReset(ResetSource source) override;
  void requestPowerOff() override;
  void setA20(A20Source source, bool enabled) override;
  void applyA20();

  // One poll point: time to the devices, input to the UART. Returns the
  // instructions to run until the next poll point.
  uint64_t poll();
  MachineExit runUntil(uint64_t until_icount, bool stop_at_poll);

  MachineConfig config_;
  Door& door_;
  ConsoleSink& console_;
  PhysMemory mem_;
  IoBus ports_;
  IoBus mmio_;
  Cpu cpu_;
  std::unique_ptr<PcDevices> devices_;
  MachineObserver* observer_ = nullptr;

  enum Pending : uint32_t { kNone, kReset, kPowerOff };
  BoardState board_{};
  std::atomic<bool> stop_request_{false};
};

}  // namespace tandem
