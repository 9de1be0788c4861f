#include "tests/unit/cpu/x87/X87Random.h"

#include <cstring>

namespace tandem::test {

uint64_t X87Random::mantissa() {
  switch (below(5)) {
    case 0:
      return 1ull << 63;  // a power of two
    case 1:
      return (1ull << 63) | (bits() & 0xFFFFFF0000000000ull);  // few bits: exact in float
    case 2:
      return (1ull << 63) | (bits() & ~0x7FFull);  // exact in double
    default:
      return (1ull << 63) | bits();
  }
}

F80 X87Random::value() {
  const uint16_t sign = chance(50) ? 0x8000 : 0;
  switch (below(16)) {
    case 0:
      return {0, sign};
    case 1:
      return {bits() >> 1 >> below(63), sign};  // denormal
    case 2:
      return {(1ull << 63) | (bits() >> 2), sign};  // pseudo-denormal
    case 3:
      return {1ull << 63, uint16_t(sign | 0x7FFF)};  // infinity
    case 4:
      return {(3ull << 62) | (bits() >> 2 >> below(62)), uint16_t(sign | 0x7FFF)};  // QNaN
    case 5:
      return {(1ull << 63) | (bits() >> 2 >> below(61) | 1), uint16_t(sign | 0x7FFF)};  // SNaN
    case 6:
      return {bits() >> 1,
              uint16_t(sign | (below(2) ? 0x7FFF : 1 + below(0x7FFE)))};  // unsupported
    case 7:
      return {mantissa(), uint16_t(sign | below(0x7FFF))};  // any exponent
    case 8:
      return {mantissa(), uint16_t(sign | (below(2) ? 1 + below(200) : 0x7FFE - below(200)))};
    case 9:
      return {mantissa(), uint16_t(sign | (0x3FFF + 50 + below(20)))};  // near int64/BCD limits
    case 10:
      return {mantissa(), uint16_t(sign | (0x3FFF + 60 + below(8)))};  // FPTAN/FSIN range edge
    default:
      return {mantissa(), uint16_t(sign | (0x3FFF - 20 + below(40)))};  // ordinary
  }
}

FpuState X87Random::state(bool all_masked) {
  FpuState f{};
  for (unsigned p = 0; p < 8; ++p) {
    const F80 v = value();
    f.mant[p] = v.mant;
    f.sexp[p] = v.sexp;
  }
  const unsigned empties = below(4) == 0 ? 0 : below(9);  // often a partly full stack
  f.top = below(8);
  f.tw = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned p = (f.top + i) & 7;
    const bool empty = chance(15) || i >= 8 - empties;
    setPhysTag(f, p, empty ? kTagEmpty : tagForValue(f.mant[p], f.sexp[p]));
  }
  const uint16_t masks = all_masked || chance(60) ? 0x3F : uint16_t(bits() & 0x3F);
  f.cw = uint16_t(fcw::kFixed1 | masks | (bits() & 0xF00) | (chance(10) ? 0x1000 : 0));
  const uint16_t flags = uint16_t(bits() & masks & fcw::kMasks & (chance(50) ? 0x3F : 0));
  f.sw = uint16_t((bits() & fsw::kCc) | flags);
  setTop(f, f.top);
  updateSummary(f);
  return f;
}

void X87Random::operand(uint8_t* out, unsigned size) {
  for (unsigned i = 0; i < 16; ++i) out[i] = uint8_t(bits());
  if (size == 10 && chance(50)) {  // a valid packed BCD number
    for (unsigned i = 0; i < 9; ++i) out[i] = uint8_t(below(10) << 4 | below(10));
    out[9] &= 0x80;
    return;
  }
  if (size == 10) {
    const F80 v = value();
    std::memcpy(out, &v.mant, 8);
    std::memcpy(out + 8, &v.sexp, 2);
    return;
  }
  if (chance(30)) {  // small integers and the extremes of each width
    const int64_t small = int64_t(below(200)) - 100;
    std::memcpy(out, &small, size);
    if (chance(30)) {
      std::memset(out, 0, size);
      out[size - 1] = 0x80;
    }
    return;
  }
  if (chance(40)) {  // special exponents of float and double
    if (size == 4)
      out[3] = uint8_t((out[3] & 0x80) | (chance(50) ? 0x7F : 0x00)),
      out[2] |= chance(50) ? 0x80 : 0;
    if (size == 8)
      out[7] = uint8_t((out[7] & 0x80) | (chance(50) ? 0x7F : 0x00)),
      out[6] |= chance(50) ? 0xF0 : 0;
    if (chance(30) && size >= 4) std::memset(out, 0, size - 2);
  }
}

}  // namespace tandem::test
