// Watches a running guest for failure: the kernel's own console lines
// (panic, oops, BUG), the machine's exits (triple fault, a reset nobody
// announced) and a watchdog on progress in guest time (no interrupt taken
// and no idle wait for too long). It sees only what the machine does, so a
// replay of a recording detects the same failure at the same point.
//
// It sits in the console path (a ConsoleSink that passes bytes on) and in
// the machine's observer chain; the clock's answers reach it through
// onClock(). When it detects a failure it asks the machine to stop at its
// next poll point, which is where the failure's icount and digest are taken.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "logstore/tandem.pb.h"
#include "vmm/Machine.h"
#include "vmm/Result.h"
#include "vmm/devices/ConsoleSink.h"

namespace tandem {

struct Detection {
  pb::FailureKind kind = pb::FAILURE_KIND_UNSPECIFIED;
  uint64_t icount = 0;  // where it was noticed (the machine stops at or after it)
  std::string message;  // the console line or the watchdog's reason
  // Where the kernel's report of it began (the first line of the panic,
  // oops, BUG or soft lockup report was written out); 0 when there was no
  // report (a hang, a triple fault) or it began before this detector's
  // state was saved by a tandem that did not keep it. The kernel prints
  // its report synchronously, from the failing context with the saved
  // exception or interrupt state on its stack; by `icount` it may have
  // moved on to other tasks.
  uint64_t report_icount = 0;
};

class FailureDetector final : public ConsoleSink, public MachineObserver {
 public:
  static constexpr size_t kTailBytes = 64 * 1024;

  // `out` receives every console byte; `next` (may be null) every interrupt.
  FailureDetector(ConsoleSink& out, MachineObserver* next, uint64_t watchdog_ns);

  // The machine to stop on detection and to take icounts from.
  void attach(Machine& m) { machine_ = &m; }

  // ConsoleSink.
  void consoleWrite(uint8_t byte) override;
  // MachineObserver.
  void onInterrupt(Icount at, uint32_t eip, uint8_t vector) override;

  // The guest's clock answered `ns` at `at` (every answer, in order).
  void onClock(Icount at, uint64_t ns);
  // The guest halted and waits for an interrupt: it is idle, not hung.
  void onIdle(Icount at);
  // run() returned `exit`: triple faults and resets are judged here.
  void onExit(MachineExit exit, Icount at);

  const std::optional<Detection>& detected() const { return detected_; }
  // Where the kernel's report in progress (or detected) began; 0 if none.
  uint64_t reportIcount() const { return report_icount_; }

  // What it has seen so far (the line being written, a panic or oops in
  // progress, the watchdog's reference), to continue from a snapshot as if
  // it had watched from power-on. The console tail is not part of it.
  std::vector<uint8_t> saveState() const;
  Status restoreState(std::span<const uint8_t> bytes);
  void setNext(MachineObserver* next) { next_ = next; }
  const std::string& consoleTail() const { return tail_; }

 private:
  void line(const std::string& text);
  void detect(pb::FailureKind kind, std::string message);
  void noteReport();
  uint64_t now() const;

  ConsoleSink& out_;
  MachineObserver* next_;
  uint64_t watchdog_ns_;
  Machine* machine_ = nullptr;

  std::string line_;
  std::string tail_;
  std::optional<Detection> detected_;
  std::string panic_;   // the "Kernel panic" line, once seen
  std::string oops_;    // the first oops line of a report in progress
  uint64_t oops_ns_ = 0;
  uint64_t report_icount_ = 0;  // the first report line's, once seen
  bool restart_announced_ = false;
  uint64_t last_ns_ = 0;
  uint64_t progress_ns_ = 0;  // guest time of the last interrupt or idle wait
  bool progress_pending_ = false;
};

}  // namespace tandem
