// Runs all cases of a test program on tandem, each batch in a child process
// so that an emulator crash (a host signal) costs only the case it happened
// in: the range is split around that case and the rest runs again. Cases
// that stop the emulated machine (triple fault, stray HLT, no progress) are
// skipped the same way inside one child.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/diff/ElfImage.h"
#include "vmm/Result.h"

namespace tandem::diff {

struct TandemResults {
  std::vector<uint8_t> table;              // ncases ResultRecords
  std::map<unsigned, std::string> aborted;  // case -> why it has no result
};

class TandemRun {
 public:
  static Result<TandemResults> run(const ElfImage& elf, unsigned ncases);

 private:
  static Status runRange(const ElfImage& elf, unsigned begin, unsigned end, TandemResults& out);
  // The child's work: runs cases [begin, end) and writes the results
  // (records, then aborted cases) to `fd`; `progress` tracks the current case.
  static Status childRun(const ElfImage& elf, unsigned begin, unsigned end, int fd, volatile uint32_t* progress);
};

}  // namespace tandem::diff
