// The recorder: a door that passes every question to the live door behind
// it and logs the answer, stamped with icount and EIP, into the ring; and
// the machine's observer, logging each interrupt the CPU takes. Every so
// many instructions (at the first poll point after each multiple of the
// digest interval) it also logs a digest of the whole machine, so the
// backup can prove it is still in step.
//
// A reading is logged only when it differs from what the last logged
// reading and its rate give (a ClockLine), or when the clock's rate
// changed, and the replayer computes every other reading the same way: a
// virtual clock logs only its idle skips, a host clock its
// resynchronisations with the host's time. Every idle wait logs where guest
// time stands after it when that moved.
#pragma once

#include <cstdint>

#include "logger/ClockLine.h"
#include "logger/EventRing.h"
#include "logger/FailureDetector.h"
#include "vmm/Door.h"
#include "vmm/Machine.h"

namespace tandem {

struct RecorderOptions {
  uint64_t digest_interval = 1ull << 30; // instructions between digests; 0: none
};

class Recorder final : public Door, public MachineObserver {
 public:
  Recorder(Door& live, EventRing& ring, FailureDetector& detector, RecorderOptions options);

  void attach(Machine& m) { machine_ = &m; }

  // Door.
  uint64_t clockNs(Icount at, ClockRead why) override;
  int64_t bootEpochSeconds() override { return live_.bootEpochSeconds(); }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override { return live_.icountAtNs(ns); }
  bool inputPossible() const override { return live_.inputPossible(); }
  uint32_t psPerInstruction() const override { return live_.psPerInstruction(); }
  void hostPaused(uint64_t ns) override { live_.hostPaused(ns); }

  // MachineObserver.
  void onInterrupt(Icount at, uint32_t eip, uint8_t vector) override;

  uint64_t events() const { return events_; }
  uint64_t digests() const { return digests_; }
  uint64_t lastNs() const { return last_ns_; }

 private:
  void log(Icount at, EventBody body);
  void paused(uint64_t ns);
  void answered(Icount at, ClockRead why, uint64_t ns);
  uint32_t eip() const { return machine_ ? machine_->cpu().currentEip() : 0; }

  Door& live_;
  EventRing& ring_;
  FailureDetector& detector_;
  RecorderOptions options_;
  Machine* machine_ = nullptr;
  ClockLine shadow_ = ClockLine::from(Icount(0), 0, 0);  // what the replay will compute
  uint64_t next_digest_;
  uint64_t last_ns_ = 0;
  uint64_t events_ = 0;
  uint64_t digests_ = 0;
};

}  // namespace tandem
