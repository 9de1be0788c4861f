#include "analysis/FailureMessages.h"

#include <regex>

namespace tandem {
namespace {

// How far before the die line the line that opened the oops may be (the
// page fault path prints the "BUG:" line, two "#PF:" lines and the page
// table walk first).
constexpr size_t kHeadlineReach = 8;
constexpr char kPanicPrefix[] = "Kernel panic - not syncing: ";

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string FailureMessages::firstLine(const PrintkRecord& r) {
  return r.text.substr(0, r.text.find('\n'));
}

FailureMessages FailureMessages::scan(const std::vector<PrintkRecord>& records) {
  static const std::regex die_re("^(.+): ([0-9a-f]{4}) \\[#[0-9]+\\]( .*)?$");
  FailureMessages m;
  for (size_t i = 0; i < records.size(); ++i) {
    std::string line = firstLine(records[i]);
    std::smatch match;
    if (startsWith(line, kPanicPrefix)) {
      m.panic = i;
      m.panic_reason = line.substr(sizeof kPanicPrefix - 1);
    } else if (startsWith(line, "watchdog: BUG: soft lockup")) {
      m.soft_lockup = i;
    } else if (std::regex_match(line, match, die_re)) {
      m.die = i;
      m.die_what = match[1];
      m.die_code = static_cast<uint32_t>(std::stoul(match[2], nullptr, 16));
      m.headline = i;
      for (size_t back = 1; back <= kHeadlineReach && back <= i; ++back) {
        std::string before = firstLine(records[i - back]);
        if (startsWith(before, "BUG: ") || startsWith(before, "kernel BUG at ")) {
          m.headline = i - back;
          break;
        }
      }
    }
  }
  return m;
}

}  // namespace tandem
