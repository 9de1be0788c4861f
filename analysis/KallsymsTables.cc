#include "analysis/KallsymsTables.h"

#include <algorithm>
#include <cstring>

namespace tandem {
namespace {

constexpr int kTokens = 256;
// KSYM_NAME_LEN in 6.1: no entry expands from more codes than this.
constexpr uint32_t kMaxEntryCodes = 512;
constexpr uint32_t kMaxSymbols = 4u << 20;

bool tokenChar(uint8_t c) { return c > 0x20 && c < 0x7F; }

}  // namespace

uint32_t KallsymsTables::Bytes::u32(uint64_t at) const {
  uint32_t v;
  std::memcpy(&v, p + at, 4);
  return v;
}

uint16_t KallsymsTables::Bytes::u16(uint64_t at) const {
  uint16_t v;
  std::memcpy(&v, p + at, 2);
  return v;
}

bool KallsymsTables::tokenIndexAt(const Bytes& b, uint64_t at, Tokens* out) {
  if (!b.has(at, kTokens * 2)) return false;
  uint16_t idx[kTokens];
  std::memcpy(idx, b.p + at, sizeof idx);
  if (idx[0] != 0) return false;
  for (int i = 1; i < kTokens; ++i)
    if (idx[i] <= idx[i - 1]) return false;
  // The token table ends right before the index, after at most 3 bytes of
  // alignment padding; the last token's start fixes where the table begins.
  for (uint64_t pad = 0; pad < 4; ++pad) {
    if (at < pad + 2) break;
    uint64_t last_nul = at - 1 - pad;
    if (b.p[last_nul] != 0) continue;
    uint64_t last_start = last_nul;
    while (last_start > 0 && b.p[last_start - 1] != 0 && last_nul - last_start < kMaxEntryCodes)
      --last_start;
    if (last_start < idx[kTokens - 1]) continue;
    uint64_t table = last_start - idx[kTokens - 1];
    bool ok = true;
    std::vector<std::string> strings(kTokens);
    size_t nonempty = 0;
    for (int i = 0; i < kTokens && ok; ++i) {
      uint64_t s = table + idx[i];
      uint64_t e = i + 1 < kTokens ? table + idx[i + 1] - 1 : last_nul;
      if (b.p[e] != 0) ok = false;
      for (uint64_t k = s; k < e && ok; ++k) ok = tokenChar(b.p[k]);
      if (ok) strings[i].assign(reinterpret_cast<const char*>(b.p + s), e - s);
      nonempty += !strings[i].empty();
    }
    // A real table uses nearly every code; a run of small numbers does not.
    if (!ok || nonempty < kTokens / 2) continue;
    out->strings = std::move(strings);
    out->table = table;
    return true;
  }
  return false;
}

bool KallsymsTables::namesAt(const Bytes& b, uint64_t names, uint32_t count,
                             const std::vector<uint32_t>& markers, uint64_t names_end_limit,
                             const Tokens& tokens, std::vector<KernelSymbol>* out) {
  std::vector<KernelSymbol> syms;
  if (out) syms.reserve(count);
  uint64_t at = names;
  std::string expanded;
  for (uint32_t i = 0; i < count; ++i) {
    if (i % 256 == 0 && at - names != markers[i / 256]) return false;
    if (at >= names_end_limit) return false;
    uint32_t len = b.p[at++];
    if (len & 0x80) {
      if (at >= names_end_limit) return false;
      len = (len & 0x7F) | (uint32_t{b.p[at++]} << 7);
    }
    if (len == 0 || len > kMaxEntryCodes || len > names_end_limit - at) return false;
    if (out) {
      expanded.clear();
      for (uint32_t k = 0; k < len; ++k) expanded += tokens.strings[b.p[at + k]];
      if (expanded.size() < 2) return false;
      syms.push_back(KernelSymbol{0, expanded[0], expanded.substr(1)});
    }
    at += len;
  }
  if (names_end_limit - at > 3) return false;
  if (out) *out = std::move(syms);
  return true;
}

bool KallsymsTables::tablesBefore(const Bytes& b, const Tokens& tokens, uint64_t index_at,
                                  KallsymsTables* out) {
  uint64_t t = tokens.table;
  if (t % 4) return false;
  // The markers end at the token table, or 4 bytes before it on a 64-bit
  // style alignment.
  for (uint64_t end : {t, t - 4})
    if (end >= 16 && end <= t && fromMarkersEnd(b, tokens, index_at, end, 0, out)) return true;
  // Or kallsyms_seqs_of_names (3 bytes per symbol, big-endian indexes in
  // name order) sits between them: for each count it would have, the
  // markers end at a fixed place; cheap checks pick the few worth decoding.
  for (uint64_t n = 1; n <= kMaxSymbols && 3 * n + 16 <= t; ++n) {
    uint64_t end = (t - 3 * n) & ~uint64_t{3};
    if (end + 3 * n + 4 <= t) continue;  // would leave more than 3 bytes of padding
    uint64_t groups = (n + 255) / 256;
    if (end < 4 * groups + 8) break;
    uint64_t first = end - 4 * groups;
    if (b.u32(first) != 0) continue;
    if (groups > 1 && (b.u32(first + 4) == 0 || b.u32(end - 4) <= b.u32(end - 8))) continue;
    if (!fromMarkersEnd(b, tokens, index_at, end, static_cast<uint32_t>(n), out)) continue;
    // The indexes must be a permutation of the symbols.
    std::vector<bool> seen(n);
    bool perm = true;
    for (uint64_t i = 0; i < n && perm; ++i) {
      const uint8_t* p = b.p + end + 3 * i;
      uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
      perm = v < n && !seen[v];
      if (perm) seen[v] = true;
    }
    if (!perm) continue;
    out->loc_.seqs_of_names = end;
    return true;
  }
  return false;
}

bool KallsymsTables::fromMarkersEnd(const Bytes& b, const Tokens& tokens, uint64_t index_at,
                                    uint64_t end, uint32_t expected_count, KallsymsTables* out) {
  // kallsyms_markers: strictly increasing from 0, read backwards.
  std::vector<uint32_t> markers;
  uint64_t at = end;
  while (at >= 4) {
    uint32_t w = b.u32(at - 4);
    if (!markers.empty() && w >= markers.back()) break;
    markers.push_back(w);
    at -= 4;
    if (w == 0) break;
  }
  if (markers.empty() || markers.back() != 0) return false;
  std::reverse(markers.begin(), markers.end());
  uint64_t markers_at = at;
  uint32_t groups = static_cast<uint32_t>(markers.size());
  if (expected_count && (expected_count + 255) / 256 != groups) return false;
  uint32_t last = markers.back();
  if (markers_at < uint64_t{last} + 8) return false;
  // kallsyms_names starts 4-aligned right after kallsyms_num_syms; the
  // last group of at most 256 entries ends just before the markers.
  uint64_t hi = (markers_at - last) & ~uint64_t{3};
  uint64_t span = uint64_t{256} * (kMaxEntryCodes + 2);
  uint64_t lo = hi > span + 8 ? hi - span : 8;
  for (uint64_t names = hi; names >= lo; names -= 4) {
    uint32_t n = b.u32(names - 4);
    if (n <= 256 * (groups - 1) || n > 256 * groups || n > kMaxSymbols) continue;
    if (expected_count && n != expected_count) continue;
    std::vector<uint32_t> tail = {0};
    if (!namesAt(b, names + last, n - 256 * (groups - 1), tail, markers_at, tokens, nullptr))
      continue;
    if (names < 8 + uint64_t{4} * n) continue;
    uint64_t offsets = names - 8 - uint64_t{4} * n;
    std::vector<KernelSymbol> syms;
    if (!namesAt(b, names, n, markers, markers_at, tokens, &syms)) continue;
    uint32_t base = b.u32(names - 8);
    uint32_t prev = 0;
    bool sorted = true;
    for (uint32_t i = 0; i < n && sorted; ++i) {
      uint32_t off = b.u32(offsets + uint64_t{4} * i);
      sorted = off >= prev && uint64_t{base} + off <= UINT32_MAX;
      prev = off;
      syms[i].address = base + off;
    }
    if (!sorted) continue;
    out->loc_ = KallsymsLocation{};
    out->loc_.offsets = offsets;
    out->loc_.relative_base = names - 8;
    out->loc_.num_syms = names - 4;
    out->loc_.names = names;
    out->loc_.markers = markers_at;
    out->loc_.token_table = tokens.table;
    out->loc_.token_index = index_at;
    out->loc_.count = n;
    out->loc_.base = base;
    out->symbols_ = std::move(syms);
    return true;
  }
  return false;
}

Result<KallsymsTables> KallsymsTables::find(const PhysMemory& mem) {
  Bytes b{mem.base(), mem.size()};
  for (uint64_t at = 0; at + kTokens * 2 <= b.size; at += 4) {
    // Cheap filter before the full check: 0, then small increasing offsets.
    uint16_t a0 = b.u16(at), a1 = b.u16(at + 2), a2 = b.u16(at + 4);
    if (a0 != 0 || a1 < 2 || a1 > 64 || a2 <= a1 || a2 > a1 + 64) continue;
    Tokens tokens;
    if (!tokenIndexAt(b, at, &tokens)) continue;
    KallsymsTables t;
    if (tablesBefore(b, tokens, at, &t)) return t;
  }
  return makeError("no kallsyms tables found in guest memory (is the kernel loaded, and was it "
                   "built with CONFIG_KALLSYMS and CONFIG_KALLSYMS_BASE_RELATIVE?)");
}

}  // namespace tandem
