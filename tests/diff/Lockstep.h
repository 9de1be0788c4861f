// Finds the first instruction of a mismatching case at which the host and
// tandem part ways: the case is rebuilt alone as a program with a symbol per
// instruction, run natively under ptrace and on tandem, both single-stepped
// to the start of the sequence and then instruction by instruction (each REP
// iteration a step), comparing registers, flags (masked as in the end-state
// comparison), the x87 state and the scratch area after every step.
#pragma once

#include <string>

#include "tests/diff/TestCase.h"
#include "vmm/Result.h"

namespace tandem::diff {

class Lockstep {
 public:
  // What run() says when no step differs.
  static const char* const kAgreed;

  // A report naming the first differing instruction (its address, the
  // generator's text for it and the differences), or saying that the
  // sequence agreed step by step.
  static Result<std::string> run(const TestCase& c, const std::string& dir);
  // run() in a child process, so that an emulator that crashes the process
  // yields a report instead of taking the caller down; errors become text.
  static std::string runContained(const TestCase& c, const std::string& dir);
  // The host's side alone: every instruction of the sequence with the
  // registers after it (checks the stepping machinery without tandem).
  static Result<std::string> traceHost(const TestCase& c, const std::string& dir);
};

}  // namespace tandem::diff
