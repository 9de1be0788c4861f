// Device state structs as bytes: what a snapshot stores for each device.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "vmm/Result.h"

namespace tandem {

// Every state struct is plain data without padding, so its bytes are the
// same whenever its fields are (snapshots and digests compare bytes).
template <typename State>
constexpr bool kIsPlainState =
    std::is_trivially_copyable_v<State>&& std::has_unique_object_representations_v<State>;

template <typename State>
std::vector<uint8_t> saveBlob(const State& s) {
  static_assert(kIsPlainState<State>);
  std::vector<uint8_t> out(sizeof(State));
  std::memcpy(out.data(), &s, sizeof(State));
  return out;
}

// Copies `blob` into `out` when it has the size of a State; `device` names
// the device in the error.
template <typename State>
Status loadBlob(std::span<const uint8_t> blob, const char* device, State* out) {
  static_assert(kIsPlainState<State>);
  if (blob.size() != sizeof(State))
    return makeError(std::string(device) + " state: " + std::to_string(blob.size()) +
                     " bytes, expected " + std::to_string(sizeof(State)));
  std::memcpy(out, blob.data(), sizeof(State));
  return {};
}

inline Error badState(const char* device, const std::string& what) {
  return makeError(std::string(device) + " state: " + what);
}

}  // namespace tandem
