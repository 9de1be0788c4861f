// Invariant checks that stay on in release builds. A failed check prints
// where it failed and, for TANDEM_ASSERT_CPU, the CPU's icount, EIP and
// registers, then aborts. Use them for broken invariants only: anything a
// user or a guest can cause is an error value or a guest exception instead.
#pragma once

#include <string>

namespace tandem {

[[noreturn]] void assertFailed(const char* file, int line, const char* cond,
                               const std::string& context);

}  // namespace tandem

#define TANDEM_ASSERT(cond)                                           \
  do {                                                                \
    if (__builtin_expect(!(cond), 0))                                 \
      ::tandem::assertFailed(__FILE__, __LINE__, #cond, std::string()); \
  } while (0)

// `cpu` is a tandem::Cpu (or anything with describe() returning a string).
#define TANDEM_ASSERT_CPU(cpu, cond)                                    \
  do {                                                                  \
    if (__builtin_expect(!(cond), 0))                                   \
      ::tandem::assertFailed(__FILE__, __LINE__, #cond, (cpu).describe()); \
  } while (0)
