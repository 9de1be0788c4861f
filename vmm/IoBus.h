// One address space of the board: the 64 KiB of I/O ports or the physical
// addresses that are not RAM (MMIO). Devices map address ranges; an access
// inside a range goes to that range's handlers with the offset from the
// range's base and the access size. Ranges never overlap: mapping one that
// would is refused. An access that touches no range reads all-ones and its
// writes are dropped, the same way on every run; the first access to each
// such address is logged at debug level (module "bus").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "vmm/Result.h"

namespace tandem {

class IoBus {
 public:
  // `offset` is relative to the base of the range; `size` is 1, 2 or 4.
  using ReadFn = std::function<uint32_t(uint64_t offset, unsigned size)>;
  using WriteFn = std::function<void(uint64_t offset, unsigned size, uint32_t value)>;

  // How a range takes accesses wider than a byte.
  enum class Width : uint8_t {
    kAny,    // the handler sees every access whole
    kBytes,  // an 8-bit device: wider accesses arrive as successive bytes, low first
  };

  // `space` names the address space in messages ("port", "mmio"); addresses
  // are below `limit`.
  IoBus(std::string space, uint64_t limit);

  // Maps [base, base + length) to `device`. Refused when the range is empty,
  // reaches past the limit or overlaps a range already mapped.
  Status map(std::string_view device, uint64_t base, uint64_t length, ReadFn read, WriteFn write,
             Width width = Width::kAny);

  uint32_t read(uint64_t addr, unsigned size);
  void write(uint64_t addr, unsigned size, uint32_t value);

  // The device mapped at `addr`, or an empty view.
  std::string_view deviceAt(uint64_t addr) const;

 private:
  struct Range {
    uint64_t base;
    uint64_t length;
    std::string device;
    ReadFn read;
    WriteFn write;
    Width width;
  };

  // The range holding `addr`, or nullptr.
  const Range* find(uint64_t addr) const;
  // The range that takes an access whole, or nullptr when it must be split
  // into bytes (unmapped, crossing a range end, or an 8-bit range).
  const Range* wholeAccess(uint64_t addr, unsigned size) const;
  uint8_t readByte(uint64_t addr);
  void writeByte(uint64_t addr, uint8_t value);
  void noteUnmapped(uint64_t addr, const char* what);

  std::string space_;
  uint64_t limit_;
  std::vector<Range> ranges_;  // sorted by base
  // Unmapped addresses already logged; bounded so a guest sweeping the
  // address space cannot grow it without end.
  std::unordered_set<uint64_t> logged_unmapped_;
  bool unmapped_log_full_ = false;
};

}  // namespace tandem
