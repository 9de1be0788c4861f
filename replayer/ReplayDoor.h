// The replaying door: answers the machine's questions from a recorded event
// stream instead of the host, and checks each question against the record:
// the same kind of question, at the same icount and EIP, for the same
// reason. Interrupt deliveries and machine digests are checked the same
// way. The first disagreement is a divergence: it is kept (with what was
// expected and what happened) and the machine is asked to stop.
//
// Clock readings: the recorder logs only the readings it could not predict
// from the last logged one and the rate logged with it (a ClockLine): a
// virtual clock's idle skips, a host clock's resynchronisations with the
// host's time. The door computes every other reading the same way.
//
// A replay can be left on purpose (goLive(), gdb's `monitor diverge`):
// from then on the door is a virtual clock going on from where the replay
// stood, with no console input, and nothing is checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "logger/ClockLine.h"
#include "logger/FailureDetector.h"
#include "logstore/Event.h"
#include "vmm/Door.h"
#include "vmm/Machine.h"

namespace tandem {

// Where the events come from (the ring, a bundle). peek() may block until
// the next event is known; nullptr means the stream has ended.
class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual const Event* peek() = 0;
  virtual void pop() = 0;
};

struct Divergence {
  uint64_t icount = 0;        // where the replaying machine was
  uint64_t last_match = 0;    // icount of the last digest that agreed
  std::string what;           // expected vs. happened, for people
};

class ReplayDoor final : public Door, public MachineObserver {
 public:
  // `virtual_clock`: the recording's clock mapped deadlines to icounts
  // (icountAtNs()); a host clock did not.
  ReplayDoor(EventSource& events, FailureDetector* detector, bool virtual_clock,
             int64_t boot_epoch_seconds);

  void attach(Machine& m) { machine_ = &m; }
  // Continues from a snapshot: guest time at its icount and the rate it
  // went on at (0: one nanosecond per instruction).
  void resume(Icount at, uint64_t guest_ns, uint32_t ps_per_insn);

  // Door.
  uint64_t clockNs(Icount at, ClockRead why) override;
  int64_t bootEpochSeconds() override { return boot_epoch_; }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override;
  bool inputPossible() const override { return !ended_ && !live_; }

  // MachineObserver.
  void onInterrupt(Icount at, uint32_t eip, uint8_t vector) override;

  // Where the door stands, as a checkpoint keeps it (time travel); the
  // event source's position is its owner's to keep.
  struct Position {
    uint64_t last_ns;
    uint64_t last_match;
    uint64_t digests;
    uint64_t replayed;
    ClockLine clock;
    uint32_t ended;
    uint32_t diverged;
    uint32_t live;
    uint32_t reserved;  // always 0
  };
  static_assert(std::is_trivially_copyable_v<Position>);
  Position position() const;
  // Back to a saved position; a divergence after it is forgotten.
  void setPosition(const Position& p);

  // Stops replaying: the machine runs on live from here (see above).
  void goLive() { live_ = true; }
  bool live() const { return live_; }

  const std::optional<Divergence>& divergence() const { return divergence_; }
  // The machine asked for an event after the last one.
  bool ended() const { return ended_; }
  uint64_t lastNs() const { return last_ns_; }
  // Guest time at `at` as the clock computes it (a snapshot's guest time).
  uint64_t guestNsAt(Icount at) const { return line_.at(at); }
  // The rate guest time goes on at from the last reading.
  uint32_t psPerInstruction() const override { return line_.ps_per_insn; }
  uint64_t lastMatchIcount() const { return last_match_; }
  uint64_t digestsChecked() const { return digests_; }
  uint64_t eventsReplayed() const { return replayed_; }

 private:
  // The next event if it is of type T at `at`; else null. With `required`,
  // running out of events ends the replay.
  template <typename T>
  const T* next(Icount at, bool required);
  void diverge(Icount at, const std::string& expected, const std::string& happened);
  std::string describeNext();
  void checkDigest(Icount at);
  // Answers a clock question: the logged reading if there is one for it,
  // else the computed one.
  uint64_t answer(Icount at, ClockRead why);
  void setTime(Icount at, uint64_t guest_ns, uint32_t ps_per_insn);

  EventSource& events_;
  FailureDetector* detector_;
  int64_t boot_epoch_;
  bool virtual_clock_;
  ClockLine line_ = ClockLine::from(Icount(0), 0, 0);  // computes the readings the log leaves out
  Machine* machine_ = nullptr;
  std::optional<Divergence> divergence_;
  bool ended_ = false;
  bool live_ = false;
  uint64_t last_ns_ = 0;
  uint64_t last_match_ = 0;
  uint64_t digests_ = 0;
  uint64_t replayed_ = 0;
};

// "clock read (tsc) = 123 ns at icount 5 eip c1000000", for messages.
std::string describeEvent(const Event& e);

}  // namespace tandem
