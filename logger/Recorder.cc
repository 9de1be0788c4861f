#include "logger/Recorder.h"

#include "logger/MachineDigest.h"
#include "logstore/BundleFormat.h"

namespace tandem {

Recorder::Recorder(Door& live, EventRing& ring, FailureDetector& detector,
                   RecorderOptions options)
    : live_(live),
      ring_(ring),
      detector_(detector),
      options_(options),
      next_digest_(options.digest_interval ? options.digest_interval : UINT64_MAX) {}

void Recorder::log(Icount at, EventBody body) {
  paused(ring_.push(Event{at, eip(), std::move(body)}));
  ++events_;
}

void Recorder::paused(uint64_t ns) {
  // The guest stood still while the ring made the primary wait.
  if (ns) live_.hostPaused(ns);
}

void Recorder::answered(Icount at, ClockRead why, uint64_t ns) {
  // Only what the replay cannot compute from icount and the last logged
  // reading is logged.
  uint32_t ps = live_.psPerInstruction();
  if (ns != shadow_.at(at) || ps != shadow_.ps_per_insn) {
    log(at, ClockReadingEvent{why, ns, ps == ClockLine::kDefaultPs ? 0 : ps});
    shadow_ = ClockLine::from(at, ns, ps);
  }
  last_ns_ = ns;
  paused(ring_.publish(at, ns));
  detector_.onClock(at, ns);
}

uint64_t Recorder::clockNs(Icount at, ClockRead why) {
  uint64_t ns = live_.clockNs(at, why);
  answered(at, why, ns);
  if (why == ClockRead::kPoll && at.value() >= next_digest_ && machine_) {
    Sha256Digest d = machineDigest(*machine_);
    log(at, MachineDigestEvent{std::vector<uint8_t>(d.begin(), d.end())});
    ++digests_;
    next_digest_ = (at.value() / options_.digest_interval + 1) * options_.digest_interval;
  }
  return ns;
}

size_t Recorder::serialInput(Icount at, uint8_t* out, size_t max) {
  size_t n = live_.serialInput(at, out, std::min<size_t>(max, kMaxSerialInputBytes));
  if (n) log(at, SerialInputEvent{std::vector<uint8_t>(out, out + n)});
  return n;
}

void Recorder::idleUntil(Icount at, uint64_t deadline_ns) {
  detector_.onIdle(at);
  live_.idleUntil(at, deadline_ns);
  // The wait moved guest time on: the replay learns by how much here.
  answered(at, ClockRead::kIdle, live_.clockNs(at, ClockRead::kIdle));
}

void Recorder::onInterrupt(Icount at, uint32_t eip, uint8_t vector) {
  paused(ring_.push(Event{at, eip, InterruptDeliveryEvent{vector}}));
  ++events_;
}

}  // namespace tandem
