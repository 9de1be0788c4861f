#include "vmm/boot/PcMemoryMap.h"

#include "vmm/Assert.h"

namespace tandem {

std::vector<MemoryRange> pcMemoryMap(uint64_t ram_bytes) {
  TANDEM_ASSERT(ram_bytes >= kHighRamStart);
  std::vector<MemoryRange> map = {
      {0, kLowRamEnd, e820::kRam},
      {kLowRamEnd, kHighRamStart - kLowRamEnd, e820::kReserved},
  };
  if (ram_bytes > kHighRamStart) map.push_back({kHighRamStart, ram_bytes - kHighRamStart, e820::kRam});
  return map;
}

}  // namespace tandem
