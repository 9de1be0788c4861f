// The architectural constants the generator needs (EFLAGS bits, GPR
// numbers), kept apart from vmm/cpu so that the host side of the test does
// not depend on the emulator it checks.
#pragma once

#include <cstdint>

namespace tandem::diff {

enum Reg : unsigned { EAX = 0, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

namespace fl {
constexpr uint32_t CF = 1u << 0, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6, SF = 1u << 7,
                   IF = 1u << 9, DF = 1u << 10, OF = 1u << 11;
constexpr uint32_t kArith = CF | PF | AF | ZF | SF | OF;
constexpr uint32_t kFixed1 = 1u << 1;
}  // namespace fl

}  // namespace tandem::diff
