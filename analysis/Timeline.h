// The events that led to a failure, placed in guest time: interrupts the
// CPU took, bytes that arrived on the console, clock readings and digests,
// from the event list a bundle (or a watched run) holds.
//
// Only clock readings carry a time. Every other event's time is the last
// reading's plus one nanosecond per instruction since, as the replay
// computes the readings a recording leaves out. Without any reading the
// time is the icount at the virtual clock's rate of one instruction per
// nanosecond.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logstore/Event.h"

namespace tandem {

// Guest time as "6.722996320 s".
std::string formatGuestTime(uint64_t ns);

struct TimelineEntry {
  uint64_t icount = 0;
  uint64_t ns = 0;   // guest time, ns since power-on
  uint32_t lane = 0; // index into Timeline::lanes()
  std::string what;  // "vector 0x30", "tsc 1.234567890 s", "'ls\n'"
};

// Consecutive entries of one lane, as one line of a listing.
struct TimelineRun {
  size_t first = 0, last = 0;  // indices into Timeline::entries()
  size_t count() const { return last - first + 1; }
};

struct TimelineLane {
  std::string name;  // "interrupt 0x30", "serial input", "clock tsc", "digest"
  size_t count = 0;  // events in the window
  size_t shown = 0;  // of those, entries kept (the latest)
};

class Timeline {
 public:
  // The events of the last `window_ns` of guest time up to the failure at
  // `failure_icount`, at most `max_per_lane` of each lane (the latest): a
  // kernel writing to the console reads the TSC in its delay loops a
  // million times a second, and that must not crowd out the interrupts.
  static Timeline build(const std::vector<Event>& events, uint64_t failure_icount,
                        uint64_t window_ns, size_t max_per_lane = 20000);

  uint64_t failureNs() const { return failure_ns_; }
  uint64_t windowNs() const { return window_ns_; }
  // Whether times come from clock readings (else from the icount).
  bool fromClock() const { return from_clock_; }
  // Lanes in a fixed order: interrupts by vector, serial input, clock
  // readings by reason, digests; only lanes with entries.
  const std::vector<TimelineLane>& lanes() const { return lanes_; }
  // In icount order.
  const std::vector<TimelineEntry>& entries() const { return entries_; }
  // Events in the window that were left out to keep at most max_per_lane.
  size_t dropped() const { return dropped_; }
  // The latest `n` runs of entries, oldest first: a busy lane (the kernel
  // reading the TSC in a delay loop) takes one line, not all of them.
  std::vector<TimelineRun> latestRuns(size_t n) const;

 private:
  uint64_t failure_ns_ = 0;
  uint64_t window_ns_ = 0;
  bool from_clock_ = false;
  std::vector<TimelineLane> lanes_;
  std::vector<TimelineEntry> entries_;
  size_t dropped_ = 0;
};

}  // namespace tandem
