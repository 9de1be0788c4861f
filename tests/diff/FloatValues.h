// Random floating-point encodings biased towards the values where x87
// arithmetic has its special cases: signed zeros, denormals, infinities,
// quiet and signalling NaNs, the largest and smallest normals, values near 1,
// and (for the 80-bit format) the pseudo-denormal and unnormal encodings.
#pragma once

#include <cstdint>

#include "tests/diff/Rng.h"

namespace tandem::diff {

// Writes a random value of `bytes` bytes (4: single, 8: double, 10: extended,
// 2/4/8 with `integer`: a signed integer) in little-endian order to `out`.
void randomFloat(Rng& r, unsigned bytes, uint8_t* out);
void randomInteger(Rng& r, unsigned bytes, uint8_t* out);

// The x87 tag of an 80-bit register value: 0 valid, 1 zero, 2 special.
unsigned x87Tag(const uint8_t* ext);

}  // namespace tandem::diff
