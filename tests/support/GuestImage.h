// Synthetic guest memory shaped like a booted 32-bit Linux guest, for tests
// and benchmarks of the log store until real guest images are at hand.
//
// Pages are drawn, by deterministic pseudo-random choice, from the kinds a
// booted kernel's RAM holds, in proportions typical of a small guest shortly
// after boot (most RAM still free):
//   zero         free pages
//   code         x86 instruction streams (kernel text, busybox in page cache)
//   text         strings, printk buffer, text files
//   kernel data  structures full of kernel pointers, small counters, flags
//   page tables  PTEs mapping runs of frames
//   sparse       mostly zero with a little data (stacks, partly used slabs)
//   random       incompressible data (compressed files, entropy)
// mutateGuestImage() derives "another crash of the same guest": many of the
// data-structure pages differ by a few words (pointers, counters,
// timestamps), few of the others; a few free pages get allocated, a few
// pages move to other frames.
//
// The defaults follow two 128 MiB memory images of Debian's i386 kernel
// panicking under QEMU right after boot (the `panic` workload): 73% of the
// pages zero; of the others about a sixth incompressible, a third like code,
// the rest text and structures; between the two runs 29% of the pages in use
// differed, most of them in fewer than 512 bytes and compressing twice as
// well as the average page (data, not code), and almost none moved.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "vmm/PhysMemory.h"

namespace tandem::testing {

// splitmix64: small, fast and deterministic on every host.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

enum class PageKind { kZero, kCode, kText, kKernelData, kPageTable, kSparse, kRandom };

// Percentages of each kind (sum 100).
struct GuestMix {
  uint32_t zero = 73, code = 9, text = 4, kernel_data = 6, page_table = 1, sparse = 3, random = 4;
};

inline PageKind pickKind(Rng& rng, const GuestMix& mix) {
  uint32_t r = rng.below(100);
  const std::array<std::pair<uint32_t, PageKind>, 6> cum = {{{mix.zero, PageKind::kZero},
                                                             {mix.code, PageKind::kCode},
                                                             {mix.text, PageKind::kText},
                                                             {mix.kernel_data, PageKind::kKernelData},
                                                             {mix.page_table, PageKind::kPageTable},
                                                             {mix.sparse, PageKind::kSparse}}};
  for (const auto& [share, kind] : cum) {
    if (r < share) return kind;
    r -= share;
  }
  return PageKind::kRandom;
}

inline void fillCode(uint8_t* p, Rng& rng) {
  // Instruction templates; 0xEE bytes are replaced by displacement/immediate bytes.
  static const std::array<std::string_view, 16> kInsns = {
      "\x55", "\x89\xe5", "\x57\x56\x53", "\x83\xec\xEE", "\x8b\x45\xEE", "\x8b\x55\xEE",
      "\x89\x43\xEE", "\x85\xc0", "\x74\xEE", "\x75\xEE", "\xe8\xEE\xEE\xEE\xff", "\x8d\x76\x00",
      "\x5b\x5e\x5f\x5d\xc3", "\x31\xc0", "\xc7\x45\xEE\x00\x00\x00\x00", "\x8b\x83\xEE\xEE\x00\x00"};
  size_t i = 0;
  while (i < kPageSize) {
    std::string_view t = kInsns[rng.below(kInsns.size())];
    for (char c : t) {
      if (i == kPageSize) break;
      uint8_t b = static_cast<uint8_t>(c);
      p[i++] = b == 0xEE ? static_cast<uint8_t>(rng.below(64) * 4) : b;
    }
  }
}

inline void fillText(uint8_t* p, Rng& rng) {
  static const std::array<std::string_view, 24> kWords = {
      "the ", "kernel ", "device ", "failed ", "error ", "memory ", "cpu ", "irq ", "%s: ",
      "0x%08lx ", "module ", "driver ", "serial8250: ", "ttyS0 ", "at I/O ", "is a 16550A\n",
      "Freeing ", "unused ", "kB\n", "mount ", "proc ", "/bin/sh ", "init ", "[    0.000000] "};
  size_t i = 0;
  while (i < kPageSize) {
    std::string_view w = kWords[rng.below(kWords.size())];
    size_t n = std::min(w.size(), kPageSize - i);
    std::memcpy(p + i, w.data(), n);
    i += n;
  }
}

inline void fillKernelData(uint8_t* p, Rng& rng) {
  // 64-byte objects: list pointers into low memory, counters, flags, padding.
  for (size_t obj = 0; obj < kPageSize; obj += 64) {
    uint32_t w[16] = {};
    uint32_t base = 0xC0000000u + (rng.below(0x8000) << 12);
    w[0] = base + rng.below(64) * 64;
    w[1] = base + rng.below(64) * 64;
    w[2] = rng.below(8);
    w[3] = rng.below(3) ? 0 : static_cast<uint32_t>(rng.next());
    w[4] = 0xC1000000u + rng.below(0x100000) * 4;
    w[6] = rng.below(2) ? 0x00000001u : 0x00000100u;
    std::memcpy(p + obj, w, 64);
  }
}

inline void fillPageTable(uint8_t* p, Rng& rng) {
  uint32_t frame = rng.below(0x8000);
  uint32_t used = 256 + rng.below(768);
  for (uint32_t i = 0; i < kPageSize / 4; ++i) {
    uint32_t pte = i < used ? ((frame + i) << 12) | 0x063 : 0;
    std::memcpy(p + 4 * i, &pte, 4);
  }
}

inline void fillPage(uint8_t* p, PageKind kind, Rng& rng) {
  std::memset(p, 0, kPageSize);
  switch (kind) {
    case PageKind::kZero: break;
    case PageKind::kCode: fillCode(p, rng); break;
    case PageKind::kText: fillText(p, rng); break;
    case PageKind::kKernelData: fillKernelData(p, rng); break;
    case PageKind::kPageTable: fillPageTable(p, rng); break;
    case PageKind::kSparse:
      for (uint32_t n = 1 + rng.below(6); n > 0; --n) {
        uint32_t at = rng.below(kPageSize - 64);
        for (uint32_t k = 0; k < 64; ++k) p[at + k] = static_cast<uint8_t>(rng.next());
      }
      break;
    case PageKind::kRandom:
      for (size_t i = 0; i < kPageSize; i += 8) {
        uint64_t v = rng.next();
        std::memcpy(p + i, &v, 8);
      }
      break;
  }
}

// Fills all of `mem`. The same seed gives the same image.
inline void fillGuestImage(PhysMemory& mem, uint64_t seed, const GuestMix& mix = {}) {
  Rng rng(seed);
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn)
    fillPage(mem.base() + (pfn << kPageShift), pickKind(rng, mix), rng);
}

// Turns an image into that of another run of the same guest; the defaults
// change about 28% of the pages in use, as between the two QEMU runs. Pages that
// look like data structures (a quarter or more zero bytes) change with
// probability `data_edit_pct` percent, other pages in use (code, text,
// compressed data) with `other_edit_pct` percent; a changed page gets 1 to
// 16 words rewritten with kernel-pointer-like values. One in 300 free pages
// gets allocated, and `move_pct` percent of the pages swap frames with
// another page (the same file cached at another place).
inline void mutateGuestImage(PhysMemory& mem, uint64_t seed, uint32_t data_edit_pct = 65,
                             uint32_t other_edit_pct = 5, uint32_t move_pct = 1) {
  Rng rng(seed);
  const uint64_t pages = mem.pageCount();
  for (uint64_t pfn = 0; pfn < pages; ++pfn) {
    uint8_t* p = mem.base() + (pfn << kPageShift);
    size_t zeros = static_cast<size_t>(std::count(p, p + kPageSize, uint8_t{0}));
    if (zeros == kPageSize) {
      if (rng.below(300) == 0) fillPage(p, PageKind::kKernelData, rng);
      continue;
    }
    uint32_t pct = zeros * 4 >= kPageSize ? data_edit_pct : other_edit_pct;
    if (rng.below(100) >= pct) continue;
    for (uint32_t n = 1 + rng.below(16); n > 0; --n) {
      uint32_t v = 0xC0000000u + rng.below(0x8000000);
      std::memcpy(p + rng.below(kPageSize / 4) * 4, &v, 4);
    }
  }
  uint8_t tmp[kPageSize];
  for (uint64_t n = pages * move_pct / 100; n > 0; --n) {
    uint8_t* a = mem.base() + ((rng.next() % pages) << kPageShift);
    uint8_t* b = mem.base() + ((rng.next() % pages) << kPageShift);
    std::memcpy(tmp, a, kPageSize);
    std::memcpy(a, b, kPageSize);
    std::memcpy(b, tmp, kPageSize);
  }
}

}  // namespace tandem::testing
