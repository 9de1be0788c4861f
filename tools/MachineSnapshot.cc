#include "tools/MachineSnapshot.h"

#include <algorithm>
#include <cstring>

namespace tandem::cli {
namespace {

bool pageIsZero(const uint8_t* p) {
  static constexpr uint8_t kZero[kPageSize] = {};
  return std::memcmp(p, kZero, kPageSize) == 0;
}

}  // namespace

MachineSnapshot captureMachine(Machine& m, RunClock& clock) {
  MachineSnapshot s;
  s.ram_bytes = m.memory().size();
  s.machine = m.saveState();
  s.clock = clock.save(m.icount());
  const uint8_t* ram = m.memory().base();
  for (uint64_t pfn = 0; pfn < m.memory().pageCount(); ++pfn) {
    const uint8_t* page = ram + (pfn << kPageShift);
    if (pageIsZero(page)) continue;
    s.page_numbers.push_back(static_cast<uint32_t>(pfn));
    s.page_data.insert(s.page_data.end(), page, page + kPageSize);
  }
  return s;
}

Status restoreMachine(const MachineSnapshot& s, Machine& m, RunClock& clock) {
  PhysMemory& mem = m.memory();
  if (s.ram_bytes != mem.size())
    return makeError("the machine was saved with " + std::to_string(s.ram_bytes >> 20) +
                     " MiB of RAM, not " + std::to_string(mem.size() >> 20) + " MiB");
  if (s.page_data.size() != s.page_numbers.size() * kPageSize)
    return makeError("RAM pages and their numbers disagree");
  if (!std::is_sorted(s.page_numbers.begin(), s.page_numbers.end()) ||
      std::adjacent_find(s.page_numbers.begin(), s.page_numbers.end()) != s.page_numbers.end())
    return makeError("RAM page numbers are not ascending");
  if (!s.page_numbers.empty() && s.page_numbers.back() >= mem.pageCount())
    return makeError("RAM page " + std::to_string(s.page_numbers.back()) + " lies outside RAM");
  size_t next = 0;
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn) {
    uint8_t* page = mem.base() + (pfn << kPageShift);
    if (next < s.page_numbers.size() && s.page_numbers[next] == pfn) {
      std::memcpy(page, &s.page_data[next * kPageSize], kPageSize);
      ++next;
    } else if (!pageIsZero(page)) {
      std::memset(page, 0, kPageSize);
    }
    mem.markDirty(pfn);
  }
  // The CPU drops every decoded block and TLB entry when its state is loaded.
  if (Status st = m.restoreState(s.machine); !st) return st;
  return clock.restore(s.clock, m.icount());
}

}  // namespace tandem::cli
