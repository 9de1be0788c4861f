#include "replayer/gdb/LiveMachineTarget.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "logger/MachineDigest.h"

namespace tandem::gdb {
namespace {

constexpr const char* kNeedsRecording =
    "not available on a live machine (it needs a recorded bundle: tandem gdb BUNDLE)";
constexpr const char* kNeedsTimeTravel =
    "not available: this machine has no time travel (it needs --clock virtual or a recording)";

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
  uint64_t a_end = uint64_t{a} + alen, b_end = uint64_t{b} + blen;
  return a < b_end && b < a_end;
}

}  // namespace

LiveMachineTarget::LiveMachineTarget(Machine& machine, LiveTargetOptions options,
                                     TimeTravel* time_travel)
    : machine_(machine), options_(options), time_travel_(time_travel) {
  options_.slice = std::max<uint64_t>(options_.slice, 1);
}

LiveMachineTarget::~LiveMachineTarget() { clearBreakpointsAndWatchpoints(); }

I386Registers LiveMachineTarget::registers() {
  return registersFromCpu(machine_.cpu().saveState());
}

Status LiveMachineTarget::checkWritable() const {
  if (options_.allow_writes || live()) return {};
  if (options_.recording)
    return makeError("this machine replays a recording and is read-only: writes to registers "
                     "and memory are refused (monitor diverge runs it live from here)");
  return makeError("this machine is read-only: writes to registers and memory are refused");
}

uint64_t LiveMachineTarget::historyEnd() const {
  return live() ? UINT64_MAX : options_.end_icount;
}

Status LiveMachineTarget::writeRegisters(const I386Registers& regs) {
  if (Status s = checkWritable(); !s) return s;
  CpuState s = machine_.cpu().saveState();
  if (const char* reg = applyRegisters(regs, s))
    return makeError(std::string("register ") + reg + " cannot be changed from the debugger");
  machine_.cpu().loadState(s);
  rewritten();
  return {};
}

void LiveMachineTarget::rewritten() {
  if (time_travel_) time_travel_->rewrite();
}

size_t LiveMachineTarget::readMemory(uint32_t address, std::span<uint8_t> out) {
  Cpu& cpu = machine_.cpu();
  size_t done = 0;
  while (done < out.size()) {
    uint32_t lin = address + static_cast<uint32_t>(done);
    size_t chunk = std::min<size_t>(out.size() - done, kPageSize - (lin & (kPageSize - 1)));
    uint64_t phys;
    // Only RAM: reading a device register could change the device.
    if (!cpu.debugTranslate(lin, &phys) ||
        !machine_.memory().read(GuestPhys(phys), out.data() + done, chunk))
      break;
    done += chunk;
  }
  return done;
}

Status LiveMachineTarget::writeMemory(uint32_t address, std::span<const uint8_t> data) {
  if (Status s = checkWritable(); !s) return s;
  Cpu& cpu = machine_.cpu();
  struct Piece {
    uint64_t phys;
    size_t offset, length;
  };
  std::vector<Piece> pieces;
  // Every page first, so that a write either happens whole or not at all.
  for (size_t done = 0; done < data.size();) {
    uint32_t lin = address + static_cast<uint32_t>(done);
    size_t chunk = std::min<size_t>(data.size() - done, kPageSize - (lin & (kPageSize - 1)));
    uint64_t phys;
    if (!cpu.debugTranslate(lin, &phys) || !machine_.memory().contains(GuestPhys(phys), chunk))
      return makeError(format("cannot write at 0x%08x: not mapped to RAM", lin));
    pieces.push_back({phys, done, chunk});
    done += chunk;
  }
  for (const Piece& p : pieces) {
    (void)machine_.memory().write(GuestPhys(p.phys), data.data() + p.offset, p.length);
    cpu.invalidateCode(GuestPhys(p.phys), p.length);
  }
  rewritten();
  return {};
}

Status LiveMachineTarget::readPhysical(uint64_t address, std::span<uint8_t> out) {
  if (!machine_.memory().read(GuestPhys(address), out.data(), out.size()))
    return makeError(format("physical 0x%" PRIx64 "+%zu is not all guest RAM (%" PRIu64 " MiB)",
                            address, out.size(), machine_.memory().size() >> 20));
  return {};
}

StopEvent LiveMachineTarget::machineEnded(MachineExit exit) {
  unsigned long long at = machine_.icount().value();
  StopEvent e;
  switch (exit) {
    case MachineExit::kPowerOff:
      e.kind = StopEvent::Kind::kExited;
      e.exit_code = 0;
      e.note = format("tandem: the guest powered off at icount %llu", at);
      break;
    case MachineExit::kReset:
      e.signal = gdb_signal::kAbrt;
      e.note = format("tandem: the guest asked for a reset (%s) at icount %llu; the machine stays here",
                      resetSourceName(machine_.lastResetSource()), at);
      break;
    case MachineExit::kTripleFault:
      e.signal = gdb_signal::kSegv;
      e.note = format("tandem: triple fault at icount %llu; the machine stays here", at);
      break;
    case MachineExit::kIdle:
      e.signal = gdb_signal::kStop;
      e.note = format("tandem: the guest halted with nothing left to wake it at icount %llu", at);
      break;
    case MachineExit::kLimit:
    case MachineExit::kStopped:
    case MachineExit::kDebug:
      e.signal = gdb_signal::kInt;
      return e;
  }
  ended_ = e;
  return e;
}

std::optional<StopEvent> LiveMachineTarget::stopFor(MachineExit exit) {
  if (exit == MachineExit::kLimit) return std::nullopt;
  if (exit == MachineExit::kDebug) return debugStop(machine_.cpu().debugStop());
  return machineEnded(exit);
}

StopEvent LiveMachineTarget::debugStop(const DebugStop& d) {
  StopEvent e;
  if (d.breakpoint) {
    e.kind = StopEvent::Kind::kBreakpoint;
    for (const Breakpoint& b : breakpoints_)
      if (b.address == d.address) e.breakpoint = b.kind;
    return e;
  }
  // The CPU names the access; gdb wants the watchpoint it matched.
  bool write = d.access == kWatchWrite;
  e.kind = StopEvent::Kind::kWatchpoint;
  e.watch = write ? WatchKind::kWrite : WatchKind::kRead;
  e.watch_address = d.address;
  for (const Watchpoint& w : watchpoints_) {
    if (!overlaps(d.address, 1, w.address, w.length)) continue;
    if (w.kind == WatchKind::kAccess || (w.kind == WatchKind::kWrite) == write) {
      e.watch = w.kind;
      break;
    }
  }
  return e;
}

MachineExit LiveMachineTarget::runTo(uint64_t icount) {
  return time_travel_ ? time_travel_->run(icount) : machine_.run(icount);
}

Result<StopEvent> LiveMachineTarget::reverse(ResumeAction action, InterruptPoll& poll) {
  if (!time_travel_) return makeError(std::string("reverse execution is ") + kNeedsTimeTravel);
  TimeTravel& tt = *time_travel_;
  auto interrupted = [&poll] { return poll.interruptRequested(); };
  StopEvent e;
  if (action == ResumeAction::kReverseStep) {
    if (tt.now() <= tt.start()) {
      e.kind = StopEvent::Kind::kHistoryBegin;
      return e;
    }
    ended_.reset();
    if (tt.seek(tt.now() - 1, interrupted) != MachineExit::kLimit) e.signal = gdb_signal::kInt;
    return e;  // SIGTRAP
  }
  ended_.reset();
  ReverseStop r = tt.reverseContinue(interrupted);
  switch (r.kind) {
    case ReverseStop::Kind::kDebug: return debugStop(r.debug);
    case ReverseStop::Kind::kHistoryBegin: e.kind = StopEvent::Kind::kHistoryBegin; break;
    case ReverseStop::Kind::kInterrupted: e.signal = gdb_signal::kInt; break;
  }
  return e;
}

Result<StopEvent> LiveMachineTarget::resume(ResumeAction action, InterruptPoll& poll) {
  if (action == ResumeAction::kReverseStep || action == ResumeAction::kReverseContinue)
    return reverse(action, poll);
  if (ended_) return *ended_;
  StopEvent history_end;
  history_end.kind = StopEvent::Kind::kHistoryEnd;
  if (machine_.icount().value() >= historyEnd()) return history_end;
  if (action == ResumeAction::kStep) {
    if (auto e = stopFor(runTo(machine_.icount().value() + 1))) return *e;
    return StopEvent{};  // SIGTRAP
  }
  for (;;) {
    // Asked again each slice: a run can pass from the replay into a live
    // stretch of history.
    const uint64_t end = historyEnd();
    uint64_t now = machine_.icount().value();
    if (now >= end) return history_end;
    if (auto e = stopFor(runTo(now + std::min(options_.slice, end - now)))) return *e;
    if (poll.interruptRequested()) {
      StopEvent e;
      e.signal = gdb_signal::kInt;
      return e;
    }
  }
}

void LiveMachineTarget::breakpointsChanged() {
  std::vector<uint32_t> addresses;
  for (const Breakpoint& b : breakpoints_) addresses.push_back(b.address);
  if (time_travel_) time_travel_->setBreakpoints(std::move(addresses));
  else machine_.cpu().setBreakpoints(std::move(addresses));
}

void LiveMachineTarget::watchpointsChanged() {
  std::vector<DataWatch> watches;
  for (const Watchpoint& w : watchpoints_) {
    uint8_t kind = w.kind == WatchKind::kWrite ? kWatchWrite
                   : w.kind == WatchKind::kRead ? kWatchRead
                                                : kWatchAccess;
    watches.push_back(DataWatch{w.address, w.length, kind, -1});
  }
  if (time_travel_) time_travel_->setWatches(std::move(watches));
  else machine_.cpu().setWatches(std::move(watches));
}

Status LiveMachineTarget::insertBreakpoint(BreakKind kind, uint32_t address) {
  for (const Breakpoint& b : breakpoints_)
    if (b.address == address && b.kind == kind) return {};
  if (breakpoints_.size() >= kMaxBreakpoints)
    return makeError(format("too many breakpoints (at most %zu)", kMaxBreakpoints));
  breakpoints_.push_back({address, kind});
  breakpointsChanged();
  return {};
}

Status LiveMachineTarget::removeBreakpoint(BreakKind kind, uint32_t address) {
  size_t before = breakpoints_.size();
  std::erase_if(breakpoints_,
                [&](const Breakpoint& b) { return b.address == address && b.kind == kind; });
  if (breakpoints_.size() != before) breakpointsChanged();
  return {};
}

Status LiveMachineTarget::insertWatchpoint(WatchKind kind, uint32_t address, uint32_t length) {
  for (const Watchpoint& w : watchpoints_)
    if (w.address == address && w.length == length && w.kind == kind) return {};
  if (watchpoints_.size() >= kMaxWatchpoints)
    return makeError(format("too many watchpoints (at most %zu)", kMaxWatchpoints));
  watchpoints_.push_back({address, length, kind});
  watchpointsChanged();
  return {};
}

Status LiveMachineTarget::removeWatchpoint(WatchKind kind, uint32_t address, uint32_t length) {
  size_t before = watchpoints_.size();
  std::erase_if(watchpoints_, [&](const Watchpoint& w) {
    return w.address == address && w.length == length && w.kind == kind;
  });
  if (watchpoints_.size() != before) watchpointsChanged();
  return {};
}

void LiveMachineTarget::clearBreakpointsAndWatchpoints() {
  breakpoints_.clear();
  watchpoints_.clear();
  breakpointsChanged();
  watchpointsChanged();
}

Result<std::string> LiveMachineTarget::monitorIcount() {
  return format("icount %llu\n", static_cast<unsigned long long>(machine_.icount().value()));
}

Result<std::string> LiveMachineTarget::monitorSeek(uint64_t icount, InterruptPoll& poll) {
  if (!time_travel_) return makeError(std::string("seek is ") + kNeedsTimeTravel);
  TimeTravel& tt = *time_travel_;
  if (icount < tt.start())
    return makeError(format("icount %llu is before the start of history (icount %llu)",
                            static_cast<unsigned long long>(icount),
                            static_cast<unsigned long long>(tt.start())));
  if (icount > historyEnd())
    return makeError(format("icount %llu is past the end of history (icount %llu)",
                            static_cast<unsigned long long>(icount),
                            static_cast<unsigned long long>(historyEnd())));
  ended_.reset();
  MachineExit exit = tt.seek(icount, [&poll] { return poll.interruptRequested(); });
  auto at = static_cast<unsigned long long>(tt.now());
  // gdb keeps the registers it read before the command.
  constexpr const char* kStale =
      "gdb's registers are stale until the next stop (maintenance flush register-cache)";
  if (exit == MachineExit::kLimit) return format("at icount %llu; %s\n", at, kStale);
  if (exit != MachineExit::kStopped) machineEnded(exit);
  return format("stopped at icount %llu (%s) before icount %llu; %s\n", at,
                exit == MachineExit::kStopped ? "interrupted" : machineExitName(exit),
                static_cast<unsigned long long>(icount), kStale);
}

Result<std::string> LiveMachineTarget::monitorEvents(uint64_t count) {
  if (!options_.recording) return makeError(std::string("events are ") + kNeedsRecording);
  return options_.recording->nextEvents(count);
}

Result<std::string> LiveMachineTarget::monitorDigest() {
  return format("digest %s at icount %llu\n", tandem::toHex(machineDigest(machine_)).c_str(),
                static_cast<unsigned long long>(machine_.icount().value()));
}

Result<std::string> LiveMachineTarget::monitorDiverge() {
  if (!options_.recording) return makeError(std::string("diverge is ") + kNeedsRecording);
  auto at = static_cast<unsigned long long>(machine_.icount().value());
  if (live()) return format("the guest already runs live at icount %llu\n", at);
  options_.recording->goLive();
  // The recording's future is forgotten; a checkpoint here keeps the live door.
  ended_.reset();
  rewritten();
  return format("the guest runs live from icount %llu: registers and memory can be written, "
                "and it runs past the recording's end (going back before icount %llu replays "
                "the recording again)\n",
                at, at);
}

std::string LiveMachineTarget::describe() {
  std::string out =
      format("target: %s (%llu MiB RAM%s), at icount %llu", options_.what.c_str(),
             static_cast<unsigned long long>(machine_.memory().size() >> 20),
             options_.allow_writes ? ""
             : live()             ? ", live: diverged from the recording"
                                  : ", read-only",
             static_cast<unsigned long long>(machine_.icount().value()));
  if (!time_travel_) return out + "; it runs forward only";
  const CheckpointStore& cps = time_travel_->checkpoints();
  return out + format("; history from icount %llu to %llu, %zu checkpoints in %.1f of %.1f MiB",
                      static_cast<unsigned long long>(time_travel_->start()),
                      static_cast<unsigned long long>(time_travel_->frontier()), cps.size(),
                      cps.bytes() / 1048576.0, cps.budget() / 1048576.0);
}

}  // namespace tandem::gdb
