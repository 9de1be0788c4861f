// Runs batches of differential test cases: generates a batch of one class,
// builds it into one program, runs it natively and on tandem, compares every
// case's end state and, for the first few mismatching cases, finds the first
// differing instruction by stepping both sides.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/diff/TestCase.h"
#include "vmm/Result.h"

namespace tandem::diff {

struct Mismatch {
  unsigned index;  // case number within the batch
  std::vector<std::string> differences;
  std::string diagnosis;  // from Lockstep, when it ran
};

struct BatchResult {
  TestClass cls;
  uint64_t seed;
  unsigned cases = 0;
  uint64_t instructions = 0;  // instructions in the compared sequences
  uint64_t subjects = 0;      // of which belong to the class (not operand setup)
  unsigned host_faults = 0;   // cases the host ended with an exception
  std::vector<Mismatch> mismatches;
};

class DiffRunner {
 public:
  // `workdir` receives the generated programs; `diagnose_limit` bounds how
  // many mismatching cases per batch are stepped.
  DiffRunner(std::string workdir, unsigned diagnose_limit)
      : workdir_(std::move(workdir)), diagnose_limit_(diagnose_limit) {}

  // The seed of case `index` of the batch (cls, seed): a case is reproduced
  // from these three numbers alone.
  static uint64_t caseSeed(TestClass cls, uint64_t seed, unsigned index);

  // Generates cases 0, 1, ... of (cls, seed) until `max_cases` are made or
  // their sequences hold `min_instructions` instructions, and compares them.
  Result<BatchResult> runBatch(TestClass cls, uint64_t seed, unsigned max_cases, uint64_t min_instructions);

 private:
  std::string workdir_;
  unsigned diagnose_limit_;
};

}  // namespace tandem::diff
