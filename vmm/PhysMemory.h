// Guest RAM: one contiguous host allocation starting at guest physical 0,
// with a dirty flag per 4 KiB page for incremental snapshots. Every access
// from outside the CPU's fast path goes through the bounds-checked helpers
// here, so nothing can reach host memory outside the allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vmm/Types.h"

namespace tandem {

class PhysMemory {
 public:
  // `bytes` is rounded up to a whole page. Throws std::bad_alloc if the host
  // cannot provide it.
  explicit PhysMemory(uint64_t bytes);
  ~PhysMemory();
  PhysMemory(const PhysMemory&) = delete;
  PhysMemory& operator=(const PhysMemory&) = delete;

  uint64_t size() const { return size_; }
  uint64_t pageCount() const { return size_ >> kPageShift; }
  bool contains(GuestPhys addr, uint64_t len = 1) const {
    return addr.value() <= size_ && len <= size_ - addr.value();
  }

  // Host pointer to the start of the page holding `addr`, or nullptr when the
  // page is not RAM.
  uint8_t* pagePointer(GuestPhys addr) {
    return addr.value() < size_ ? ram_ + (addr.value() & ~uint64_t{kPageSize - 1}) : nullptr;
  }
  uint8_t* base() { return ram_; }
  const uint8_t* base() const { return ram_; }

  // Bounds-checked copies; false (and nothing copied) when any byte of the
  // range lies outside RAM. Writes mark the pages dirty. Writers other than
  // the CPU must also tell the CPU to drop decoded code for the range.
  [[nodiscard]] bool read(GuestPhys addr, void* out, uint64_t len) const;
  [[nodiscard]] bool write(GuestPhys addr, const void* in, uint64_t len);

  // Dirty tracking: a page is dirty once written since the last clear. A
  // CPU caches write permission per page (and marks the page when it does),
  // so memory a CPU runs on is cleared with Cpu::clearDirtyPages().
  void markDirty(uint64_t pfn) { dirty_[pfn] = 1; }
  bool isDirty(uint64_t pfn) const { return dirty_[pfn] != 0; }
  void clearDirty();
  const std::vector<uint8_t>& dirtyMap() const { return dirty_; }

 private:
  uint8_t* ram_ = nullptr;
  uint64_t size_ = 0;
  std::vector<uint8_t> dirty_;
};

}  // namespace tandem
