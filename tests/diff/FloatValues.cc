#include "tests/diff/FloatValues.h"

#include <cstring>

namespace tandem::diff {
namespace {

struct Format {
  unsigned exp_bits;
  unsigned frac_bits;  // stored fraction bits (64 for extended: explicit integer bit)
  bool explicit_int;
};

void pack(const Format& f, bool sign, uint32_t exp, uint64_t frac, uint8_t* out, unsigned bytes) {
  if (f.explicit_int) {
    std::memcpy(out, &frac, 8);
    const uint16_t se = static_cast<uint16_t>((sign ? 0x8000 : 0) | exp);
    std::memcpy(out + 8, &se, 2);
    return;
  }
  const uint64_t v = (uint64_t{sign} << (f.exp_bits + f.frac_bits)) | (uint64_t{exp} << f.frac_bits) |
                     (frac & ((uint64_t{1} << f.frac_bits) - 1));
  std::memcpy(out, &v, bytes);
}

}  // namespace

void randomFloat(Rng& r, unsigned bytes, uint8_t* out) {
  const Format f = bytes == 4 ? Format{8, 23, false} : bytes == 8 ? Format{11, 52, false} : Format{15, 64, true};
  const uint32_t max_exp = (1u << f.exp_bits) - 1;
  const uint32_t bias = max_exp >> 1;
  const uint64_t int_bit = f.explicit_int ? uint64_t{1} << 63 : 0;
  const uint64_t frac_mask = f.explicit_int ? ~int_bit : (uint64_t{1} << f.frac_bits) - 1;
  const uint64_t quiet = f.explicit_int ? uint64_t{1} << 62 : uint64_t{1} << (f.frac_bits - 1);
  const bool sign = r.chance(50);
  uint64_t frac = r.next() & frac_mask;
  if (r.chance(30)) frac &= ~((uint64_t{1} << r.below(f.explicit_int ? 63 : f.frac_bits)) - 1);
  switch (r.below(16)) {
    case 0: return pack(f, sign, 0, 0, out, bytes);                                   // zero
    case 1: return pack(f, sign, 0, frac | 1, out, bytes);                            // denormal
    case 2: return pack(f, sign, max_exp, int_bit, out, bytes);                       // infinity
    case 3: return pack(f, sign, max_exp, int_bit | quiet | frac, out, bytes);        // QNaN
    case 4: return pack(f, sign, max_exp, int_bit | ((frac & ~quiet) | 1), out, bytes);  // SNaN
    case 5: return pack(f, sign, max_exp - 1 - r.below(3), int_bit | frac, out, bytes);  // huge
    case 6: return pack(f, sign, 1 + r.below(3), int_bit | frac, out, bytes);            // tiny
    case 7:
      if (f.explicit_int && r.chance(50)) {
        // Pseudo-denormal or unnormal: encodings the 387 and later reject or
        // treat specially.
        if (r.chance(50)) return pack(f, sign, 0, int_bit | frac, out, bytes);
        return pack(f, sign, 1 + r.below(max_exp - 1), frac, out, bytes);
      }
      return pack(f, sign, bias + r.below(64) - 32, int_bit | frac, out, bytes);
    case 8:
    case 9: {  // small integers and simple fractions
      const double d = static_cast<double>(r.range(-1000, 1000)) / (1u << r.below(4));
      if (bytes == 4) {
        const float fv = static_cast<float>(d);
        std::memcpy(out, &fv, 4);
      } else if (bytes == 8) {
        std::memcpy(out, &d, 8);
      } else {
        const long double ld = d;
        std::memcpy(out, &ld, 10);
      }
      return;
    }
    default:
      return pack(f, sign, bias + r.range(-40, 40), int_bit | frac, out, bytes);
  }
}

void randomInteger(Rng& r, unsigned bytes, uint8_t* out) {
  uint64_t v;
  switch (r.below(5)) {
    case 0: v = 0; break;
    case 1: v = static_cast<uint64_t>(r.range(-100, 100)); break;
    case 2: v = uint64_t{1} << (bytes * 8 - 1); break;  // most negative
    case 3: v = (uint64_t{1} << (bytes * 8 - 1)) - 1; break;
    default: v = r.next(); break;
  }
  std::memcpy(out, &v, bytes);
}

unsigned x87Tag(const uint8_t* ext) {
  uint64_t mant;
  uint16_t se;
  std::memcpy(&mant, ext, 8);
  std::memcpy(&se, ext + 8, 2);
  const uint16_t exp = se & 0x7FFF;
  if (exp == 0) return mant == 0 ? 1 : 2;
  if (exp == 0x7FFF || !(mant >> 63)) return 2;
  return 0;
}

}  // namespace tandem::diff
