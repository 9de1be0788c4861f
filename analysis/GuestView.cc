#include "analysis/GuestView.h"

#include <cstring>

namespace tandem {

Result<GuestView> GuestView::fromCpu(const PhysMemory& mem, const CpuState& cpu) {
  bool paging = (cpu.cr0 & cr0::PG) != 0;
  if (paging && (cpu.cr4 & cr4::PAE))
    return makeError("the guest uses PAE paging, which introspection does not support");
  return GuestView(mem, cpu.cr3, paging, (cpu.cr4 & cr4::PSE) != 0);
}

std::optional<uint32_t> GuestView::pde(uint32_t index) const {
  uint32_t e;
  if (!mem_.read(GuestPhys(uint64_t{cr3_} + index * 4), &e, 4)) return std::nullopt;
  return e;
}

std::optional<PageMapping> GuestView::mapping(uint32_t virt) const {
  if (!paging_) return PageMapping{virt & ~0xFFFu, virt & ~0xFFFu, kPageSize, true, true};
  std::optional<uint32_t> d = pde(virt >> 22);
  if (!d || !(*d & 1)) return std::nullopt;
  if ((*d & 0x80) && pse_)
    return PageMapping{virt & 0xFFC00000u, *d & 0xFFC00000u, 4u << 20, (*d & 2) != 0,
                       (*d & 4) != 0};
  uint32_t e;
  if (!mem_.read(GuestPhys((*d & ~0xFFFu) + ((virt >> 12) & 0x3FF) * 4), &e, 4) || !(e & 1))
    return std::nullopt;
  return PageMapping{virt & ~0xFFFu, e & ~0xFFFu, kPageSize, (e & *d & 2) != 0, (e & *d & 4) != 0};
}

std::optional<uint64_t> GuestView::translate(uint32_t virt) const {
  std::optional<PageMapping> m = mapping(virt);
  if (!m) return std::nullopt;
  uint64_t p = m->phys + (virt - m->virt);
  if (!mem_.contains(GuestPhys(p))) return std::nullopt;
  return p;
}

bool GuestView::read(uint32_t virt, void* out, size_t len) const {
  auto* dst = static_cast<uint8_t*>(out);
  uint64_t at = virt;
  while (len > 0) {
    if (at > UINT32_MAX) return false;
    std::optional<uint64_t> p = translate(static_cast<uint32_t>(at));
    if (!p) return false;
    size_t chunk = std::min<uint64_t>(len, kPageSize - (at & 0xFFF));
    if (!mem_.read(GuestPhys(*p), dst, chunk)) return false;
    dst += chunk;
    at += chunk;
    len -= chunk;
  }
  return true;
}

std::optional<std::string> GuestView::cstring(uint32_t virt, size_t max) const {
  if (uint64_t{virt} + max > UINT32_MAX) return std::nullopt;
  std::string s;
  uint64_t at = virt;
  while (s.size() < max) {
    std::optional<uint64_t> p = translate(static_cast<uint32_t>(at));
    if (!p) return std::nullopt;
    size_t chunk = std::min<uint64_t>(max - s.size(), kPageSize - (at & 0xFFF));
    const uint8_t* bytes = mem_.base() + *p;  // translate() checked the page is RAM
    if (!mem_.contains(GuestPhys(*p), chunk)) return std::nullopt;
    const void* nul = std::memchr(bytes, 0, chunk);
    if (nul) {
      s.append(reinterpret_cast<const char*>(bytes), static_cast<const uint8_t*>(nul) - bytes);
      return s;
    }
    s.append(reinterpret_cast<const char*>(bytes), chunk);
    at += chunk;
  }
  // `max` bytes without a NUL; a NUL right after still makes a valid string.
  std::optional<uint8_t> last = u8(static_cast<uint32_t>(virt + max));
  if (last && *last == 0) return s;
  return std::nullopt;
}

}  // namespace tandem
