#include "replayer/ReplayDoor.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "logger/MachineDigest.h"
#include "logstore/Sha256.h"

namespace tandem {
namespace {

std::string where(Icount at, uint32_t eip) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " at icount %" PRIu64 " eip %08x", at.value(), eip);
  return buf;
}

}  // namespace

std::string describeEvent(const Event& e) {
  std::string what = std::visit(
      [](const auto& b) -> std::string {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, ClockReadingEvent>)
          return std::string("clock read (") + clockReadName(b.reason) + ") = " +
                 std::to_string(b.value_ns) + " ns";
        else if constexpr (std::is_same_v<T, SerialInputEvent>)
          return "serial input of " + std::to_string(b.data.size()) + " bytes";
        else if constexpr (std::is_same_v<T, InterruptRaiseEvent>)
          return "irq " + std::to_string(b.irq) + " raised";
        else if constexpr (std::is_same_v<T, InterruptDeliveryEvent>)
          return "interrupt vector " + std::to_string(b.vector) + " taken";
        else if constexpr (std::is_same_v<T, MachineDigestEvent>)
          return "machine digest " + toHex(std::span<const uint8_t>(b.sha256)).substr(0, 16);
        else
          return "an event of a kind this tandem does not know";
      },
      e.body);
  return what + where(e.icount, e.eip);
}

ReplayDoor::ReplayDoor(EventSource& events, FailureDetector* detector, bool virtual_clock,
                       int64_t boot_epoch_seconds)
    : events_(events),
      detector_(detector),
      boot_epoch_(boot_epoch_seconds),
      virtual_clock_(virtual_clock) {}

ReplayDoor::Position ReplayDoor::position() const {
  return Position{last_ns_, last_match_, digests_, replayed_, line_, ended_,
                  divergence_.has_value(), live_, 0};
}

void ReplayDoor::setPosition(const Position& p) {
  last_ns_ = p.last_ns;
  last_match_ = p.last_match;
  digests_ = p.digests;
  replayed_ = p.replayed;
  line_ = p.clock;
  ended_ = p.ended != 0;
  live_ = p.live != 0;
  if (!p.diverged) divergence_.reset();
}

void ReplayDoor::resume(Icount at, uint64_t guest_ns, uint32_t ps_per_insn) {
  // The snapshot is where the replay starts agreeing with the recording.
  if (last_match_ < at.value()) last_match_ = at.value();
  setTime(at, guest_ns, ps_per_insn);
}

void ReplayDoor::setTime(Icount at, uint64_t guest_ns, uint32_t ps_per_insn) {
  last_ns_ = guest_ns;
  line_ = ClockLine::from(at, guest_ns, ps_per_insn);
}

template <typename T>
const T* ReplayDoor::next(Icount at, bool required) {
  const Event* e = events_.peek();
  if (!e) {
    // Only a question the recording must have answered ends the replay;
    // looking for an event that may or may not follow does not.
    if (required) {
      ended_ = true;
      if (machine_) machine_->requestStop();
    }
    return nullptr;
  }
  if (e->icount != at) return nullptr;
  return std::get_if<T>(&e->body);
}

std::string ReplayDoor::describeNext() {
  const Event* e = events_.peek();
  return e ? describeEvent(*e) : std::string("the end of the log");
}

void ReplayDoor::diverge(Icount at, const std::string& expected, const std::string& happened) {
  if (divergence_) return;
  divergence_ = Divergence{at.value(), last_match_,
                           "expected " + expected + ", but replay saw " + happened};
  if (machine_) machine_->requestStop();
}

uint64_t ReplayDoor::answer(Icount at, ClockRead why) {
  uint64_t ns = line_.at(at);
  const Event* e = events_.peek();
  const ClockReadingEvent* c = e && e->icount == at ? std::get_if<ClockReadingEvent>(&e->body) : nullptr;
  // A logged reading for this question; anything else means the recording
  // got what the clock computes.
  if (c && c->reason == why) {
    uint32_t eip = machine_ ? machine_->cpu().currentEip() : 0;
    if (e->eip != eip) {
      diverge(at, describeEvent(*e),
              std::string("clock read (") + clockReadName(why) + ")" + where(at, eip));
      return last_ns_;
    }
    ns = c->value_ns;
    uint32_t ps = c->ps_per_insn;
    events_.pop();
    ++replayed_;
    setTime(at, ns, ps);
  }
  last_ns_ = ns;
  if (detector_) detector_->onClock(at, ns);
  return ns;
}

uint64_t ReplayDoor::clockNs(Icount at, ClockRead why) {
  if (live_) {
    last_ns_ = line_.at(at);
    if (detector_) detector_->onClock(at, last_ns_);
    return last_ns_;
  }
  if (divergence_) return last_ns_;
  uint64_t ns = answer(at, why);
  if (why == ClockRead::kPoll && !divergence_) checkDigest(at);
  return ns;
}

void ReplayDoor::checkDigest(Icount at) {
  const MachineDigestEvent* d = next<MachineDigestEvent>(at, false);
  if (!d || !machine_) return;
  Sha256Digest mine = machineDigest(*machine_);
  bool same = d->sha256.size() == mine.size() &&
              std::memcmp(d->sha256.data(), mine.data(), mine.size()) == 0;
  std::string expected = describeNext();
  events_.pop();
  ++replayed_;
  ++digests_;
  if (same) {
    last_match_ = at.value();
  } else {
    diverge(at, expected,
            "machine digest " + toHex(std::span<const uint8_t>(mine)).substr(0, 16) +
                where(at, machine_->cpu().currentEip()));
  }
}

size_t ReplayDoor::serialInput(Icount at, uint8_t* out, size_t max) {
  if (live_ || divergence_ || ended_) return 0;
  const SerialInputEvent* s = next<SerialInputEvent>(at, false);
  if (!s) return 0;
  uint32_t eip = machine_ ? machine_->cpu().currentEip() : 0;
  if (s->data.size() > max || events_.peek()->eip != eip) {
    diverge(at, describeNext(),
            "room for " + std::to_string(max) + " bytes of serial input" + where(at, eip));
    return 0;
  }
  size_t n = s->data.size();
  std::memcpy(out, s->data.data(), n);
  events_.pop();
  ++replayed_;
  return n;
}

void ReplayDoor::idleUntil(Icount at, uint64_t deadline_ns) {
  if (detector_) detector_->onIdle(at);
  if (live_) {
    // A virtual clock's idle wait: straight to the deadline, if there is one.
    if (deadline_ns != UINT64_MAX && deadline_ns > line_.at(at))
      line_ = ClockLine::from(at, deadline_ns, line_.ps_per_insn);
  } else if (!divergence_) {
    answer(at, ClockRead::kIdle);
  }
}

std::optional<uint64_t> ReplayDoor::icountAtNs(uint64_t ns) const {
  if (!virtual_clock_ && !live_) return std::nullopt;
  return line_.firstIcountAt(ns);
}

void ReplayDoor::onInterrupt(Icount at, uint32_t eip, uint8_t vector) {
  if (live_ || divergence_ || ended_) return;
  const InterruptDeliveryEvent* d = next<InterruptDeliveryEvent>(at, true);
  if (!d || d->vector != vector || events_.peek()->eip != eip) {
    if (!ended_)
      diverge(at, describeNext(),
              "interrupt vector " + std::to_string(vector) + " taken" + where(at, eip));
    return;
  }
  events_.pop();
  ++replayed_;
}

}  // namespace tandem
