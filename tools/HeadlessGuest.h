// A guest booted under the virtual clock with its console captured instead
// of shown: run until the console prints a text, type into it, inspect the
// machine, go back to a state saved earlier. Two boots with the same input
// are identical, which makes it the way commands and tests reach a known
// guest state. What the guest received (clock readings, console input,
// interrupts) is kept as an event list, as a recording would keep it, and
// the failure detector a recording uses (logger/FailureDetector.h) watches
// it: a run stops at the first failure it detects.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "logger/FailureDetector.h"
#include "logger/VirtualClock.h"
#include "tools/EventTap.h"
#include "vmm/Machine.h"
#include "vmm/boot/GuestLoader.h"

namespace tandem::cli {

struct FailureRun {
  MachineExit exit = MachineExit::kLimit;  // kStopped where a failure was detected
  std::optional<Detection> failure;
};

class HeadlessGuest final : private ConsoleSink {
 public:
  // Guest time without an interrupt or an idle wait that is a hang, as
  // `tandem record` counts it by default.
  static constexpr uint64_t kDefaultWatchdogNs = 10'000'000'000;

  static Result<std::unique_ptr<HeadlessGuest>> boot(const GuestSpec& spec, uint64_t ram_bytes,
                                                     uint64_t watchdog_ns = kDefaultWatchdogNs);
  ~HeadlessGuest() override;

  // Runs until the console output after `from` contains `text`. Returns the
  // position just past the text, or an error naming the exit, the failure
  // or the icount limit that came first.
  Result<size_t> runUntilOutput(std::string_view text, size_t from, uint64_t max_icount);
  // Runs until the machine stops by itself (reset, power-off, ...), a
  // failure is detected, or the icount limit; returns why it stopped.
  MachineExit runUntilExit(uint64_t max_icount);
  // Runs until the failure detector sees a failure (the machine is left
  // where it stopped for it), the machine stops otherwise, or the limit.
  FailureRun runUntilFailure(uint64_t max_icount);
  const std::optional<Detection>& failure() const { return detector_.detected(); }
  // Where a kernel failure report began that the detector has seen; 0 if none.
  uint64_t reportIcount() const { return detector_.reportIcount(); }
  // Bytes the guest will read from its console, in order.
  void type(std::string_view input);

  Machine& machine() { return *machine_; }
  // Everything the guest wrote on its console, with "\r\n" as the guest sent it.
  const std::string& console() const { return console_; }
  // The latest events, oldest first; the tap also observes interrupts
  // (give it as `next` to another observer of the machine).
  EventTap& events() { return tap_; }

  // The whole guest at one moment: machine, RAM, clock, console and events.
  struct Saved {
    MachineState machine;
    std::vector<uint8_t> ram;
    VirtualClockState clock;
    size_t console_bytes;
    std::deque<Event> events;
    std::vector<uint8_t> detector;
  };
  // Only with no console input pending (the state restored would not have
  // it) and before a failure.
  Result<Saved> save();
  // Back to a state saved from this guest; later events, console output
  // and input not yet read are forgotten.
  Status restore(const Saved& s);

 private:
  explicit HeadlessGuest(uint64_t watchdog_ns) : detector_(*this, &tap_, watchdog_ns) {}
  void consoleWrite(uint8_t byte) override { console_.push_back(static_cast<char>(byte)); }
  // One slice of run(), with the exits the detector judges passed to it.
  MachineExit run(uint64_t until);

  VirtualClock clock_;
  std::string console_;
  // Console: machine -> detector -> console_. Interrupts: machine ->
  // detector -> tap. Clock answers: tap -> detector.
  EventTap tap_{clock_, &detector_};
  FailureDetector detector_;
  std::unique_ptr<Machine> machine_;
};

}  // namespace tandem::cli
