#include "analysis/FailureMessages.h"

#include <regex>

namespace tandem {
namespace {

// How far before the die line the line that opened the oops may be (the
// page fault path prints the "BUG:" line, two "#PF:" lines and the page
// table walk first).
constexpr size_t kHeadlineReach = 8;
// How far after the die line the task line may be.
constexpr size_t kTaskReach = 3;
constexpr char kPanicPrefix[] = "Kernel panic - not syncing: ";

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string FailureMessages::firstLine(const PrintkRecord& r) {
  return r.text.substr(0, r.text.find('\n'));
}

FailureMessages FailureMessages::scan(const std::vector<PrintkRecord>& records) {
  static const std::regex die_re("^(.+): ([0-9a-f]{4}) \\[#[0-9]+\\]( .*)?$");
  static const std::regex task_re("^CPU: [0-9]+ PID: ([0-9]+) Comm: (\\S+)");
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
      m.oops_pid = -1;
      m.oops_comm.clear();
      for (size_t ahead = 1; ahead <= kTaskReach && i + ahead < records.size(); ++ahead) {
        std::smatch t;
        std::string after = firstLine(records[i + ahead]);
        if (std::regex_search(after, t, task_re)) {
          m.oops_pid = std::stoi(t[1]);
          m.oops_comm = t[2];
          break;
        }
      }
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
