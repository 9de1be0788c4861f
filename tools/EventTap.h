// A door that answers from another door and keeps its answers as events
// (logstore/Event.h), together with the interrupts the machine delivered:
// the event list of a run that is not recorded, so that diagnosis can show
// what led to a failure. Only the latest `max_events` are kept. Like the
// recorder, it tells a failure detector the clock's answers and idle waits.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "logger/FailureDetector.h"
#include "logstore/Event.h"
#include "vmm/Door.h"
#include "vmm/Machine.h"

namespace tandem::cli {

class EventTap final : public Door, public MachineObserver {
 public:
  // About two seconds of a guest writing to its console (the kernel reads
  // the TSC in its delay loops a million times a second).
  static constexpr size_t kDefaultMaxEvents = 2'000'000;

  explicit EventTap(Door& inner, FailureDetector* detector = nullptr,
                    size_t max_events = kDefaultMaxEvents)
      : inner_(inner), detector_(detector), max_events_(max_events) {}
  // The CPU whose EIP stamps the events.
  void attach(const Cpu* cpu) { cpu_ = cpu; }

  uint64_t clockNs(Icount at, ClockRead why) override;
  int64_t bootEpochSeconds() override { return inner_.bootEpochSeconds(); }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override { return inner_.icountAtNs(ns); }
  bool inputPossible() const override { return inner_.inputPossible(); }
  uint32_t psPerInstruction() const override { return inner_.psPerInstruction(); }
  void hostPaused(uint64_t ns) override { inner_.hostPaused(ns); }
  void onInterrupt(Icount at, uint32_t eip, uint8_t vector) override;

  // Oldest first.
  std::vector<Event> events() const { return {events_.begin(), events_.end()}; }
  // What the tap holds, to go back to it later (with the machine's state).
  const std::deque<Event>& saved() const { return events_; }
  void restore(std::deque<Event> events) { events_ = std::move(events); }

 private:
  void add(Event e);
  uint32_t eip() const { return cpu_ ? cpu_->currentEip() : 0; }

  Door& inner_;
  FailureDetector* detector_;
  size_t max_events_;
  const Cpu* cpu_ = nullptr;
  std::deque<Event> events_;
};

}  // namespace tandem::cli
