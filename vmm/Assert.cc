#include "vmm/Assert.h"

#include <cstdio>
#include <cstdlib>

namespace tandem {

void assertFailed(const char* file, int line, const char* cond,
                  const std::string& context) {
  std::fprintf(stderr, "tandem: internal error at %s:%d: assertion `%s' failed\n", file,
               line, cond);
  if (!context.empty()) std::fprintf(stderr, "%s\n", context.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace tandem
