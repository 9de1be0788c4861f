// What the guest kernel said about a failure, found in its log (the printk
// records, analysis/PrintkLog.h). Linux 6.1 reports
//   an oops     "<what>: <error code, 4 hex> [#<n>] ..." (__die_header):
//               "Oops" for a page fault, "invalid opcode" (also BUG()),
//               "divide error", "general protection fault, ...", opened by
//               a "BUG: ..." or "kernel BUG at FILE:LINE!" line when there
//               is one
//   a lockup    "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [comm:pid]"
//   a panic     "Kernel panic - not syncing: <reason>"
// Each is the latest of its kind in the log. An oops names its task in
// "CPU: 0 PID: 90 Comm: dd Tainted: ..." after its die line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/PrintkLog.h"

namespace tandem {

struct FailureMessages {
  // Positions in the records scanned.
  std::optional<size_t> die;          // the oops's "<what>: <code> [#n]" record
  std::optional<size_t> headline;     // its opening "BUG: ..." line (else the die line)
  std::optional<size_t> soft_lockup;
  std::optional<size_t> panic;
  std::string die_what;               // "Oops", "invalid opcode", "divide error", ...
  uint32_t die_code = 0;              // the error code it printed
  std::string panic_reason;           // after "Kernel panic - not syncing: "
  int32_t oops_pid = -1;              // the oops's task, -1 when not said
  std::string oops_comm;

  static FailureMessages scan(const std::vector<PrintkRecord>& records);
  // The first line of a record's text.
  static std::string firstLine(const PrintkRecord& r);
};

}  // namespace tandem
