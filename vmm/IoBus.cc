#include "vmm/IoBus.h"

#include <algorithm>
#include <cinttypes>

#include "vmm/Assert.h"
#include "vmm/Log.h"

namespace tandem {
namespace {

constexpr size_t kMaxLoggedUnmapped = 4096;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

}  // namespace

IoBus::IoBus(std::string space, uint64_t limit) : space_(std::move(space)), limit_(limit) {}

Status IoBus::map(std::string_view device, uint64_t base, uint64_t length, ReadFn read,
                  WriteFn write, Width width) {
  std::string what =
      space_ + " range " + hex(base) + "+" + hex(length) + " of '" + std::string(device) + "'";
  if (length == 0) return makeError(what + " is empty");
  if (base >= limit_ || length > limit_ - base)
    return makeError(what + " reaches past the end of the " + space_ + " space (" + hex(limit_) +
                     ")");
  auto next = std::upper_bound(ranges_.begin(), ranges_.end(), base,
                               [](uint64_t b, const Range& r) { return b < r.base; });
  if (next != ranges_.end() && next->base < base + length)
    return makeError(what + " overlaps '" + next->device + "' at " + hex(next->base));
  if (next != ranges_.begin()) {
    const Range& prev = *(next - 1);
    if (prev.base + prev.length > base)
      return makeError(what + " overlaps '" + prev.device + "' at " + hex(prev.base));
  }
  TANDEM_ASSERT(read && write);
  ranges_.insert(
      next, Range{base, length, std::string(device), std::move(read), std::move(write), width});
  return {};
}

const IoBus::Range* IoBus::find(uint64_t addr) const {
  auto next = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                               [](uint64_t a, const Range& r) { return a < r.base; });
  if (next == ranges_.begin()) return nullptr;
  const Range& r = *(next - 1);
  return addr - r.base < r.length ? &r : nullptr;
}

const IoBus::Range* IoBus::wholeAccess(uint64_t addr, unsigned size) const {
  const Range* r = find(addr);
  if (!r) return nullptr;
  if (size == 1) return r;
  if (r->width == Width::kBytes || addr - r->base + size > r->length) return nullptr;
  return r;
}

std::string_view IoBus::deviceAt(uint64_t addr) const {
  const Range* r = find(addr);
  return r ? std::string_view(r->device) : std::string_view();
}

uint32_t IoBus::read(uint64_t addr, unsigned size) {
  TANDEM_ASSERT(size == 1 || size == 2 || size == 4);
  if (const Range* r = wholeAccess(addr, size)) {
    uint32_t v = r->read(addr - r->base, size);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
  }
  uint32_t v = 0;
  for (unsigned i = 0; i < size; i++) v |= uint32_t{readByte(addr + i)} << (8 * i);
  return v;
}

void IoBus::write(uint64_t addr, unsigned size, uint32_t value) {
  TANDEM_ASSERT(size == 1 || size == 2 || size == 4);
  if (const Range* r = wholeAccess(addr, size)) {
    r->write(addr - r->base, size, size == 4 ? value : value & ((1u << (8 * size)) - 1));
    return;
  }
  for (unsigned i = 0; i < size; i++) writeByte(addr + i, static_cast<uint8_t>(value >> (8 * i)));
}

uint8_t IoBus::readByte(uint64_t addr) {
  if (addr < limit_) {
    if (const Range* r = find(addr)) return static_cast<uint8_t>(r->read(addr - r->base, 1));
  }
  noteUnmapped(addr, "read");
  return 0xFF;
}

void IoBus::writeByte(uint64_t addr, uint8_t value) {
  if (addr < limit_) {
    if (const Range* r = find(addr)) {
      r->write(addr - r->base, 1, value);
      return;
    }
  }
  noteUnmapped(addr, "write");
}

void IoBus::noteUnmapped(uint64_t addr, const char* what) {
  if (!logEnabled("bus", LogLevel::Debug) || unmapped_log_full_) return;
  if (logged_unmapped_.size() >= kMaxLoggedUnmapped) {
    unmapped_log_full_ = true;
    TANDEM_LOG("bus", Debug, "%s: more than %zu unmapped addresses used; no longer logging them",
               space_.c_str(), kMaxLoggedUnmapped);
    return;
  }
  if (logged_unmapped_.insert(addr).second)
    TANDEM_LOG("bus", Debug, "%s %s 0x%" PRIx64 " is unmapped (reads all-ones, writes ignored)",
               what, space_.c_str(), addr);
}

}  // namespace tandem
