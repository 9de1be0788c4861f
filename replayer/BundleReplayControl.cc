#include "replayer/BundleReplayControl.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace tandem {

std::string BundleReplayControl::nextEvents(uint64_t count) {
  if (live()) return "the guest runs live here: no recorded events are replayed\n";
  const std::vector<Event>& events = replay_.source().events();
  size_t from = replay_.source().position();
  size_t to = from + static_cast<size_t>(std::min<uint64_t>(count, events.size() - from));
  char line[128];
  std::snprintf(line, sizeof line, "events %zu..%zu of %zu (next first):\n", from + 1, to,
                events.size());
  std::string out = from == to ? std::string("no more recorded events (the recording ends at icount ") +
                                     std::to_string(replay_.endIcount()) + ")\n"
                               : std::string(line);
  for (size_t i = from; i < to; ++i) out += "  " + describeEvent(events[i]) + "\n";
  return out;
}

}  // namespace tandem
