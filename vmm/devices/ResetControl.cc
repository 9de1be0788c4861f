#include "vmm/devices/ResetControl.h"

namespace tandem {
namespace {

constexpr uint8_t kSysRst = 0x02, kRstCpu = 0x04, kFullRst = 0x08;

}  // namespace

void ResetControl::write(uint8_t value) {
  s_.value = value & (kSysRst | kFullRst);
  if (value & kRstCpu) machine_.requestReset(ResetSource::kResetControl);
}

std::string ResetControl::checkState(const ResetControlState& s) const {
  return s.value & ~(kSysRst | kFullRst) ? "bits other than SYS_RST and FULL_RST set" : "";
}

}  // namespace tandem
