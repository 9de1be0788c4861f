// A clock's course between two logged readings: from (icount, ns) guest
// time goes on at a fixed number of picoseconds per instruction. The
// recorder predicts with it which readings need no logging, and the replay
// computes those readings with it, so what it gives depends on these
// fields alone.
#pragma once

#include <cstdint>
#include <type_traits>

#include "vmm/Types.h"

namespace tandem {

struct ClockLine {
  static constexpr uint32_t kDefaultPs = 1000;  // one nanosecond per instruction

  uint64_t icount;
  uint64_t ns;
  uint32_t ps_per_insn;
  uint32_t reserved;  // 0

  static ClockLine from(Icount at, uint64_t ns, uint32_t ps_per_insn) {
    return ClockLine{at.value(), ns, ps_per_insn ? ps_per_insn : kDefaultPs, 0};
  }
  uint64_t at(Icount when) const {
    uint64_t d = when.value() > icount ? when.value() - icount : 0;
    return ns + static_cast<uint64_t>(static_cast<unsigned __int128>(d) * ps_per_insn / 1000);
  }
  // The first icount at which at() reaches `target`.
  uint64_t firstIcountAt(uint64_t target) const {
    if (target <= ns) return icount;
    unsigned __int128 need = static_cast<unsigned __int128>(target - ns) * 1000;
    return icount + static_cast<uint64_t>((need + ps_per_insn - 1) / ps_per_insn);
  }
};
static_assert(std::is_trivially_copyable_v<ClockLine> &&
              std::has_unique_object_representations_v<ClockLine>);

}  // namespace tandem
