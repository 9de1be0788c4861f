// Finds the instruction kind of an x87 encoding in X87Ops.def. What is
// returned is up to the binder: Bind::Result, a pointer made by
// Bind::template of<Kind>(name) (a CPU handler, a test entry point, a name).
#pragma once

#include <cstdint>

#include "vmm/cpu/X87Control.h"
#include "vmm/cpu/X87Ops.h"

namespace tandem {

namespace x87key {
// Keys of the three kinds of table entry, kept apart by their high bits.
constexpr unsigned mem(unsigned esc, unsigned reg) {
  return 0x10000 | esc << 3 | reg;
}
constexpr unsigned row(unsigned esc, unsigned reg) {
  return 0x20000 | esc << 3 | reg;
}
constexpr unsigned one(unsigned esc, unsigned modrm) {
  return 0x30000 | esc << 8 | modrm;
}
}  // namespace x87key

// The entry of X87Ops.def with `key`, or a null Result.
template <class Bind>
typename Bind::Result x87Find(unsigned key) {
  switch (key) {
#define X87_MEM(e, r, name, ...) \
  case x87key::mem(e, r):        \
    return Bind::template of<__VA_ARGS__>(#name);
#define X87_REG(e, r, name, ...) \
  case x87key::row(e, r):        \
    return Bind::template of<__VA_ARGS__>(#name);
#define X87_ONE(e, m, name, ...) \
  case x87key::one(e, m):        \
    return Bind::template of<__VA_ARGS__>(#name);
#include "vmm/cpu/X87Ops.def"
#undef X87_MEM
#undef X87_REG
#undef X87_ONE
    default:
      return nullptr;
  }
}

template <class Bind>
typename Bind::Result x87Decode(uint8_t esc, uint8_t modrm) {
  const unsigned reg = (modrm >> 3) & 7;
  typename Bind::Result r =
      modrm < 0xC0 ? x87Find<Bind>(x87key::mem(esc, reg)) : x87Find<Bind>(x87key::one(esc, modrm));
  if (!r && modrm >= 0xC0) r = x87Find<Bind>(x87key::row(esc, reg));
  return r ? r : Bind::template of<X87Invalid>("(bad)");
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
