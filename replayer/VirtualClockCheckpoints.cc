#include "replayer/VirtualClockCheckpoints.h"

#include <cstring>
#include <string>

namespace tandem {

std::vector<uint8_t> VirtualClockCheckpoints::saveDoorState() {
  VirtualClockState s = clock_.state();
  std::vector<uint8_t> out(sizeof s);
  std::memcpy(out.data(), &s, sizeof s);
  return out;
}

Status VirtualClockCheckpoints::restoreDoorState(std::span<const uint8_t> state) {
  VirtualClockState s;
  if (state.size() != sizeof s)
    return makeError("virtual clock state: " + std::to_string(state.size()) + " bytes, expected " +
                     std::to_string(sizeof s));
  std::memcpy(&s, state.data(), sizeof s);
  clock_.setState(s);
  return {};
}

}  // namespace tandem
