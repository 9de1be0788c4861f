#include "replayer/gdb/LiveMachineTarget.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "vmm/MachineDigest.h"

namespace tandem::gdb {
namespace {

constexpr const char* kNeedsRecording =
    "not available on a live machine (it needs a recorded bundle: tandem gdb BUNDLE)";

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
  uint64_t a_end = uint64_t{a} + alen, b_end = uint64_t{b} + blen;
  return a < b_end && b < a_end;
}

bool kindMatches(WatchKind w, Access a) {
  switch (w) {
    case WatchKind::kWrite: return a == Access::kWrite;
    case WatchKind::kRead: return a == Access::kRead;
    case WatchKind::kAccess: return a == Access::kRead || a == Access::kWrite;
  }
  return false;
}

}  // namespace

LiveMachineTarget::LiveMachineTarget(Machine& machine, LiveTargetOptions options)
    : machine_(machine), options_(options) {
  options_.slice = std::max<uint64_t>(options_.slice, 1);
  options_.steps_per_poll = std::max<uint64_t>(options_.steps_per_poll, 1);
}

LiveMachineTarget::~LiveMachineTarget() {
  if (!breakpoints_.empty() || !watchpoints_.empty()) machine_.cpu().setDebugger(nullptr);
}

I386Registers LiveMachineTarget::registers() {
  return registersFromCpu(machine_.cpu().saveState());
}

Status LiveMachineTarget::checkWritable() const {
  if (!options_.allow_writes)
    return makeError("this machine is read-only: writes to registers and memory are refused");
  return {};
}

Status LiveMachineTarget::writeRegisters(const I386Registers& regs) {
  if (Status s = checkWritable(); !s) return s;
  CpuState s = machine_.cpu().saveState();
  if (const char* reg = applyRegisters(regs, s))
    return makeError(std::string("register ") + reg + " cannot be changed from the debugger");
  machine_.cpu().loadState(s);
  return {};
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
    case MachineExit::kDebugger:
      e.signal = gdb_signal::kInt;
      return e;
  }
  ended_ = e;
  return e;
}

MachineExit LiveMachineTarget::runIn(Mode mode, uint64_t instructions) {
  mode_ = mode;
  if (mode == Mode::kStepping) ++single_steps_;
  step_icount_ = machine_.icount().value();
  step_eip_ = machine_.cpu().st.eip;
  MachineExit exit = machine_.run(step_icount_ + instructions);
  mode_ = Mode::kIdle;
  return exit;
}

std::optional<StopEvent> LiveMachineTarget::stopAfter(MachineExit exit) {
  std::optional<StopEvent> end;
  if (exit != MachineExit::kLimit && exit != MachineExit::kDebugger) end = machineEnded(exit);
  if (hit_) {
    // The access came first; the end (kept in ended_) is reported next time.
    StopEvent e;
    e.kind = StopEvent::Kind::kWatchpoint;
    e.watch = hit_->kind;
    e.watch_address = hit_->address;
    hit_.reset();
    return e;
  }
  return end;
}

const LiveMachineTarget::Breakpoint* LiveMachineTarget::breakpointAt(uint32_t eip) const {
  if (!std::binary_search(break_addresses_.begin(), break_addresses_.end(), eip)) return nullptr;
  for (const Breakpoint& b : breakpoints_)
    if (b.address == eip) return &b;
  return nullptr;
}

bool LiveMachineTarget::nearBreakpoint(uint32_t eip, uint32_t linear) const {
  if (break_addresses_.empty()) return false;
  // The EIP values of the linear page: [lo, lo + 4095], modulo 2^32.
  uint32_t lo = eip - (linear & (kPageSize - 1));
  uint32_t hi = lo + (kPageSize - 1);
  auto it = std::lower_bound(break_addresses_.begin(), break_addresses_.end(), lo);
  if (lo <= hi) return it != break_addresses_.end() && *it <= hi;
  return it != break_addresses_.end() || break_addresses_.front() <= hi;
}

uint32_t LiveMachineTarget::linearEip() const {
  const CpuState& st = machine_.cpu().st;
  return st.seg[CS].base + st.eip;
}

Result<StopEvent> LiveMachineTarget::resume(ResumeAction action, InterruptPoll& poll) {
  if (action == ResumeAction::kReverseStep || action == ResumeAction::kReverseContinue)
    return makeError(std::string("reverse execution is ") + kNeedsRecording);
  if (ended_) return *ended_;
  if (action == ResumeAction::kStep) {
    MachineExit exit = runIn(Mode::kStepping, 1);
    if (auto e = stopAfter(exit)) return *e;
    if (const Breakpoint* b = exit == MachineExit::kDebugger ? breakpointAt(machine_.cpu().st.eip) : nullptr) {
      StopEvent e;
      e.kind = StopEvent::Kind::kBreakpoint;
      e.breakpoint = b->kind;
      return e;
    }
    return StopEvent{};  // SIGTRAP
  }
  if (!breakpoints_.empty() || !watchpoints_.empty()) return continueWatched(poll);
  StopEvent interrupted;
  interrupted.signal = gdb_signal::kInt;
  for (;;) {
    MachineExit exit = runIn(Mode::kRunning, options_.slice);
    if (exit != MachineExit::kLimit) return machineEnded(exit);
    if (poll.interruptRequested()) return interrupted;
  }
}

Result<StopEvent> LiveMachineTarget::continueWatched(InterruptPoll& poll) {
  uint64_t polled_at = machine_.icount().value();
  uint64_t stops = 0;
  for (uint64_t n = 0;; ++n) {
    uint32_t eip = machine_.cpu().st.eip;
    // The first instruction always runs: a breakpoint at the starting EIP
    // is the one gdb continues from.
    if (n > 0) {
      if (const Breakpoint* b = breakpointAt(eip)) {
        StopEvent e;
        e.kind = StopEvent::Kind::kBreakpoint;
        e.breakpoint = b->kind;
        return e;
      }
    }
    // Step through pages with breakpoints; run freely elsewhere until the
    // CPU enters one.
    bool near = nearBreakpoint(eip, linearEip());
    MachineExit exit = near ? runIn(Mode::kStepping, 1) : runIn(Mode::kRunning, options_.slice);
    if (auto e = stopAfter(exit)) return *e;
    uint64_t now = machine_.icount().value();
    if (++stops >= options_.steps_per_poll || now - polled_at >= options_.slice) {
      stops = 0;
      polled_at = now;
      if (poll.interruptRequested()) {
        StopEvent e;
        e.signal = gdb_signal::kInt;
        return e;
      }
    }
  }
}

Status LiveMachineTarget::insertBreakpoint(BreakKind kind, uint32_t address) {
  for (const Breakpoint& b : breakpoints_)
    if (b.address == address && b.kind == kind) return {};
  if (breakpoints_.size() >= kMaxBreakpoints)
    return makeError(format("too many breakpoints (at most %zu)", kMaxBreakpoints));
  breakpoints_.push_back({address, kind});
  debuggerChanged();
  return {};
}

Status LiveMachineTarget::removeBreakpoint(BreakKind kind, uint32_t address) {
  size_t before = breakpoints_.size();
  std::erase_if(breakpoints_,
                [&](const Breakpoint& b) { return b.address == address && b.kind == kind; });
  if (breakpoints_.size() != before) debuggerChanged();
  return {};
}

void LiveMachineTarget::debuggerChanged() {
  break_addresses_.clear();
  for (const Breakpoint& b : breakpoints_) break_addresses_.push_back(b.address);
  std::sort(break_addresses_.begin(), break_addresses_.end());
  // Attached only while something is set: the CPU runs at full speed
  // otherwise. Attaching again flushes the TLB for the new watched pages.
  bool any = !breakpoints_.empty() || !watchpoints_.empty();
  machine_.cpu().setDebugger(any ? this : nullptr);
}

Status LiveMachineTarget::insertWatchpoint(WatchKind kind, uint32_t address, uint32_t length) {
  for (const Watchpoint& w : watchpoints_)
    if (w.address == address && w.length == length && w.kind == kind) return {};
  if (watchpoints_.size() >= kMaxWatchpoints)
    return makeError(format("too many watchpoints (at most %zu)", kMaxWatchpoints));
  watchpoints_.push_back({address, length, kind});
  debuggerChanged();
  return {};
}

Status LiveMachineTarget::removeWatchpoint(WatchKind kind, uint32_t address, uint32_t length) {
  size_t before = watchpoints_.size();
  std::erase_if(watchpoints_, [&](const Watchpoint& w) {
    return w.address == address && w.length == length && w.kind == kind;
  });
  if (watchpoints_.size() != before) debuggerChanged();
  return {};
}

void LiveMachineTarget::clearBreakpointsAndWatchpoints() {
  breakpoints_.clear();
  watchpoints_.clear();
  debuggerChanged();
}

bool LiveMachineTarget::stopBefore(uint32_t eip, uint32_t linear) {
  switch (mode_) {
    case Mode::kStepping:
      // Within a step, only after an interrupt or exception moved EIP to a
      // handler: a breakpoint there stops before the handler runs.
      if (machine_.icount().value() == step_icount_ && eip == step_eip_) return false;
      return breakpointAt(eip) != nullptr;
    case Mode::kRunning: return nearBreakpoint(eip, linear);
    case Mode::kIdle: return false;
  }
  return false;
}

bool LiveMachineTarget::watchesPage(uint32_t page) {
  for (const Watchpoint& w : watchpoints_)
    if (overlaps(page, kPageSize, w.address, w.length)) return true;
  return false;
}

bool LiveMachineTarget::dataAccess(uint32_t linear, unsigned size, Access access) {
  if (hit_) return true;
  for (const Watchpoint& w : watchpoints_) {
    if (!kindMatches(w.kind, access) || !overlaps(linear, size, w.address, w.length)) continue;
    // The first watched byte the access touched.
    hit_ = WatchHit{w.kind, std::max(linear, w.address)};
    return true;
  }
  return false;
}

Result<std::string> LiveMachineTarget::monitorIcount() {
  return format("icount %llu\n", static_cast<unsigned long long>(machine_.icount().value()));
}

Result<std::string> LiveMachineTarget::monitorSeek(uint64_t) {
  return makeError(std::string("seek is ") + kNeedsRecording);
}

Result<std::string> LiveMachineTarget::monitorEvents(uint64_t) {
  return makeError(std::string("events are ") + kNeedsRecording);
}

Result<std::string> LiveMachineTarget::monitorDigest() {
  return format("digest %016llx at icount %llu\n",
                static_cast<unsigned long long>(machineDigest(machine_)),
                static_cast<unsigned long long>(machine_.icount().value()));
}

Result<std::string> LiveMachineTarget::monitorDiverge() {
  return makeError(std::string("diverge is ") + kNeedsRecording);
}

std::string LiveMachineTarget::describe() {
  return format("target: a live machine (%llu MiB RAM%s), at icount %llu; it runs forward only",
                static_cast<unsigned long long>(machine_.memory().size() >> 20),
                options_.allow_writes ? "" : ", read-only",
                static_cast<unsigned long long>(machine_.icount().value()));
}

}  // namespace tandem::gdb
