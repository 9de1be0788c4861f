// Paging, the TLB, and the slow paths of memory access.
#include <algorithm>
#include <cstring>

#include "vmm/Log.h"
#include "vmm/cpu/CpuInline.h"

namespace tandem {
namespace {

constexpr uint32_t kPteP = 1u << 0, kPteRW = 1u << 1, kPteUS = 1u << 2, kPteA = 1u << 5,
                   kPteD = 1u << 6, kPtePS = 1u << 7, kPteG = 1u << 8;

}  // namespace

uint32_t Cpu::physRead(uint32_t phys, unsigned size) {
  if (static_cast<uint64_t>(phys) + size <= mem.size()) {
    const uint8_t* p = mem.base() + phys;
    if (size == 4) {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    if (size == 2) {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    return *p;
  }
  if (phys < mem.size()) {
    // Straddles the end of RAM: byte by byte.
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= physRead(phys + i, 1) << (8 * i);
    return v;
  }
  stop_ = true;  // a device may have changed the interrupt line
  syncIcount();
  return bus.mmioRead(GuestPhys(phys), size);
}

void Cpu::physWrite(uint32_t phys, unsigned size, uint32_t v) {
  if (static_cast<uint64_t>(phys) + size <= mem.size()) {
    uint64_t pfn = phys >> kPageShift;
    uint64_t last_pfn = (phys + size - 1) >> kPageShift;
    if (blocks_.pageHasCode(pfn)) noteCodeWrite(phys);
    if (last_pfn != pfn && blocks_.pageHasCode(last_pfn)) noteCodeWrite(phys + size - 1);
    mem.markDirty(pfn);
    mem.markDirty(last_pfn);
    uint8_t* p = mem.base() + phys;
    if (size == 4) {
      std::memcpy(p, &v, 4);
    } else if (size == 2) {
      uint16_t h = static_cast<uint16_t>(v);
      std::memcpy(p, &h, 2);
    } else {
      *p = static_cast<uint8_t>(v);
    }
    return;
  }
  if (phys < mem.size()) {
    for (unsigned i = 0; i < size; ++i) physWrite(phys + i, 1, (v >> (8 * i)) & 0xFF);
    return;
  }
  stop_ = true;
  syncIcount();
  bus.mmioWrite(GuestPhys(phys), size, v);
}

void Cpu::noteCodeWrite(uint32_t phys) {
  uint64_t pfn = phys >> kPageShift;
  if (blocks_.invalidatePage(pfn)) {
    // The executing block may be among those dropped: finish it here.
    stop_ = true;
  }
  // Write permission may now be cached for the page.
}

uint32_t Cpu::translate(uint32_t lin, Access acc, bool user) {
  const bool write = acc == Access::kWrite;
  uint32_t phys;
  bool writable = true;
  bool global = false;
  bool large = false;
  if (!(st.cr0 & cr0::PG)) {
    phys = lin & st.a20_mask;
  } else {
    uint32_t pde_addr = ((st.cr3 & ~0xFFFu) | ((lin >> 22) << 2)) & st.a20_mask;
    uint32_t pde = physRead(pde_addr, 4);
    auto fault = [&](bool present) {
      uint32_t err = (present ? pf_err::P : 0) | (write ? pf_err::W : 0) | (user ? pf_err::U : 0);
      st.cr2 = lin;
      raise(kPF, err);
    };
    if (!(pde & kPteP)) fault(false);
    bool big = (pde & kPtePS) && (st.cr4 & cr4::PSE);
    // Without PSE-36, bits 21:13 of a 4 MiB entry are reserved.
    if (big && (pde & 0x003FE000u)) {
      st.cr2 = lin;
      raise(kPF, pf_err::P | pf_err::RSVD | (write ? pf_err::W : 0) | (user ? pf_err::U : 0));
    }
    uint32_t pte = 0, pte_addr = 0;
    uint32_t eff;  // effective R/W and U/S: the AND of both levels
    if (big) {
      eff = pde;
    } else {
      pte_addr = ((pde & ~0xFFFu) | (((lin >> 12) & 0x3FF) << 2)) & st.a20_mask;
      pte = physRead(pte_addr, 4);
      if (!(pte & kPteP)) fault(false);
      eff = pde & pte;
    }
    if (user && !(eff & kPteUS)) fault(true);
    writable = (eff & kPteRW) || (!user && !(st.cr0 & cr0::WP));
    if (write && !writable) fault(true);
    // Accessed and dirty bits, set as the processor does: A at every level
    // on first use, D in the final entry on the first write.
    if (!(pde & kPteA) || (big && write && !(pde & kPteD))) {
      uint32_t npde = pde | kPteA | (big && write ? kPteD : 0);
      physWrite(pde_addr, 4, npde);
      pde = npde;
    }
    if (big) {
      large = true;
      phys = ((pde & 0xFFC00000u) | (lin & 0x003FFFFFu)) & st.a20_mask;
      global = (pde & kPteG) && (st.cr4 & cr4::PGE);
      // Write permission is cached only once D is set.
      if (!(pde & kPteD)) writable = false;
    } else {
      if (!(pte & kPteA) || (write && !(pte & kPteD))) {
        uint32_t npte = pte | kPteA | (write ? kPteD : 0);
        physWrite(pte_addr, 4, npte);
        pte = npte;
      }
      phys = ((pte & ~0xFFFu) | (lin & 0xFFFu)) & st.a20_mask;
      global = (pte & kPteG) && (st.cr4 & cr4::PGE);
      if (!(pte & kPteD)) writable = false;
    }
  }
  uint32_t page = phys & ~(kPageSize - 1);
  if (static_cast<uint64_t>(page) + kPageSize > mem.size()) return phys;  // not RAM: no TLB entry
  if (checked_ && acc != Access::kExec) {
    // Watched pages stay out of the TLB for the kinds of access watched.
    if (pageWatched(lin & ~(kPageSize - 1), false)) return phys;
    if (write && pageWatched(lin & ~(kPageSize - 1), true)) writable = false;
  }
  uint8_t* host = mem.base() + page;
  unsigned idx = tlbIndex(lin);
  TlbEntry& e = tlb_[user][idx];
  uint32_t lpage = lin & ~(kPageSize - 1);
  if (e.read_tag != lpage || tlbPhysPage(e) != page) e.write_tag = kTlbInvalidTag;
  e.read_tag = lpage;
  e.addend = reinterpret_cast<uintptr_t>(host) - lpage;
  tlb_flags_[user][idx] = static_cast<uint8_t>((global ? kTlbGlobal : 0) | (large ? kTlbLarge : 0));
  if (large) large_regions_[lin >> 22] = 1;
  if (write && writable && !blocks_.pageHasCode(page >> kPageShift)) {
    e.write_tag = lpage;
    mem.markDirty(page >> kPageShift);
  }
  return phys;
}

uint64_t Cpu::readLinearSlow(uint32_t lin, unsigned size, bool user) {
  if (checked_) noteAccess(lin, size, false);
  uint32_t in_page = kPageSize - (lin & (kPageSize - 1));
  if (size <= in_page && size <= 4) return physRead(translate(lin, Access::kRead, user), size);
  // Crossing a page, or 8 bytes: translate every page first, then by bytes.
  uint32_t p0 = translate(lin, Access::kRead, user);
  uint32_t p1 = size > in_page ? translate(lin + in_page, Access::kRead, user) : 0;
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    uint32_t p = i < in_page ? p0 + i : p1 + (i - in_page);
    v |= uint64_t{physRead(p, 1)} << (8 * i);
  }
  return v;
}

void Cpu::writeLinearSlow(uint32_t lin, unsigned size, uint64_t v, bool user) {
  if (checked_) noteAccess(lin, size, true);
  uint32_t in_page = kPageSize - (lin & (kPageSize - 1));
  if (size <= in_page && size <= 4) {
    physWrite(translate(lin, Access::kWrite, user), size, static_cast<uint32_t>(v));
    return;
  }
  uint32_t p0 = translate(lin, Access::kWrite, user);
  uint32_t p1 = size > in_page ? translate(lin + in_page, Access::kWrite, user) : 0;
  for (unsigned i = 0; i < size; ++i) {
    uint32_t p = i < in_page ? p0 + i : p1 + (i - in_page);
    physWrite(p, 1, (v >> (8 * i)) & 0xFF);
  }
}

void Cpu::translatePages(uint32_t lin, unsigned n, Access acc, bool user) {
  uint32_t first = lin & ~(kPageSize - 1);
  uint32_t last = (lin + n - 1) & ~(kPageSize - 1);
  for (uint32_t a = first;; a += kPageSize) {
    translate(a == first ? lin : a, acc, user);
    if (a == last) break;
  }
}

void Cpu::readBytesLinear(uint32_t lin, void* out, unsigned n, bool user) {
  if (checked_) noteAccess(lin, n, false);
  auto* o = static_cast<uint8_t*>(out);
  // Translate every page first so that a fault leaves nothing half done.
  translatePages(lin, n, Access::kRead, user);
  for (unsigned i = 0; i < n;) {
    uint32_t a = lin + i;
    unsigned chunk = std::min<unsigned>(n - i, kPageSize - (a & (kPageSize - 1)));
    uint32_t p = translate(a, Access::kRead, user);
    if (static_cast<uint64_t>(p) + chunk <= mem.size()) {
      std::memcpy(o + i, mem.base() + p, chunk);
    } else {
      for (unsigned k = 0; k < chunk; ++k) o[i + k] = static_cast<uint8_t>(physRead(p + k, 1));
    }
    i += chunk;
  }
}

void Cpu::writeBytesLinear(uint32_t lin, const void* in, unsigned n, bool user) {
  if (checked_) noteAccess(lin, n, true);
  const auto* src = static_cast<const uint8_t*>(in);
  translatePages(lin, n, Access::kWrite, user);
  for (unsigned i = 0; i < n;) {
    uint32_t a = lin + i;
    unsigned chunk = std::min<unsigned>(n - i, kPageSize - (a & (kPageSize - 1)));
    uint32_t p = translate(a, Access::kWrite, user);
    for (unsigned k = 0; k < chunk; ++k) physWrite(p + k, 1, src[i + k]);
    i += chunk;
  }
}

void Cpu::readBytes(unsigned s, uint32_t off, void* out, unsigned n) {
  if (n == 0) return;
  // Check the whole range against the segment limit, then page by page.
  linearFor<1>(s, off, Access::kRead);
  linearFor<1>(s, off + n - 1, Access::kRead);
  if (off + n - 1 < off) raiseSegFault(s);
  readBytesLinear(st.seg[s].base + off, out, n, cpl_ == 3);
}

void Cpu::writeBytes(unsigned s, uint32_t off, const void* in, unsigned n) {
  if (n == 0) return;
  linearFor<1>(s, off, Access::kWrite);
  linearFor<1>(s, off + n - 1, Access::kWrite);
  if (off + n - 1 < off) raiseSegFault(s);
  writeBytesLinear(st.seg[s].base + off, in, n, cpl_ == 3);
}

void Cpu::tlbFlush(bool include_global) {
  for (unsigned u = 0; u < 2; ++u) {
    for (unsigned k = 0; k < kTlbSize; ++k) {
      if (!include_global && (tlb_flags_[u][k] & kTlbGlobal)) continue;
      tlb_[u][k].read_tag = tlb_[u][k].write_tag = kTlbInvalidTag;
      tlb_flags_[u][k] = 0;
    }
  }
  if (include_global) std::fill(std::begin(large_regions_), std::end(large_regions_), 0);
}

void Cpu::tlbFlushPage(uint32_t lin) {
  auto drop = [&](uint32_t page) {
    unsigned idx = tlbIndex(page);
    for (unsigned u = 0; u < 2; ++u) {
      TlbEntry& e = tlb_[u][idx];
      if (e.read_tag == page || e.write_tag == page) {
        e.read_tag = e.write_tag = kTlbInvalidTag;
        tlb_flags_[u][idx] = 0;
      }
    }
  };
  drop(lin & ~(kPageSize - 1));
  // A 4 MiB page is cached as 4 KiB entries: drop every one of its region.
  if (large_regions_[lin >> 22]) {
    uint32_t region = lin & 0xFFC00000u;
    for (uint32_t k = 0; k < 1024; ++k) drop(region | (k << kPageShift));
    large_regions_[lin >> 22] = 0;
  }
}

void Cpu::tlbFlushWrites() {
  for (auto& set : tlb_)
    for (TlbEntry& e : set) e.write_tag = kTlbInvalidTag;
}

void Cpu::tlbFlushWritesToPage(uint32_t phys_page) {
  for (auto& set : tlb_)
    for (TlbEntry& e : set)
      if (e.write_tag != kTlbInvalidTag && tlbPhysPage(e) == phys_page) e.write_tag = kTlbInvalidTag;
}

bool Cpu::debugTranslate(uint32_t lin, uint64_t* phys) {
  if (!(st.cr0 & cr0::PG)) {
    *phys = lin & st.a20_mask;
    return true;
  }
  uint32_t pde = 0, pte = 0;
  uint64_t pde_addr = ((st.cr3 & ~0xFFFu) | ((lin >> 22) << 2)) & st.a20_mask;
  if (!mem.read(GuestPhys(pde_addr), &pde, 4) || !(pde & kPteP)) return false;
  if ((pde & kPtePS) && (st.cr4 & cr4::PSE)) {
    *phys = ((pde & 0xFFC00000u) | (lin & 0x003FFFFFu)) & st.a20_mask;
    return true;
  }
  uint64_t pte_addr = ((pde & ~0xFFFu) | (((lin >> 12) & 0x3FF) << 2)) & st.a20_mask;
  if (!mem.read(GuestPhys(pte_addr), &pte, 4) || !(pte & kPteP)) return false;
  *phys = ((pte & ~0xFFFu) | (lin & 0xFFFu)) & st.a20_mask;
  return true;
}

}  // namespace tandem
