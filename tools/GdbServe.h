// What `tandem gdb-live` and `tandem gdb` share: the server's options
// (--port, --address, --once, --console, --checkpoint-budget) and serving
// one target until gdb kills it, the first client leaves (--once), or
// SIGINT/SIGTERM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replayer/TimeTravel.h"
#include "replayer/gdb/GdbTarget.h"
#include "tools/Args.h"
#include "vmm/Machine.h"

namespace tandem::cli {

struct GdbServeOptions {
  std::string address;
  uint16_t port = 1234;
  bool once = false;
  int console_fd = 1;  // where the guest's console goes (--console FILE, else stdout)
  bool budget_given = false;
  TimeTravelOptions time_travel;
};

std::vector<OptionSpec> gdbServeOptionSpecs();
// Opens --console FILE when given (the caller closes console_fd unless 1).
Result<GdbServeOptions> parseGdbServeOptions(const ParsedArgs& args);

// Serves `target` (which drives `machine`) and returns the exit status.
// `what` names the guest in the "listening" line.
int serveGdb(const char* command, const GdbServeOptions& options, gdb::GdbTarget& target,
             Machine& machine, const std::string& what);

}  // namespace tandem::cli
