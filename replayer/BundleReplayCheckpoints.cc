#include "replayer/BundleReplayCheckpoints.h"

#include <cstring>
#include <string>

namespace tandem {

std::vector<uint8_t> BundleReplayCheckpoints::saveDoorState() {
  Header h{replay_.source().position(), replay_.door().position()};
  std::vector<uint8_t> detector = replay_.detector().saveState();
  std::vector<uint8_t> out(sizeof h + detector.size());
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, detector.data(), detector.size());
  return out;
}

Status BundleReplayCheckpoints::restoreDoorState(std::span<const uint8_t> state) {
  Header h;
  if (state.size() < sizeof h)
    return makeError("replay checkpoint: " + std::to_string(state.size()) + " bytes, too short");
  std::memcpy(&h, state.data(), sizeof h);
  if (h.event_position > replay_.source().events().size())
    return makeError("replay checkpoint: event position past the bundle's events");
  if (Status s = replay_.detector().restoreState(state.subspan(sizeof h)); !s) return s;
  replay_.source().seek(h.event_position);
  replay_.door().setPosition(h.door);
  return {};
}

}  // namespace tandem
