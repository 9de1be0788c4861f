// One differential test case: an initial machine state and the instruction
// sequence that runs from it, with what the generator knows about the end
// state (which flags and condition codes are undefined there).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/diff/CaseLayout.h"
#include "tests/diff/Generators.h"
#include "tests/diff/SeqBuilder.h"

namespace tandem::diff {

struct TestCase {
  TestClass cls;
  uint64_t seed;  // the case can be regenerated from (cls, seed)
  InitRecord init;
  std::vector<EmittedInsn> code;
  uint32_t undef = 0;       // EFLAGS bits undefined at the end
  uint16_t fpu_undef = 0;   // x87 status word bits undefined at the end
  unsigned instructions = 0;  // instructions in `code` (labels excluded)
  unsigned subjects = 0;      // of which belong to the class under test
};

// Builds the case of class `cls` named by `seed`: random registers, flags,
// scratch contents and (for x87 cases) x87 state, then the class's sequence.
TestCase makeCase(TestClass cls, uint64_t seed);

// A hand-written case for minimal reproducers: `lines` separated by ';' run
// from zeroed registers and scratch area, ESP at the top of the stack
// region, EFLAGS 0x202 and (when a line is an x87 instruction) an
// initialised x87. Nothing is masked.
TestCase snippetCase(const std::string& lines);

}  // namespace tandem::diff
