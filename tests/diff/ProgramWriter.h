// Turns test cases into one i386 ELF program: a driver loop that, for each
// case, loads the scratch area, the x87 state, EFLAGS and the eight GPRs from
// the case's InitRecord, jumps to the case's code, and stores everything into
// the case's ResultRecord. The same program runs natively (Linux entry point
// `_start`, faults caught by signal handlers, results written to stdout) and
// on tandem (entry `driver_entry` at CPL 3, faults caught by the ring-0 stubs
// `tandem_vec_N`, the final system call halts the machine).
#pragma once

#include <string>
#include <vector>

#include "tests/diff/TestCase.h"
#include "vmm/Result.h"

namespace tandem::diff {

class ProgramWriter {
 public:
  // Writes `dir`/`name`.asm and `name`.bin, assembles and links `dir`/`name`
  // and returns the program's path. With `label_each_insn`, every
  // instruction of case K gets the symbol case_K.iN (N: index in its code).
  static Result<std::string> build(const std::vector<TestCase>& cases, const std::string& dir,
                                   const std::string& name, bool label_each_insn);

  // The assembly source of the program (exposed for tests and reports).
  static std::string source(const std::vector<TestCase>& cases, const std::string& bin_path,
                            bool label_each_insn);
};

}  // namespace tandem::diff
