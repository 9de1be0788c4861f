// A device whose whole state is one plain-data struct `State`: saving and
// restoring are that struct's bytes, and a restored struct is checked
// before it replaces the current one.
#pragma once

#include <string>

#include "vmm/devices/Device.h"
#include "vmm/devices/StateBlob.h"

namespace tandem {

template <typename State>
class PlainStateDevice : public Device {
 public:
  static_assert(kIsPlainState<State>);

  std::vector<uint8_t> saveState() const override { return saveBlob(s_); }

  Status restoreState(std::span<const uint8_t> blob) override {
    State s;
    if (Status st = loadBlob(blob, name(), &s); !st) return st;
    if (std::string bad = checkState(s); !bad.empty()) return badState(name(), bad);
    s_ = s;
    return {};
  }

  const State& state() const { return s_; }

 protected:
  // Empty when `s` is a state the device could be in, else what is wrong.
  virtual std::string checkState(const State& s) const { return {}; }

  State s_{};
};

}  // namespace tandem
