// Per-module logging. Levels come from the environment variable TANDEM_LOG,
// for example `TANDEM_LOG=board=debug,cpu=info` or `TANDEM_LOG=debug` for
// every module. The default level is `warn`. TANDEM_LOG_DEBUG(...) compiles
// to nothing unless TANDEM_DEBUG_LOGGING is defined, so it may sit on hot
// paths; the other levels are checked at run time.
#pragma once

#include <cstdarg>
#include <string_view>

namespace tandem {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

// True when messages of `level` for `module` should be printed.
bool logEnabled(std::string_view module, LogLevel level);

[[gnu::format(printf, 3, 4)]] void logPrint(std::string_view module, LogLevel level,
                                            const char* fmt, ...);

}  // namespace tandem

#define TANDEM_LOG(module, level, ...)                               \
  do {                                                               \
    if (::tandem::logEnabled(module, ::tandem::LogLevel::level))     \
      ::tandem::logPrint(module, ::tandem::LogLevel::level, __VA_ARGS__); \
  } while (0)

#ifdef TANDEM_DEBUG_LOGGING
#define TANDEM_LOG_DEBUG(module, ...) TANDEM_LOG(module, Debug, __VA_ARGS__)
#else
#define TANDEM_LOG_DEBUG(module, ...) \
  do {                                \
  } while (0)
#endif
