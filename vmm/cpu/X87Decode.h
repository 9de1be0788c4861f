// Finds the instruction kind of an x87 encoding in X87Ops.def. What is
// returned is up to the binder: Bind::Result, made by
// Bind::template of<Kind>(name) (a CPU handler, a test entry point, a name).
#pragma once

#include <cstdint>

#include "vmm/cpu/X87Control.h"
#include "vmm/cpu/X87Ops.h"

namespace tandem {

template <class Bind>
typename Bind::Result x87Decode(uint8_t esc, uint8_t modrm) {
  const unsigned row = unsigned(esc) << 3 | ((modrm >> 3) & 7);
  if (modrm < 0xC0) {
    switch (row) {
#define X87_MEM(e, r, name, ...) \
  case unsigned(e) << 3 | (r):   \
    return Bind::template of<__VA_ARGS__>(#name);
#define X87_REG(...)
#define X87_ONE(...)
#include "vmm/cpu/X87Ops.def"
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
      default:
        return Bind::template of<X87Invalid>("(bad)");
    }
  }
  switch (unsigned(esc) << 8 | modrm) {
#define X87_MEM(...)
#define X87_REG(...)
#define X87_ONE(e, m, name, ...)  \
  case unsigned(e) << 8 | (m):    \
    return Bind::template of<__VA_ARGS__>(#name);
#include "vmm/cpu/X87Ops.def"
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
    default:
      break;
  }
  switch (row) {
#define X87_MEM(...)
#define X87_REG(e, r, name, ...)  \
  case unsigned(e) << 3 | (r):    \
    return Bind::template of<__VA_ARGS__>(#name);
#define X87_ONE(...)
#include "vmm/cpu/X87Ops.def"
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
    default:
      return Bind::template of<X87Invalid>("(bad)");
  }
}

// The mnemonic of an x87 encoding in Intel operand notation ("FADD_m32fp",
// "FSTP1_STi"); "(bad)" for an invalid one.
struct X87NameBind {
  using Result = const char*;
  template <class Kind>
  static const char* of(const char* name) {
    return name;
  }
};

}  // namespace tandem
