#include "tools/Args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace tandem::cli {

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  auto findSpec = [&](const std::string& name) -> const OptionSpec* {
    for (const auto& s : specs)
      if (s.name == name) return &s;
    return nullptr;
  };
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const OptionSpec* spec = findSpec(body);
    if (!spec) return makeError("unknown option '" + a + "'");
    if (spec->takes_value) {
      if (inline_value) {
        out.values[body] = *inline_value;
      } else {
        if (i + 1 >= args.size())
          return makeError("option --" + body + " needs a value (" + spec->value_name + ")");
        out.values[body] = args[++i];
      }
    } else {
      if (inline_value) return makeError("option --" + body + " takes no value");
      out.flags[body]++;
    }
  }
  return out;
}

Result<uint64_t> parseUint(const std::string& option, const std::string& text) {
  if (text.empty()) return makeError("--" + option + ": empty value");
  errno = 0;
  char* end = nullptr;
  int base = (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) ? 16 : 10;
  if (text[0] == '-' || text[0] == '+')
    return makeError("--" + option + ": '" + text + "' is not a non-negative integer");
  unsigned long long v = std::strtoull(text.c_str(), &end, base);
  if (errno || *end != '\0')
    return makeError("--" + option + ": '" + text + "' is not a non-negative integer");
  return static_cast<uint64_t>(v);
}

Result<uint64_t> parseSize(const std::string& option, const std::string& text) {
  std::string digits = text;
  uint64_t mult = 1;
  if (!digits.empty()) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back())));
    if (c == 'B') {
      digits.pop_back();
      if (!digits.empty()) c = static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back())));
    }
    if (c == 'K' || c == 'M' || c == 'G' || c == 'T') {
      mult = c == 'K' ? 1ull << 10 : c == 'M' ? 1ull << 20 : c == 'G' ? 1ull << 30 : 1ull << 40;
      digits.pop_back();
    }
  }
  auto n = parseUint(option, digits);
  if (!n || digits.empty())
    return makeError("--" + option + ": '" + text + "' is not a size (examples: 128M, 1G, 65536)");
  if (*n > (~0ull) / mult) return makeError("--" + option + ": '" + text + "' is too large");
  return *n * mult;
}

Result<uint64_t> parseDuration(const std::string& option, const std::string& text) {
  struct Unit {
    const char* suffix;
    uint64_t ns;
  };
  static const Unit units[] = {{"ns", 1},
                               {"us", 1000},
                               {"ms", 1000000},
                               {"s", 1000000000ull},
                               {"m", 60ull * 1000000000ull},
                               {"h", 3600ull * 1000000000ull},
                               {"d", 86400ull * 1000000000ull}};
  for (const auto& u : units) {
    std::string suf = u.suffix;
    if (text.size() > suf.size() && text.compare(text.size() - suf.size(), suf.size(), suf) == 0) {
      std::string num = text.substr(0, text.size() - suf.size());
      bool digits = !num.empty();
      for (char c : num) digits = digits && (std::isdigit(static_cast<unsigned char>(c)) || c == '.');
      if (!digits) continue;
      double v = std::strtod(num.c_str(), nullptr);
      return static_cast<uint64_t>(v * static_cast<double>(u.ns));
    }
  }
  auto n = parseUint(option, text);
  if (!n)
    return makeError("--" + option + ": '" + text +
                     "' is not a duration (examples: 500ms, 2s, 24h, 7d)");
  return *n * 1000000000ull;
}

std::string usageText(const std::string& synopsis, const std::vector<OptionSpec>& specs) {
  std::string s = "usage: " + synopsis + "\n";
  for (const auto& o : specs) {
    std::string left = (o.name.size() == 1 ? "  -" : "  --") + o.name +
                       (o.takes_value ? " " + o.value_name : "");
    if (left.size() < 28) left.resize(28, ' ');
    else left += "  ";
    s += left + o.help + "\n";
  }
  return s;
}

}  // namespace tandem::cli
