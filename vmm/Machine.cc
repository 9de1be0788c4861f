#include "vmm/Machine.h"

#include <algorithm>

#include "vmm/Log.h"
#include "vmm/cpu/CpuInline.h"

namespace tandem {

const char* machineExitName(MachineExit e) {
  switch (e) {
    case MachineExit::kLimit: return "icount limit";
    case MachineExit::kPowerOff: return "power-off";
    case MachineExit::kReset: return "reset";
    case MachineExit::kTripleFault: return "triple fault";
    case MachineExit::kIdle: return "halted for good";
    case MachineExit::kStopped: return "stopped";
    case MachineExit::kDebug: return "debugger stop";
  }
  return "?";
}

Machine::Machine(const MachineConfig& config, Door& door, ConsoleSink& console)
    : config_(config),
      door_(door),
      console_(console),
      mem_(config.ram_bytes),
      ports_("port", 0x10000),
      mmio_("mmio", uint64_t{1} << 32),
      cpu_(mem_, *this) {}

Machine::~Machine() = default;

Result<std::unique_ptr<Machine>> Machine::create(const MachineConfig& config, Door& door,
                                                 ConsoleSink& console) {
  if (config.ram_bytes < (2ull << 20) || config.ram_bytes > (3ull << 30))
    return makeError("guest memory must be between 2 MiB and 3 GiB");
  std::unique_ptr<Machine> m(new Machine(config, door, console));
  PcWiring wiring{*m, *m, console, *m};
  auto devices = PcDevices::build(m->ports_, wiring,
                                  PcDeviceConfig{door.bootEpochSeconds(), config.ram_bytes});
  if (!devices) return devices.error();
  m->devices_ = std::move(devices.value());
  m->reset();
  return m;
}

void Machine::reset() {
  devices_->resetAll();
  cpu_.reset();
  board_ = BoardState{};
  applyA20();
}

uint64_t Machine::readTsc(Icount now) {
  // A 1 GHz time-stamp counter: one tick per guest nanosecond.
  return door_.clockNs(now, ClockRead::kTsc);
}

void Machine::requestReset(ResetSource source) {
  board_.reset_source = static_cast<uint32_t>(source);
  board_.pending = kReset;
  cpu_.requestStop();
}

void Machine::requestPowerOff() {
  board_.pending = kPowerOff;
  cpu_.requestStop();
}

void Machine::setA20(A20Source, bool) { applyA20(); }

void Machine::applyA20() {
  uint32_t mask = devices_->a20Enabled() ? 0xFFFFFFFFu : ~(1u << 20);
  if (cpu_.st.a20_mask != mask) {
    cpu_.st.a20_mask = mask;
    cpu_.flushCaches();
  }
}

uint64_t Machine::poll() {
  Icount at = cpu_.icount();
  uint64_t now = door_.clockNs(at, ClockRead::kPoll);
  devices_->advance(now);
  size_t room = devices_->com1.rxSpace();
  if (room > 0) {
    uint8_t buf[16];
    size_t n = door_.serialInput(at, buf, std::min(room, sizeof buf));
    for (size_t k = 0; k < n; ++k) devices_->com1.receive(buf[k], now);
  }
  uint64_t slice = kPollInterval;
  uint64_t deadline = devices_->nextDeadlineNs();
  if (deadline != kNoDeadline) {
    if (auto target = door_.icountAtNs(deadline)) {
      uint64_t until = *target > at.value() ? *target - at.value() : 1;
      if (until < slice) slice = until;
    }
  }
  return slice;
}

MachineExit Machine::runUntil(uint64_t until_icount, bool stop_at_poll) {
  for (;;) {
    if (board_.pending == kReset) {
      board_.pending = kNone;
      return MachineExit::kReset;
    }
    if (board_.pending == kPowerOff) {
      board_.pending = kNone;
      return MachineExit::kPowerOff;
    }
    if (stop_request_.exchange(false, std::memory_order_relaxed)) return MachineExit::kStopped;
    uint64_t at = cpu_.icount().value();
    if (at >= until_icount) return MachineExit::kLimit;

    if (at >= board_.next_poll_icount) {
      if (stop_at_poll) return MachineExit::kLimit;
      board_.next_poll_icount = at + poll();
    }
    uint64_t end = std::min(board_.next_poll_icount, until_icount);
    RunResult r = cpu_.run(end - at);
    // Anything but the budget ends the slice: poll again at once. A
    // debugger's stop is invisible to the guest: the schedule stays.
    if (r.reason != StopReason::kBudget && r.reason != StopReason::kDebug)
      board_.next_poll_icount = cpu_.icount().value();
    switch (r.reason) {
      case StopReason::kBudget:
      case StopReason::kRequested:
        break;
      case StopReason::kShutdown:
        return MachineExit::kTripleFault;
      case StopReason::kDebug:
        return MachineExit::kDebug;
      case StopReason::kHalted:
        // With interrupts disabled nothing can wake the CPU: Linux ends a
        // power-off this way when no firmware interface is present.
        if (!(cpu_.st.eflags & fl::IF)) return MachineExit::kPowerOff;
        if (devices_->nextDeadlineNs() == kNoDeadline && !door_.inputPossible())
          return MachineExit::kIdle;
        door_.idleUntil(cpu_.icount(), devices_->nextDeadlineNs());
        break;
    }
  }
}

MachineState Machine::saveState() {
  MachineState s{cpu_.saveState(), devices_->saveAll()};
  s.devices.push_back({kBoardBlob, saveBlob(board_)});
  return s;
}

Status Machine::restoreState(const MachineState& s) {
  BoardState board{s.cpu.icount, kNone, 0};
  std::vector<DeviceBlob> devices;
  for (const DeviceBlob& b : s.devices) {
    if (b.name != kBoardBlob) {
      devices.push_back(b);
    } else if (Status st = loadBlob(b.state, kBoardBlob, &board); !st) {
      return st;
    }
  }
  if (board.pending > kPowerOff) return badState(kBoardBlob, "bad pending request");
  if (board.reset_source > static_cast<uint32_t>(ResetSource::kResetControl))
    return badState(kBoardBlob, "bad reset source");
  if (Status st = devices_->restoreAll(devices); !st) return st;
  cpu_.loadState(s.cpu);
  board_ = board;
  applyA20();
  return Status();
}

}  // namespace tandem
