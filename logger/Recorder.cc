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
  ring_.push(Event{at, eip(), std::move(body)});
  ++events_;
}

uint64_t Recorder::clockNs(Icount at, ClockRead why) {
  uint64_t ns = live_.clockNs(at, why);
  last_ns_ = ns;
  log(at, ClockReadingEvent{why, ns});
  if (why == ClockRead::kPoll && at.value() >= next_digest_ && machine_) {
    Sha256Digest d = machineDigest(*machine_);
    log(at, MachineDigestEvent{std::vector<uint8_t>(d.begin(), d.end())});
    ++digests_;
    next_digest_ = (at.value() / options_.digest_interval + 1) * options_.digest_interval;
  }
  ring_.publish(at, ns);
  detector_.onClock(at, ns);
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
}

void Recorder::onInterrupt(Icount at, uint32_t eip, uint8_t vector) {
  ring_.push(Event{at, eip, InterruptDeliveryEvent{vector}});
  ++events_;
}

}  // namespace tandem
