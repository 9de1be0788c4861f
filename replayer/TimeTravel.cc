#include "replayer/TimeTravel.h"

#include <algorithm>

#include "vmm/Assert.h"

namespace tandem {

TimeTravel::TimeTravel(Machine& machine, CheckpointDoor& door, HistoryConsole* console,
                       TimeTravelOptions options)
    : machine_(machine),
      store_(machine, door, options.budget_bytes),
      console_(console),
      options_(options) {
  options_.interval = std::max<uint64_t>(options_.interval, 1);
  options_.near = std::clamp<uint64_t>(options_.near, 1, options_.interval);
  options_.slice = std::max<uint64_t>(options_.slice, 1);
  store_.take();
  frontier_ = now();
}

void TimeTravel::setBreakpoints(std::vector<uint32_t> linear) {
  breakpoints_ = std::move(linear);
  machine_.cpu().setBreakpoints(breakpoints_);
}

void TimeTravel::setWatches(std::vector<DataWatch> watches) {
  watches_ = std::move(watches);
  machine_.cpu().setWatches(watches_);
}

void TimeTravel::debuggerStops(bool on) {
  machine_.cpu().setBreakpoints(on ? breakpoints_ : std::vector<uint32_t>());
  machine_.cpu().setWatches(on ? watches_ : std::vector<DataWatch>());
}

// Checkpoints are taken in new history only: history already run has as
// many as the budget allows, and more there would only be thinned out
// again. New history gets one every `near` instructions, but only those
// `interval` apart stay: each newer one replaces the one before it
// (a "recent" checkpoint), so one is always close behind the end.
uint64_t TimeTravel::nextCheckpointAfter(uint64_t icount) const {
  uint64_t next = store_.after(icount).value_or(UINT64_MAX);
  if (icount < frontier_) return std::min(next, frontier_);
  uint64_t planned = std::max(*store_.atOrBefore(icount) + options_.near, icount + 1);
  return std::min(next, planned);
}

bool TimeTravel::isRecent(uint64_t icount) const {
  if (icount == start()) return false;
  return icount - *store_.atOrBefore(icount - 1) < options_.interval;
}

void TimeTravel::checkpointHere() {
  uint64_t at = now();
  if (store_.has(at)) {
    if (store_.base() == at) return;
    // Arriving at a rewritten instant through the old history: jump to
    // the new one.
    if (store_.rewrittenAt(at)) store_.restore(at);
    else store_.passed();
    return;
  }
  uint64_t prev = *store_.atOrBefore(at);
  if (at >= frontier_ && at - prev >= options_.near) {
    bool replace = isRecent(prev);
    store_.take();
    if (replace) store_.drop(prev);
  }
}

MachineExit TimeTravel::advance(uint64_t until) {
  for (;;) {
    if (canonical_) checkpointHere();
    uint64_t at = now();
    if (at >= until) return MachineExit::kLimit;
    uint64_t stop = std::min(until, nextCheckpointAfter(at));
    bool again = at < frontier_;
    if (again) stop = std::min(stop, frontier_);
    if (console_) console_->setMuted(again);
    MachineExit e = machine_.run(stop);
    if (console_) console_->setMuted(false);
    frontier_ = std::max(frontier_, now());
    if (e == MachineExit::kDebug) stop_nth_ = !canonical_ && now() == at ? stop_nth_ + 1 : 1;
    canonical_ = e == MachineExit::kLimit;
    if (e != MachineExit::kLimit) return e;
  }
}

MachineExit TimeTravel::advanceInSlices(uint64_t until, const Interrupted& interrupted) {
  for (;;) {
    MachineExit e = advance(std::min(until, now() + options_.slice));
    if (e != MachineExit::kLimit || now() >= until) return e;
    if (interrupted()) return MachineExit::kStopped;
  }
}

MachineExit TimeTravel::run(uint64_t until_icount) { return advance(until_icount); }

void TimeTravel::restore(uint64_t icount) {
  store_.restore(icount);
  canonical_ = true;
}

MachineExit TimeTravel::seek(uint64_t icount, const Interrupted& interrupted) {
  TANDEM_ASSERT(icount >= start());
  uint64_t from = *store_.atOrBefore(icount);
  if (icount < now() || (icount == now() && !canonical_) || from > now()) restore(from);
  debuggerStops(false);
  MachineExit e = MachineExit::kLimit;
  // Leave a checkpoint close behind the target for stepping back.
  if (icount - now() > options_.near) {
    e = advanceInSlices(icount - options_.near, interrupted);
    if (e == MachineExit::kLimit && !store_.has(now())) store_.take();
  }
  if (e == MachineExit::kLimit) e = advanceInSlices(icount, interrupted);
  debuggerStops(true);
  return e;
}

uint64_t TimeTravel::scan(uint64_t end, uint32_t through_nth, std::vector<Event>* events,
                          const Interrupted& interrupted, bool* was_interrupted) {
  uint64_t from = *store_.atOrBefore(through_nth ? end : end - 1);
  restore(from);
  for (;;) {
    MachineExit e = advance(std::min(end, now() + options_.slice));
    if (e == MachineExit::kDebug) {
      events->push_back(Event{now(), stop_nth_, machine_.cpu().debugStop()});
      continue;
    }
    // Also where the machine ended (it can only have ended at `end`).
    if (e != MachineExit::kLimit || now() >= end) break;
    if (interrupted()) {
      *was_interrupted = true;
      return from;
    }
  }
  if (!canonical_ || now() != end) return from;
  for (uint32_t seen = 0; seen < through_nth; seen = stop_nth_) {
    if (advance(end + 1) != MachineExit::kDebug || now() != end) break;
    events->push_back(Event{now(), stop_nth_, machine_.cpu().debugStop()});
  }
  return from;
}

void TimeTravel::goTo(const Event& e) {
  if (!e.debug.breakpoint) {
    // Before the accessing instruction.
    MachineExit x = seek(e.position(), [] { return false; });
    TANDEM_ASSERT(x == MachineExit::kLimit);
    return;
  }
  // Where the CPU stopped (which may be after an interrupt's delivery
  // within the same icount): run there again and count the stops.
  restore(*store_.atOrBefore(e.icount));
  uint32_t seen = 0;
  for (;;) {
    MachineExit x = advance(e.icount + 1);
    TANDEM_ASSERT_CPU(machine_.cpu(), now() <= e.icount);
    if (x == MachineExit::kDebug && now() == e.icount && ++seen == e.nth) return;
  }
}

ReverseStop TimeTravel::reverseContinue(const Interrupted& interrupted) {
  const uint64_t here = now();
  // Stopped after an interrupt's delivery (at a watch on the frame it
  // pushed, or a breakpoint on its handler), the stops at this icount up
  // to this one lie behind too: a watch's position is before its access.
  const uint32_t here_nth = canonical_ ? 0 : stop_nth_;
  auto behind = [&](const Event& e) {
    if (e.position() < here) return true;
    return e.icount == here && (e.nth < here_nth || (e.nth == here_nth && !e.debug.breakpoint));
  };
  uint64_t end = here;
  uint32_t through = here_nth;
  while (end > start() || through > 0) {
    std::vector<Event> events;
    bool was_interrupted = false;
    uint64_t from = scan(end, through, &events, interrupted, &was_interrupted);
    through = 0;
    if (was_interrupted) return ReverseStop{ReverseStop::Kind::kInterrupted, {}};
    const Event* last = nullptr;
    for (const Event& e : events)
      if (behind(e) && (!last || e.position() >= last->position())) last = &e;
    if (last) {
      Event chosen = *last;
      goTo(chosen);
      return ReverseStop{ReverseStop::Kind::kDebug, chosen.debug};
    }
    end = from;
  }
  restore(start());
  return ReverseStop{ReverseStop::Kind::kHistoryBegin, {}};
}

void TimeTravel::rewrite() {
  store_.dropFrom(now());
  store_.take(true);
  canonical_ = true;
  frontier_ = now();
}

}  // namespace tandem
