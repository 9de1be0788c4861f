#include "replayer/RingSource.h"

#include <poll.h>
#include <time.h>

namespace tandem {

bool RingSource::pull() {
  RingRecord& r = record_;
  if (!ring_.pop(r)) return false;
  if (r.kind == RingRecord::kEvent) {
    meter_.add(r.event);
    queue_.push_back(std::move(r.event));
  } else {
    failure_ = std::move(r.failure);
    ended_ = true;
  }
  return true;
}

bool RingSource::primaryGone() const {
  if (pidfd_ < 0) return false;
  pollfd p{pidfd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

const Event* RingSource::peek() {
  for (;;) {
    if (!queue_.empty()) return &queue_.front();
    if (ended_) return nullptr;
    if (pull()) continue;
    if (ring_.producerState() != ProducerState::kRunning) {
      // Records pushed before the state changed are visible now.
      if (!pull()) ended_ = true;
      continue;
    }
    if (primaryGone()) {
      if (!pull()) ended_ = died_ = true;
      continue;
    }
    // Everything the primary logged is replayed: it must not wait for this
    // backup (it may be waiting for it to come closer right now).
    ring_.setConsumerNs(ring_.publishedNs());
    timespec ts{0, 50'000};
    nanosleep(&ts, nullptr);
  }
}

void RingSource::pop() {
  replayed_.push_back(std::move(queue_.front()));
  queue_.pop_front();
}

std::vector<Event> RingSource::takeRest() {
  while (!ended_ && pull()) {
  }
  std::vector<Event> rest(std::make_move_iterator(queue_.begin()),
                          std::make_move_iterator(queue_.end()));
  queue_.clear();
  return rest;
}

}  // namespace tandem
