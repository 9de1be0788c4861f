// Segment and gate descriptors as they sit in the GDT, LDT and IDT.
#pragma once

#include <cstdint>

#include "vmm/cpu/CpuState.h"

namespace tandem {

namespace desc_type {
// System descriptor types (S = 0).
constexpr uint8_t kTss16Avail = 1, kLdt = 2, kTss16Busy = 3, kCallGate16 = 4, kTaskGate = 5,
                  kIntGate16 = 6, kTrapGate16 = 7, kTss32Avail = 9, kTss32Busy = 11,
                  kCallGate32 = 12, kIntGate32 = 14, kTrapGate32 = 15;
}  // namespace desc_type

struct Descriptor {
  uint64_t raw;

  uint32_t base() const {
    return static_cast<uint32_t>(((raw >> 16) & 0xFFFFFF) | ((raw >> 32) & 0xFF000000u));
  }
  uint32_t rawLimit() const { return static_cast<uint32_t>((raw & 0xFFFF) | ((raw >> 32) & 0xF0000)); }
  bool granular() const { return (raw >> 55) & 1; }
  uint32_t limit() const { return granular() ? (rawLimit() << 12) | 0xFFF : rawLimit(); }
  // Attribute bits in SegmentCache::attr layout.
  uint16_t attr() const { return static_cast<uint16_t>((raw >> 40) & 0xF0FF); }
  uint8_t type() const { return (raw >> 40) & 0xF; }
  bool system() const { return !((raw >> 44) & 1); }
  unsigned dpl() const { return (raw >> 45) & 3; }
  bool present() const { return (raw >> 47) & 1; }
  bool code() const { return !system() && (type() & seg_attr::kCode); }
  bool data() const { return !system() && !(type() & seg_attr::kCode); }
  bool conforming() const { return code() && (type() & seg_attr::kConforming); }
  bool readable() const { return data() || (code() && (type() & seg_attr::kReadable)); }
  bool writable() const { return data() && (type() & seg_attr::kWritable); }
  bool big() const { return (raw >> 54) & 1; }

  // Gates.
  uint16_t gateSelector() const { return static_cast<uint16_t>(raw >> 16); }
  uint32_t gateOffset() const {
    return static_cast<uint32_t>((raw & 0xFFFF) | ((raw >> 32) & 0xFFFF0000u));
  }
  unsigned gateParamCount() const { return (raw >> 32) & 0x1F; }

  SegmentCache toCache(uint16_t selector) const {
    return SegmentCache{base(), limit(), selector, attr(), 1};
  }
};

}  // namespace tandem
