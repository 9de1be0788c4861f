#include "vmm/PhysMemory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace tandem {

PhysMemory::PhysMemory(uint64_t bytes) {
  size_ = (bytes + kPageSize - 1) & ~uint64_t{kPageSize - 1};
  if (size_ == 0) size_ = kPageSize;
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ram_ = static_cast<uint8_t*>(p);
  dirty_.assign(size_ >> kPageShift, 1);
}

PhysMemory::~PhysMemory() { munmap(ram_, size_); }

bool PhysMemory::read(GuestPhys addr, void* out, uint64_t len) const {
  if (!contains(addr, len)) return false;
  std::memcpy(out, ram_ + addr.value(), len);
  return true;
}

bool PhysMemory::write(GuestPhys addr, const void* in, uint64_t len) {
  if (!contains(addr, len)) return false;
  if (len == 0) return true;
  std::memcpy(ram_ + addr.value(), in, len);
  uint64_t first = addr.value() >> kPageShift;
  uint64_t last = (addr.value() + len - 1) >> kPageShift;
  for (uint64_t p = first; p <= last; ++p) dirty_[p] = 1;
  return true;
}

void PhysMemory::clearDirty() { std::fill(dirty_.begin(), dirty_.end(), 0); }

}  // namespace tandem
