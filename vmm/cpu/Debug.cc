// Breakpoints and data watches, for a debugger attached to the machine and
// for the guest's own debug registers (DR0-DR3 enabled by DR7). While any is
// active ("checked" execution) the CPU looks for breakpoints before each
// block and keeps watched pages out of the TLB, so that every access to them
// takes the slow path, where it is compared with the watches.
#include <algorithm>

#include "vmm/cpu/CpuInline.h"

namespace tandem {

void Cpu::setBreakpoints(std::vector<uint32_t> linear) {
  debugger_bps_ = std::move(linear);
  refreshDebug();
}

void Cpu::setWatches(std::vector<DataWatch> watches) {
  for (auto& w : watches) w.guest_dr = -1;
  debugger_watches_ = std::move(watches);
  refreshDebug();
}

void Cpu::refreshDebug() {
  code_bps_.clear();
  watches_ = debugger_watches_;
  for (uint32_t a : debugger_bps_) code_bps_.emplace_back(a, -1);
  uint32_t dr7 = st.dr[7];
  for (int n = 0; n < 4; ++n) {
    if (!((dr7 >> (2 * n)) & 3)) continue;  // neither Ln nor Gn
    unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
    unsigned len_bits = (dr7 >> (18 + 4 * n)) & 3;
    uint32_t len = len_bits == 0 ? 1 : len_bits == 1 ? 2 : len_bits == 2 ? 8 : 4;
    uint32_t addr = st.dr[n] & ~(len - 1);
    if (rw == 0) code_bps_.emplace_back(st.dr[n], n);
    else if (rw == 1) watches_.push_back(DataWatch{addr, len, kWatchWrite, static_cast<int8_t>(n)});
    else if (rw == 3) watches_.push_back(DataWatch{addr, len, kWatchAccess, static_cast<int8_t>(n)});
    // rw == 2 (I/O breakpoints, with CR4.DE) is not implemented.
  }
  checked_ = !code_bps_.empty() || !watches_.empty();
  tlbFlush(true);
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
  uint64_t a0 = a, a1 = uint64_t{a} + alen, b0 = b, b1 = uint64_t{b} + blen;
  return a0 < b1 && b0 < a1;
}

bool Cpu::pageWatched(uint32_t lpage, bool write) const {
  for (const DataWatch& w : watches_) {
    if (!overlaps(w.lin, w.len, lpage, kPageSize)) continue;
    // A read entry would hide reads; a write entry, writes.
    if (write ? (w.kind & kWatchWrite) : (w.kind & kWatchRead)) return true;
  }
  return false;
}

void Cpu::noteAccess(uint32_t lin, unsigned size, bool write) {
  uint8_t kind = write ? kWatchWrite : kWatchRead;
  for (const DataWatch& w : watches_) {
    if (!(w.kind & kind) || !overlaps(w.lin, w.len, lin, size)) continue;
    if (w.guest_dr >= 0) {
      watch_hit_dr6_ |= 1u << w.guest_dr;
    } else if (!watch_hit_debugger_) {
      watch_hit_debugger_ = true;
      debug_stop_ = DebugStop{false, std::max(w.lin, lin), kind};
    }
    stop_ = true;  // end the block after this instruction
  }
}

bool Cpu::finishWatchHits() {
  if (watch_hit_debugger_) {
    watch_hit_debugger_ = false;
    watch_hit_dr6_ = 0;
    return true;
  }
  if (watch_hit_dr6_) {
    st.dr[6] = (st.dr[6] & ~0xFu) | watch_hit_dr6_;
    watch_hit_dr6_ = 0;
    try {
      deliver(kDB, IntKind::kException, false, 0);  // a trap: EIP is past the access
    } catch (const GuestException& e) {
      handleFault(e);
    }
  }
  return false;
}

bool Cpu::deliveryWatchHit() {
  if (watch_hit_debugger_) debug_stop_.delivery = true;
  return finishWatchHits();
}

int Cpu::checkBreakpoints(const Block* b, bool rf) {
  uint32_t eip = st.eip;
  for (const auto& [addr, dr] : code_bps_) {
    uint32_t off = addr - st.seg[CS].base - eip;  // offset of the breakpoint in the block
    if (off >= b->bytes) continue;
    for (uint32_t k = 0; k < b->count; ++k) {
      if (b->insns[k].offset != off) continue;
      if (k > 0) return static_cast<int>(k);
      if (dr < 0) {
        if (st.icount == bp_resume_icount_ && eip == bp_resume_eip_) break;  // resuming
        bp_resume_icount_ = st.icount;
        bp_resume_eip_ = eip;
        debug_stop_ = DebugStop{true, addr, 0};
        return -1;
      }
      if (rf) break;  // RF suppresses instruction breakpoints for one instruction
      st.dr[6] = (st.dr[6] & ~0xFu) | (1u << dr);
      try {
        deliver(kDB, IntKind::kException, false, 0);  // a fault: EIP stays here
      } catch (const GuestException& e) {
        handleFault(e);
      }
      return -1;
    }
  }
  return 0;
}

}  // namespace tandem
