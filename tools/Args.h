// Command-line parsing shared by every `tandem` subcommand. Options are
// declared up front; anything undeclared, a missing value or a malformed
// number is a usage error that names the option.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vmm/Result.h"

namespace tandem::cli {

struct OptionSpec {
  std::string name;       // without the leading dashes, e.g. "mem"
  bool takes_value;       // --name VALUE or --name=VALUE
  std::string help;       // one line
  std::string value_name = "VALUE";
};

struct ParsedArgs {
  std::map<std::string, std::string> values;  // options with values
  std::map<std::string, int> flags;           // flags and how often they were given
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return values.count(name) || flags.count(name); }
  std::optional<std::string> get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs);

// "128M", "1G", "4096", "64K" -> bytes.
Result<uint64_t> parseSize(const std::string& option, const std::string& text);
// "2s", "500ms", "24h", "7d", "90" (seconds) -> nanoseconds.
Result<uint64_t> parseDuration(const std::string& option, const std::string& text);
// A non-negative integer, decimal or 0x hex.
Result<uint64_t> parseUint(const std::string& option, const std::string& text);

std::string usageText(const std::string& synopsis, const std::vector<OptionSpec>& specs);

}  // namespace tandem::cli
