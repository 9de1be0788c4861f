// Compares the host's and tandem's end state of one test case, masking only
// what the SDM leaves undefined for the instructions the case ran: EFLAGS
// bits and x87 condition codes recorded by the generator, and the x87
// pointer fields FCS/FOP/FDP/FDS (this host, like many Intel processors,
// stores FCS/FDS as zero and updates FDP only on unmasked exceptions, as the
// SDM permits).
#pragma once

#include <string>
#include <vector>

#include "tests/diff/CaseLayout.h"
#include "tests/diff/TestCase.h"

namespace tandem::diff {

class Comparator {
 public:
  // One line per difference; empty when the states agree.
  static std::vector<std::string> compare(const TestCase& c, const ResultRecord& host,
                                          const ResultRecord& tandem);
  // Differences between two register/flag/memory snapshots taken while
  // stepping (no x87 pointer fields, flags masked by `undef`).
  static std::vector<std::string> compareGprs(const uint32_t* host, const uint32_t* tandem);
  static std::string flagNames(uint32_t bits);
  static void compareMemory(const uint8_t* host, const uint8_t* tandem, uint32_t len, uint32_t base,
                            std::vector<std::string>& out);
  static void compareFpu(const FsaveImage& host, const FsaveImage& tandem, uint16_t sw_undef,
                         std::vector<std::string>& out);
};

}  // namespace tandem::diff
