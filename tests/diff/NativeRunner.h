// Runs a test program natively on the host processor and collects the result
// table it writes to its standard output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/Result.h"

namespace tandem::diff {

class NativeRunner {
 public:
  // Runs `path`, expecting `expected_bytes` bytes of results and exit status 0.
  static Result<std::vector<uint8_t>> run(const std::string& path, size_t expected_bytes);
};

}  // namespace tandem::diff
