#include "tools/HeadlessGuest.h"

#include <algorithm>
#include <cstring>

#include "logstore/FailureSignature.h"

namespace tandem::cli {
namespace {
// Instructions between looks at the console.
constexpr uint64_t kSlice = 5'000'000;
}  // namespace

HeadlessGuest::~HeadlessGuest() = default;

Result<std::unique_ptr<HeadlessGuest>> HeadlessGuest::boot(const GuestSpec& spec, uint64_t ram_bytes,
                                                           uint64_t watchdog_ns) {
  std::unique_ptr<HeadlessGuest> g(new HeadlessGuest(watchdog_ns));
  auto m = Machine::create(MachineConfig{ram_bytes}, g->tap_, g->detector_);
  if (!m) return m.error();
  g->machine_ = std::move(*m);
  g->tap_.attach(&g->machine_->cpu());
  g->detector_.attach(*g->machine_);
  g->machine_->setObserver(&g->detector_);
  auto loaded = loadGuest(spec, g->machine_->memory());
  if (!loaded) return loaded.error();
  g->machine_->cpu().loadState(loaded->entry.cpuState());
  return g;
}

Result<size_t> HeadlessGuest::runUntilOutput(std::string_view text, size_t from,
                                             uint64_t max_icount) {
  size_t scan_from = std::min(from, console_.size());
  for (;;) {
    size_t at = console_.find(text, scan_from);
    if (at != std::string::npos) return at + text.size();
    // Text that arrives next may complete a partial match at the end.
    scan_from = std::max(scan_from, console_.size() >= text.size() ? console_.size() - text.size() + 1 : 0);
    uint64_t now = machine_->icount().value();
    if (now >= max_icount)
      return makeError("the console did not show '" + std::string(text) + "' by icount " +
                       std::to_string(max_icount));
    MachineExit exit = run(std::min(max_icount, now + kSlice));
    if (exit == MachineExit::kLimit || console_.find(text, scan_from) != std::string::npos) continue;
    std::string why = detector_.detected() ? failureKindName(detector_.detected()->kind) + ": " +
                                                 detector_.detected()->message
                                           : std::string(machineExitName(exit));
    return makeError("the guest stopped (" + why + ") before its console showed '" + std::string(text) + "'");
  }
}

MachineExit HeadlessGuest::run(uint64_t until) {
  MachineExit exit = machine_->run(until);
  if (exit == MachineExit::kReset || exit == MachineExit::kTripleFault) detector_.onExit(exit, machine_->icount());
  return exit;
}

MachineExit HeadlessGuest::runUntilExit(uint64_t max_icount) { return run(max_icount); }

FailureRun HeadlessGuest::runUntilFailure(uint64_t max_icount) {
  FailureRun out;
  for (;;) {
    uint64_t now = machine_->icount().value();
    if (now >= max_icount) return out;
    out.exit = run(std::min(max_icount, now + kSlice));
    out.failure = detector_.detected();
    if (out.failure || out.exit != MachineExit::kLimit) return out;
  }
}

Result<HeadlessGuest::Saved> HeadlessGuest::save() {
  if (clock_.pendingInput() != 0)
    return makeError("cannot save a guest with console input still to be read");
  if (detector_.detected()) return makeError("cannot save a guest that has failed");
  PhysMemory& mem = machine_->memory();
  Saved s{machine_->saveState(), std::vector<uint8_t>(mem.base(), mem.base() + mem.size()),
          clock_.state(), console_.size(), tap_.saved(), detector_.saveState()};
  return s;
}

Status HeadlessGuest::restore(const Saved& s) {
  PhysMemory& mem = machine_->memory();
  if (s.ram.size() != mem.size() || s.console_bytes > console_.size())
    return makeError("the saved state is not from this guest");
  if (Status st = machine_->restoreState(s.machine); !st) return st;
  if (Status st = detector_.restoreState(s.detector); !st) return st;
  // A stop the detector asked for and no run took up yet.
  (void)machine_->run(machine_->icount().value());
  std::memcpy(mem.base(), s.ram.data(), s.ram.size());
  clock_.setState(s.clock);
  uint8_t drop[256];
  while (clock_.pendingInput() != 0) clock_.serialInput(machine_->icount(), drop, sizeof drop);
  console_.resize(s.console_bytes);
  tap_.restore(s.events);
  return Status();
}

void HeadlessGuest::type(std::string_view input) {
  clock_.feedInput(std::span(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
}

}  // namespace tandem::cli
