#include "vmm/Log.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace tandem {
namespace {

std::optional<LogLevel> parseLevel(std::string_view s) {
  if (s == "error") return LogLevel::Error;
  if (s == "warn") return LogLevel::Warn;
  if (s == "info") return LogLevel::Info;
  if (s == "debug") return LogLevel::Debug;
  return std::nullopt;
}

struct LogConfig {
  LogLevel fallback = LogLevel::Warn;
  std::map<std::string, LogLevel, std::less<>> modules;

  LogConfig() {
    const char* env = std::getenv("TANDEM_LOG");
    if (!env) return;
    std::string_view rest(env);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        if (auto l = parseLevel(item)) fallback = *l;
      } else if (auto l = parseLevel(item.substr(eq + 1))) {
        modules.emplace(std::string(item.substr(0, eq)), *l);
      }
    }
  }

  LogLevel levelFor(std::string_view module) const {
    auto it = modules.find(module);
    return it == modules.end() ? fallback : it->second;
  }
};

// The configuration is read-only after its first use; it reflects the
// process environment, which is the one process-wide input logging has.
const LogConfig& config() {
  static const LogConfig c;
  return c;
}

const char* levelName(LogLevel l) {
  switch (l) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
  }
  return "?";
}

}  // namespace

bool logEnabled(std::string_view module, LogLevel level) {
  return static_cast<int>(level) <= static_cast<int>(config().levelFor(module));
}

void logPrint(std::string_view module, LogLevel level, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "tandem[%.*s] %s: %s\n", static_cast<int>(module.size()),
               module.data(), levelName(level), buf);
}

}  // namespace tandem
