// Encodes symbols the way Linux 6.1's scripts/kallsyms lays out its tables
// (base-relative offsets, 32-bit), for tests that search guest memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/KallsymsTables.h"

namespace tandem::testing {

struct KallsymsImage {
  std::vector<uint8_t> bytes;
  uint32_t token_table = 0;  // offsets inside `bytes`
  uint32_t markers = 0;
  uint32_t names = 0;

  // `symbols` must be sorted by address; `base` is kallsyms_relative_base.
  static KallsymsImage encode(const std::vector<KernelSymbol>& symbols, uint32_t base,
                              bool long_lengths = false) {
    // Codes 0x21..0x7E stand for themselves; the others for a few longer
    // strings, so the compression is exercised.
    std::vector<std::string> tokens(256);
    const char* multi[] = {"sym_", "init", "_t", "panic", "__", "tT", "x_"};
    size_t next_multi = 0;
    for (int c = 0; c < 256; ++c) {
      if (c > 0x20 && c < 0x7F) tokens[c] = std::string(1, static_cast<char>(c));
      else if (next_multi < std::size(multi)) tokens[c] = multi[next_multi++];
      else tokens[c] = "~" + std::to_string(c);  // unused by the names below
    }
    KallsymsImage img;
    auto u32 = [&](uint32_t v) {
      uint8_t b[4];
      std::memcpy(b, &v, 4);
      img.bytes.insert(img.bytes.end(), b, b + 4);
    };
    auto align4 = [&] { while (img.bytes.size() % 4) img.bytes.push_back(0); };
    for (const auto& s : symbols) u32(s.address - base);
    u32(base);
    u32(static_cast<uint32_t>(symbols.size()));
    img.names = static_cast<uint32_t>(img.bytes.size());
    std::vector<uint32_t> markers;
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i % 256 == 0) markers.push_back(static_cast<uint32_t>(img.bytes.size()) - img.names);
      std::string full = std::string(1, symbols[i].type) + symbols[i].name;
      std::vector<uint8_t> codes;
      for (size_t at = 0; at < full.size();) {
        int best = -1;
        size_t best_len = 0;
        for (int c = 0; c < 256; ++c) {
          const std::string& t = tokens[c];
          if (t.size() > best_len && full.compare(at, t.size(), t) == 0) {
            best = c;
            best_len = t.size();
          }
        }
        codes.push_back(static_cast<uint8_t>(best));
        at += best_len;
      }
      if (long_lengths) {  // the two-byte form, legal for any length
        img.bytes.push_back(static_cast<uint8_t>(0x80 | (codes.size() & 0x7F)));
        img.bytes.push_back(static_cast<uint8_t>(codes.size() >> 7));
      } else {
        img.bytes.push_back(static_cast<uint8_t>(codes.size()));
      }
      img.bytes.insert(img.bytes.end(), codes.begin(), codes.end());
    }
    align4();
    img.markers = static_cast<uint32_t>(img.bytes.size());
    for (uint32_t m : markers) u32(m);
    img.token_table = static_cast<uint32_t>(img.bytes.size());
    std::vector<uint16_t> index;
    for (const auto& t : tokens) {
      index.push_back(static_cast<uint16_t>(img.bytes.size() - img.token_table));
      img.bytes.insert(img.bytes.end(), t.begin(), t.end());
      img.bytes.push_back(0);
    }
    align4();
    for (uint16_t v : index) {
      img.bytes.push_back(static_cast<uint8_t>(v));
      img.bytes.push_back(static_cast<uint8_t>(v >> 8));
    }
    return img;
  }
};

}  // namespace tandem::testing
