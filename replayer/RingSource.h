// The backup's event source: events taken from the ring as the replay asks
// for them, waiting while the primary has not produced them yet. It notices
// the end of the stream three ways: the primary finished normally, the
// primary failed (its failure record ends the ring), or the primary's
// process is gone with the ring still open (it was killed).
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "logger/EventRing.h"
#include "logger/LogMeter.h"
#include "replayer/ReplayDoor.h"

namespace tandem {

class RingSource final : public EventSource {
 public:
  // `primary_pidfd`: a pidfd of the primary's process (-1: not watched).
  RingSource(EventRing& ring, int primary_pidfd) : ring_(ring), pidfd_(primary_pidfd) {}

  const Event* peek() override;
  void pop() override;

  // The primary's process has exited without finishing the ring.
  bool primaryGone() const;
  bool primaryDied() const { return died_; }
  const std::optional<pb::FailureRecord>& failure() const { return failure_; }

  // Every event not yet replayed that the ring holds now (up to its end
  // when the primary has finished), in order; the source is empty after.
  std::vector<Event> takeRest();
  // Events replayed since the last call (kept for a freeze from an earlier
  // checkpoint).
  std::vector<Event> takeReplayed() { return std::exchange(replayed_, {}); }
  // Forgets them (keeping the memory for the next ones).
  void dropReplayed() { replayed_.clear(); }
  const std::vector<Event>& replayed() const { return replayed_; }
  // Every event taken from the ring, measured as a bundle would store it.
  LogMeter& meter() { return meter_; }

 private:
  // Moves one record from the ring; false when there was none.
  bool pull();

  EventRing& ring_;
  int pidfd_;
  RingRecord record_;  // reused: a record holds a FailureRecord, costly to build per event
  std::deque<Event> queue_;
  LogMeter meter_;
  std::vector<Event> replayed_;
  std::optional<pb::FailureRecord> failure_;
  bool ended_ = false;
  bool died_ = false;
};

}  // namespace tandem
