// The instruction classes of the differential test and their generators.
// A generator appends about `count` instructions of its class (plus the
// setup instructions that put operands in place) to a SeqBuilder.
#pragma once

#include <optional>
#include <string>

#include "tests/diff/SeqBuilder.h"

namespace tandem::diff {

enum class TestClass {
  kAlu,
  kShift,
  kMulDiv,
  kDivFault,
  kBcd,
  kBit,
  kString,
  kCond,
  kStack,
  kMisc,
  kX87,
  kX87Fault,
  kCount
};

constexpr unsigned kClassCount = static_cast<unsigned>(TestClass::kCount);

struct ClassInfo {
  const char* name;
  void (*generate)(SeqBuilder& b, unsigned count);
  bool fpu;            // cases start from a random x87 state
  bool fault_anywhere; // the case may stop at any instruction (flags masked over the whole sequence)
  unsigned length;     // instructions per case
};

const ClassInfo& classInfo(TestClass c);
std::optional<TestClass> classByName(const std::string& name);

void generateAlu(SeqBuilder& b, unsigned count);
void generateShift(SeqBuilder& b, unsigned count);
void generateMulDiv(SeqBuilder& b, unsigned count);
void generateDivFault(SeqBuilder& b, unsigned count);
void generateBcd(SeqBuilder& b, unsigned count);
void generateBit(SeqBuilder& b, unsigned count);
void generateString(SeqBuilder& b, unsigned count);
void generateCond(SeqBuilder& b, unsigned count);
void generateStack(SeqBuilder& b, unsigned count);
void generateMisc(SeqBuilder& b, unsigned count);
void generateX87(SeqBuilder& b, unsigned count);
// Ends in unmasked x87 exceptions: the case stops at the #MF, wherever the
// sequence raises it.
void generateX87Fault(SeqBuilder& b, unsigned count);

// Helpers shared by several generators.
// An operand width in bits: 8, 16 or 32.
unsigned pickWidth(Rng& r);
// "0x.." of an immediate that fits `width` bits.
std::string immText(uint32_t v, unsigned width);
// Emits one random flag-setting ALU instruction on registers (used to feed
// conditions and carries with fresh values).
void emitRandomAluOnRegs(SeqBuilder& b);

}  // namespace tandem::diff
