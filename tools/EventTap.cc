#include "tools/EventTap.h"

namespace tandem::cli {

void EventTap::add(Event e) {
  if (max_events_ == 0) return;
  if (events_.size() == max_events_) events_.pop_front();
  events_.push_back(std::move(e));
}

uint64_t EventTap::clockNs(Icount at, ClockRead why) {
  uint64_t ns = inner_.clockNs(at, why);
  add({at, eip(), ClockReadingEvent{why, ns}});
  if (detector_) detector_->onClock(at, ns);
  return ns;
}

void EventTap::idleUntil(Icount at, uint64_t deadline_ns) {
  if (detector_) detector_->onIdle(at);
  inner_.idleUntil(at, deadline_ns);
}

size_t EventTap::serialInput(Icount at, uint8_t* out, size_t max) {
  size_t n = inner_.serialInput(at, out, max);
  if (n > 0) add({at, eip(), SerialInputEvent{std::vector<uint8_t>(out, out + n)}});
  return n;
}

void EventTap::onInterrupt(Icount at, uint32_t eip, uint8_t vector) {
  add({at, eip, InterruptDeliveryEvent{vector}});
}

}  // namespace tandem::cli
