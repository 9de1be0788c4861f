#include "analysis/Timeline.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace tandem {
namespace {

constexpr size_t kMaxSerialShown = 32;

struct Anchor {
  uint64_t icount, ns;
};

// Guest time at any icount, as the replay computes it (replayer/ReplayDoor.h):
// the last clock reading logged at or before it, plus one nanosecond per
// instruction since (a recording logs only readings that differ from
// that), never past the next reading.
class GuestTime {
 public:
  explicit GuestTime(const std::vector<Event>& events) {
    for (const Event& e : events)
      if (auto* c = std::get_if<ClockReadingEvent>(&e.body)) {
        if (!anchors_.empty() && anchors_.back().icount == e.icount.value())
          anchors_.back().ns = std::max(anchors_.back().ns, c->value_ns);
        else if (anchors_.empty() || e.icount.value() > anchors_.back().icount)
          anchors_.push_back({e.icount.value(), c->value_ns});
      }
  }
  bool any() const { return !anchors_.empty(); }

  uint64_t at(uint64_t icount) const {
    if (anchors_.empty()) return icount;
    auto next = std::upper_bound(anchors_.begin(), anchors_.end(), icount,
                                 [](uint64_t x, const Anchor& a) { return x < a.icount; });
    if (next == anchors_.begin()) {
      uint64_t back = next->icount - icount;
      return back >= next->ns ? 0 : next->ns - back;
    }
    const Anchor& a = *std::prev(next);
    uint64_t ns = a.ns + (icount - a.icount);
    return next == anchors_.end() ? ns : std::min(ns, next->ns);
  }

 private:
  std::vector<Anchor> anchors_;  // ascending icount; for one icount the latest time
};

std::string quoted(const std::vector<uint8_t>& bytes) {
  std::string out = "'";
  for (size_t i = 0; i < bytes.size() && i < kMaxSerialShown; ++i) {
    uint8_t c = bytes[i];
    char buf[8];
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\'' || c == '\\') (out += '\\') += static_cast<char>(c);
    else if (c >= 0x20 && c < 0x7F) out += static_cast<char>(c);
    else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out += bytes.size() > kMaxSerialShown ? "'..." : "'";
  return out;
}

// Where an event goes: its lane's sort key and name, and its description.
// False for events the timeline does not show.
bool describe(const Event& e, std::pair<int, int>* key, std::string* lane, std::string* what) {
  char buf[64];
  if (auto* i = std::get_if<InterruptDeliveryEvent>(&e.body)) {
    *key = {0, i->vector};
    std::snprintf(buf, sizeof buf, "interrupt 0x%02x", i->vector);
    *lane = buf;
    std::snprintf(buf, sizeof buf, "vector 0x%02x", i->vector);
    *what = buf;
  } else if (auto* r = std::get_if<InterruptRaiseEvent>(&e.body)) {
    *key = {1, r->irq};
    *lane = "irq " + std::to_string(r->irq) + " raised";
    *what = "irq " + std::to_string(r->irq);
  } else if (auto* s = std::get_if<SerialInputEvent>(&e.body)) {
    *key = {2, 0};
    *lane = "serial input";
    *what = quoted(s->data);
  } else if (auto* c = std::get_if<ClockReadingEvent>(&e.body)) {
    *key = {3, static_cast<int>(c->reason)};
    *lane = std::string("clock ") + clockReadName(c->reason);
    *what = std::string(clockReadName(c->reason)) + " " + formatGuestTime(c->value_ns);
  } else if (std::get_if<MachineDigestEvent>(&e.body)) {
    *key = {4, 0};
    *lane = "digest";
    *what = "digest";
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string formatGuestTime(uint64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%llu.%09llu s", static_cast<unsigned long long>(ns / 1000000000),
                static_cast<unsigned long long>(ns % 1000000000));
  return buf;
}

Timeline Timeline::build(const std::vector<Event>& events, uint64_t failure_icount,
                         uint64_t window_ns, size_t max_per_lane) {
  Timeline t;
  GuestTime time(events);
  t.from_clock_ = time.any();
  t.failure_ns_ = time.at(failure_icount);
  t.window_ns_ = window_ns;
  uint64_t start = t.failure_ns_ > window_ns ? t.failure_ns_ - window_ns : 0;
  struct InWindow {
    std::pair<int, int> key;
    std::string lane;
    TimelineEntry entry;
  };
  std::vector<InWindow> in;
  std::map<std::pair<int, int>, size_t> per_lane;
  for (const Event& e : events) {
    if (e.icount.value() > failure_icount) continue;
    InWindow w;
    if (!describe(e, &w.key, &w.lane, &w.entry.what)) continue;
    auto* clock = std::get_if<ClockReadingEvent>(&e.body);
    w.entry.icount = e.icount.value();
    w.entry.ns = clock ? clock->value_ns : time.at(w.entry.icount);
    if (w.entry.ns < start) continue;
    ++per_lane[w.key];
    in.push_back(std::move(w));
  }
  std::map<std::pair<int, int>, uint32_t> lane_index;
  for (const auto& [key, count] : per_lane) {
    lane_index[key] = static_cast<uint32_t>(t.lanes_.size());
    t.lanes_.push_back({"", count, 0});
  }
  // The latest max_per_lane of each lane: skip a lane's first count - max.
  std::map<std::pair<int, int>, size_t> to_skip;
  for (const auto& [key, count] : per_lane) to_skip[key] = count > max_per_lane ? count - max_per_lane : 0;
  for (InWindow& w : in) {
    TimelineLane& lane = t.lanes_[lane_index[w.key]];
    lane.name = w.lane;
    if (to_skip[w.key] > 0) {
      --to_skip[w.key];
      ++t.dropped_;
      continue;
    }
    w.entry.lane = lane_index[w.key];
    ++lane.shown;
    t.entries_.push_back(std::move(w.entry));
  }
  return t;
}

std::vector<TimelineRun> Timeline::latestRuns(size_t n) const {
  std::vector<TimelineRun> runs;
  for (size_t i = entries_.size(); i-- > 0 && runs.size() <= n;) {
    if (!runs.empty() && entries_[runs.back().first].lane == entries_[i].lane) --runs.back().first;
    else runs.push_back({i, i});
  }
  if (runs.size() > n) runs.pop_back();  // it may go on before the window shown
  std::reverse(runs.begin(), runs.end());
  return runs;
}

}  // namespace tandem
