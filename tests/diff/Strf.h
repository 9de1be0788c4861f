// printf-style formatting into a std::string (the toolchain has no
// std::format yet).
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace tandem::diff {

[[gnu::format(printf, 1, 2)]] inline std::string strf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  va_list ap2;
  va_copy(ap2, ap);
  const int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  std::string out;
  if (n < static_cast<int>(sizeof small)) {
    out.assign(small, n > 0 ? n : 0);
  } else {
    out.resize(n);
    vsnprintf(out.data(), n + 1, fmt, ap2);
  }
  va_end(ap2);
  return out;
}

}  // namespace tandem::diff
