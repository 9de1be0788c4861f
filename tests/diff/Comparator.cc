#include "tests/diff/Comparator.h"

#include <cstring>

#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

std::string hex80(const uint8_t* p) {
  std::string s;
  for (int i = 9; i >= 0; --i) s += strf("%02x", p[i]);
  return s;
}

void compareWord(const char* name, uint32_t host, uint32_t tandem, uint32_t mask, std::vector<std::string>& out) {
  if ((host & mask) != (tandem & mask))
    out.push_back(strf("%s: host 0x%08x tandem 0x%08x", name, host & mask, tandem & mask));
}

}  // namespace

std::string Comparator::flagNames(uint32_t bits) {
  static const struct {
    uint32_t bit;
    const char* name;
  } kNames[] = {{fl::CF, "CF"}, {fl::PF, "PF"}, {fl::AF, "AF"}, {fl::ZF, "ZF"}, {fl::SF, "SF"},
                {1u << 8, "TF"}, {fl::IF, "IF"}, {fl::DF, "DF"}, {fl::OF, "OF"}, {1u << 18, "AC"},
                {1u << 21, "ID"}};
  std::string s;
  for (const auto& n : kNames)
    if (bits & n.bit) s += std::string(s.empty() ? "" : " ") + n.name;
  return s.empty() ? strf("0x%x", bits) : s;
}

std::vector<std::string> Comparator::compareGprs(const uint32_t* host, const uint32_t* tandem) {
  static const char* const kNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  std::vector<std::string> out;
  for (int r = 0; r < 8; ++r) compareWord(kNames[r], host[r], tandem[r], 0xFFFFFFFFu, out);
  return out;
}

void Comparator::compareMemory(const uint8_t* host, const uint8_t* tandem, uint32_t len, uint32_t base,
                               std::vector<std::string>& out) {
  constexpr unsigned kMaxLines = 6;
  unsigned lines = 0;
  for (uint32_t i = 0; i < len;) {
    if (host[i] == tandem[i]) {
      ++i;
      continue;
    }
    if (lines++ == kMaxLines) {
      unsigned more = 0;
      for (uint32_t k = i; k < len; ++k) more += host[k] != tandem[k];
      out.push_back(strf("memory: %u more differing bytes from 0x%x on", more, base + i));
      return;
    }
    uint32_t end = i;
    while (end < len && end - i < 16 && host[end] != tandem[end]) ++end;
    std::string h, t;
    for (uint32_t k = i; k < end; ++k) {
      h += strf("%02x", host[k]);
      t += strf("%02x", tandem[k]);
    }
    out.push_back(strf("memory 0x%x..0x%x: host %s tandem %s", base + i, base + end - 1, h.c_str(), t.c_str()));
    i = end;
  }
}

void Comparator::compareFpu(const FsaveImage& host, const FsaveImage& tandem, uint16_t sw_undef,
                            std::vector<std::string>& out) {
  compareWord("fpu cw", host.cw, tandem.cw, 0xFFFFFFFFu, out);
  compareWord("fpu sw", host.sw, tandem.sw, ~uint32_t{sw_undef}, out);
  compareWord("fpu tw", host.tw, tandem.tw, 0xFFFFFFFFu, out);
  compareWord("fpu fip", host.fip, tandem.fip, 0xFFFFFFFFu, out);
  for (int i = 0; i < 8; ++i)
    if (std::memcmp(host.st[i], tandem.st[i], 10) != 0)
      out.push_back(strf("st(%d): host %s tandem %s", i, hex80(host.st[i]).c_str(), hex80(tandem.st[i]).c_str()));
}

std::vector<std::string> Comparator::compare(const TestCase& c, const ResultRecord& host, const ResultRecord& tandem) {
  std::vector<std::string> out = compareGprs(host.gpr, tandem.gpr);
  if ((host.eflags & ~c.undef) != (tandem.eflags & ~c.undef))
    out.push_back(strf("eflags: host 0x%08x tandem 0x%08x (differ: %s; undefined, not compared: %s)",
                       host.eflags, tandem.eflags, flagNames((host.eflags ^ tandem.eflags) & ~c.undef).c_str(),
                       c.undef ? flagNames(c.undef).c_str() : "none"));
  compareWord("fault vector", host.fault_vector, tandem.fault_vector, 0xFFFFFFFFu, out);
  compareWord("fault eip", host.fault_eip, tandem.fault_eip, 0xFFFFFFFFu, out);
  compareFpu(host.fpu, tandem.fpu, c.fpu_undef, out);
  compareMemory(host.scratch, tandem.scratch, kScratchSize, kScratchAddr, out);
  return out;
}

}  // namespace tandem::diff
