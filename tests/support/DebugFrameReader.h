// Reads the .debug_frame that analysis/KernelFrames writes, the way a
// DWARF consumer does: the rules in effect at an address (the CIEs and
// FDEs, and the call frame instructions the builder uses).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tandem::test {

// DWARF register numbers of i386.
namespace dwarf_reg {
constexpr int kEax = 0, kEcx = 1, kEdx = 2, kEbx = 3, kEsp = 4, kEbp = 5, kEsi = 6, kEdi = 7,
              kEip = 8, kEflags = 9;
}  // namespace dwarf_reg

// The rules in effect at one address, as a DWARF consumer computes them.
struct Row {
  int cfa_reg = -1;
  int64_t cfa_off = 0;
  std::map<int, int64_t> saved;  // register -> offset from the CFA
  bool eip_undefined = false;
  bool signal = false;
  bool operator==(const Row&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Row& r) {
  os << "cfa=r" << r.cfa_reg << "+" << r.cfa_off << (r.signal ? " S" : "")
     << (r.eip_undefined ? " eip undefined" : "");
  for (auto [reg, off] : r.saved) os << " r" << reg << "@" << off;
  return os;
}

class FrameReader {
 public:
  explicit FrameReader(std::vector<uint8_t> bytes) : b_(std::move(bytes)) {}

  // The row at `pc`, or nullopt when no FDE covers it.
  std::optional<Row> at(uint32_t pc) const {
    size_t p = 0;
    while (p + 4 <= b_.size()) {
      uint32_t len = u32(p);
      size_t body = p + 4, next = body + len;
      EXPECT_LE(next, b_.size());
      EXPECT_EQ(len % 4, 0u) << "entries are padded to 4 bytes";
      uint32_t id = u32(body);
      if (id != 0xffffffff) {
        uint32_t start = u32(body + 4), range = u32(body + 8);
        if (pc >= start && pc - start < range) {
          Cie cie = readCie(id);
          Row row = cie.initial;
          Row initial = row;
          run(body + 12, next, start, pc, row, initial);
          row.signal = cie.signal;
          return row;
        }
      }
      p = next;
    }
    return std::nullopt;
  }

  size_t fdesCovering(uint32_t pc) const {
    size_t n = 0;
    for (size_t p = 0; p + 4 <= b_.size(); p += 4 + u32(p)) {
      size_t body = p + 4;
      if (u32(body) == 0xffffffff) continue;
      uint32_t start = u32(body + 4), range = u32(body + 8);
      n += pc >= start && pc - start < range;
    }
    return n;
  }

 private:
  struct Cie {
    bool signal = false;
    Row initial;
  };

  uint32_t u32(size_t p) const {
    uint32_t v;
    std::memcpy(&v, b_.data() + p, 4);
    return v;
  }
  uint64_t uleb(size_t& p) const {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t byte = b_[p++];
      v |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return v;
    }
  }
  int64_t sleb(size_t& p) const {
    int64_t v = 0;
    int shift = 0;
    uint8_t byte;
    do {
      byte = b_[p++];
      v |= int64_t{byte & 0x7f} << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) v |= -(int64_t{1} << shift);
    return v;
  }

  Cie readCie(size_t at) const {
    size_t end = at + 4 + u32(at);
    size_t p = at + 8;
    EXPECT_EQ(b_[p], 3) << "CIE version";
    ++p;
    Cie cie;
    std::string aug(reinterpret_cast<const char*>(b_.data() + p));
    p += aug.size() + 1;
    cie.signal = aug == "S";
    EXPECT_TRUE(aug.empty() || aug == "S") << aug;
    EXPECT_EQ(uleb(p), 1u);
    EXPECT_EQ(sleb(p), -4);
    EXPECT_EQ(uleb(p), 8u) << "return address column";
    Row none;
    run(p, end, 0, 0, cie.initial, none);
    return cie;
  }

  // Runs instructions [p, end) from location `loc` up to (not past) `pc`.
  void run(size_t p, size_t end, uint32_t loc, uint32_t pc, Row& row, const Row& initial) const {
    while (p < end) {
      uint8_t op = b_[p++];
      uint32_t advance = 0;
      switch (op & 0xc0) {
        case 0x40:
          advance = op & 0x3f;
          break;
        case 0x80: {
          int reg = op & 0x3f;
          row.saved[reg] = static_cast<int64_t>(uleb(p)) * -4;
          if (reg == dwarf_reg::kEip) row.eip_undefined = false;
          continue;
        }
        case 0xc0: {
          int reg = op & 0x3f;
          auto it = initial.saved.find(reg);
          if (it != initial.saved.end()) row.saved[reg] = it->second;
          else row.saved.erase(reg);
          if (reg == dwarf_reg::kEip) row.eip_undefined = initial.eip_undefined;
          continue;
        }
        default:
          break;
      }
      if (!advance) {
        switch (op) {
          case 0x00: continue;  // nop
          case 0x02: advance = b_[p++]; break;
          case 0x03: advance = b_[p] | (b_[p + 1] << 8); p += 2; break;
          case 0x04: advance = u32(p); p += 4; break;
          case 0x07: {
            int reg = static_cast<int>(uleb(p));
            row.saved.erase(reg);
            if (reg == dwarf_reg::kEip) row.eip_undefined = true;
            continue;
          }
          case 0x0c:
            row.cfa_reg = static_cast<int>(uleb(p));
            row.cfa_off = static_cast<int64_t>(uleb(p));
            continue;
          default:
            ADD_FAILURE() << "unexpected call frame instruction 0x" << std::hex << int{op};
            return;
        }
      }
      if (loc + advance > pc) return;
      loc += advance;
    }
  }

  std::vector<uint8_t> b_;
};

}  // namespace tandem::test
