// Writes sample bundles for the archive command-line test and the fuzzer's
// seed corpus: logstore_sample OUT.tandem [SEED [MEMORY_KIB [WALL_SECONDS [FUNCTION]]]]
// WALL_SECONDS may be negative: that many seconds before now.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/SampleBundle.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.tandem [SEED [MEMORY_KIB [WALL_SECONDS [FUNCTION]]]]\n", argv[0]);
    return 2;
  }
  tandem::testing::SampleBundleSpec spec;
  if (argc > 2) spec.seed = std::strtoull(argv[2], nullptr, 0);
  if (argc > 3) spec.memory_bytes = std::strtoull(argv[3], nullptr, 0) * 1024;
  if (argc > 4) {
    long long secs = std::strtoll(argv[4], nullptr, 0);
    if (secs <= 0) secs += static_cast<long long>(time(nullptr));
    spec.wall_time_ns = secs * 1000000000ll;
  }
  if (argc > 5) spec.panic_function = argv[5];
  spec.events = 500;
  spec.options.pages_per_section = 32;
  spec.options.events_per_chunk = 100;
  auto s = tandem::testing::writeSampleBundle(argv[1], spec);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  return 0;
}
