// Runs one x87 instruction on the host's own FPU. The host is x86-64, whose
// x87 unit is the same architecture as the guest's, so executing the guest's
// instruction bytes on the guest's values under the guest's control word
// gives bit-exact results, flags and condition codes.
//
// Two ways, both with the instruction encoded by its escape byte and ModRM
// (a memory operand is always addressed as [rcx], ModRM rm = 1, mod = 0):
//  - x87HostRun: loads up to two values onto an empty host stack, executes,
//    stores the results. Fast; used when no stack fault can occur.
//  - x87HostRunImage: loads a whole register file with FRSTOR, executes,
//    saves it with FNSAVE. Slow; exact for every case, stack faults included.
// Either way the host FPU is left as found: empty stack, no flags, the
// control word it had. A guest exception that is unmasked leaves the host's
// ES set only until the non-waiting FNSAVE/FNCLEX that follow, so the host
// never traps.
#pragma once

#include <cstdint>

#include "vmm/cpu/X87State.h"

namespace tandem {

constexpr unsigned kHostImageSize = 108;

struct X87HostIo {
  F80 in[2];          // host ST(0), ST(1) before the instruction
  F80 out[2];         // host ST(0), ST(1) after it
  uint16_t cw;        // control word to run under
  uint16_t sw;        // host status word after the instruction
  uint8_t ah;         // SF:ZF:0:AF:0:PF:1:CF after the instruction (LAHF)
  uint8_t irregular;  // 1: a status bit of `Irregular` was set; `out` not valid
  alignas(16) uint8_t scratch[kHostImageSize];
};

// `In` values are loaded (in[1] first, so in[0] is ST(0)); `Out` values are
// expected after the instruction. If the status word has any bit of
// `Irregular` set (ES: an unmasked exception; C2 for FPTAN/FSINCOS out of
// range) the stack shape may differ, so nothing is stored and `irregular`
// is set.
template <uint8_t Esc, uint8_t Modrm, int In, int Out, uint16_t Irregular>
inline void x87HostRun(X87HostIo& io, const void* mem) {
  static_assert(In >= 0 && In <= 2 && Out >= 0 && Out <= 2);
  // FNCLEX and FLDCW each cost more than the arithmetic, so they run only
  // when needed: flags are cleared when set, the control word is loaded
  // when the guest's differs from the host's.
  uint16_t saved_cw, host_sw;
  asm volatile(
      "fnstsw %[hsw]\n\t"
      "testw $0x3F, %[hsw]\n\t"
      "jz 3f\n\t"
      "fnclex\n"
      "3:\n\t"
      "fnstcw %[saved]\n\t"
      "movw %[saved], %%ax\n\t"
      "cmpw %[cw], %%ax\n\t"
      "je 4f\n\t"
      "fldcw %[cw]\n"
      "4:\n\t"
      ".if %c[in] >= 2\n\tfldt %[in1]\n\t.endif\n\t"
      ".if %c[in] >= 1\n\tfldt %[in0]\n\t.endif\n\t"
      ".byte %c[esc], %c[modrm]\n\t"
      "lahf\n\t"
      "shrw $8, %%ax\n\t"
      "movb %%al, %[ah]\n\t"
      "fnstsw %[sw]\n\t"
      "testw %[irr], %[sw]\n\t"
      "jnz 1f\n\t"
      ".if %c[out] >= 1\n\tfstpt %[out0]\n\t.endif\n\t"
      ".if %c[out] >= 2\n\tfstpt %[out1]\n\t.endif\n\t"
      "movb $0, %[irregular]\n\t"
      "testw $0x3F, %[sw]\n\t"
      "jz 5f\n\t"
      "fnclex\n"
      "5:\n\t"
      "movw %[saved], %%ax\n\t"
      "cmpw %[cw], %%ax\n\t"
      "je 2f\n\t"
      "fldcw %[saved]\n\t"
      "jmp 2f\n"
      "1:\n\t"
      "fnsave %[scratch]\n\t"  // also resets the host FPU
      "fldcw %[saved]\n\t"
      "movb $1, %[irregular]\n"
      "2:"
      : [saved] "=m"(saved_cw), [hsw] "=m"(host_sw), [sw] "=m"(io.sw), [ah] "=m"(io.ah),
        [out0] "=m"(io.out[0]), [out1] "=m"(io.out[1]), [irregular] "=m"(io.irregular),
        [scratch] "=m"(io.scratch)
      : [cw] "m"(io.cw), [in0] "m"(io.in[0]), [in1] "m"(io.in[1]), "c"(mem), [esc] "i"(Esc),
        [modrm] "i"(Modrm), [in] "i"(In), [out] "i"(Out), [irr] "i"(Irregular)
      : "memory", "cc", "rax", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
}

// `image` is a 108-byte FNSAVE image (32-bit protected layout) with nothing
// pending; `ah` carries the guest's arithmetic flags in (for FCMOVcc) and
// the host's out (for FCOMI).
template <uint8_t Esc, uint8_t Modrm>
inline void x87HostRunImage(uint8_t* image, void* mem, uint8_t& ah) {
  uint16_t saved_cw;
  asm volatile(
      "fnstcw %[saved]\n\t"
      "fnclex\n\t"
      "frstor (%[img])\n\t"
      "movzbl %[ah], %%eax\n\t"
      "shll $8, %%eax\n\t"
      "sahf\n\t"
      ".byte %c[esc], %c[modrm]\n\t"
      "lahf\n\t"
      "shrw $8, %%ax\n\t"
      "movb %%al, %[ah]\n\t"
      "fnsave (%[img])\n\t"
      "fldcw %[saved]"
      : [saved] "=m"(saved_cw), [ah] "+m"(ah)
      : [img] "r"(image), "c"(mem), [esc] "i"(Esc), [modrm] "i"(Modrm)
      : "memory", "cc", "rax", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
}

// EFLAGS <-> the AH image of LAHF/SAHF (SF ZF AF PF CF at the same bits).
constexpr uint8_t eflagsToAh(uint32_t eflags) {
  return uint8_t((eflags & 0xD5) | 0x02);
}
constexpr uint32_t ahToEflags(uint8_t ah) {
  return ah & 0xD5u;
}

}  // namespace tandem
