// tandem gdb: let gdb debug a replayed bundle, forward and backward, over
// the GDB remote serial protocol. The replay is faithful, so the target is
// read-only; history runs from the bundle's snapshot to its failure.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "logstore/FailureSignature.h"
#include "replayer/BundleReplay.h"
#include "replayer/BundleReplayCheckpoints.h"
#include "replayer/BundleReplayControl.h"
#include "replayer/HistoryConsole.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "tools/BundleArg.h"
#include "tools/Commands.h"
#include "tools/Console.h"
#include "tools/GdbServe.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem gdb BUNDLE|ID [--archive DIR] [--port N] [--address ADDR] [--once]\n"
    "                     [--console FILE] [--checkpoint-budget SIZE]\n"
    "Replays a bundle (a file, or the id of a bundle in the archive) under gdb: the machine\n"
    "stands at the bundle's snapshot, and gdb (gdb -ex 'target remote :1234') can run it\n"
    "to the failure and back: breakpoints, watchpoints, stepi, reverse-stepi,\n"
    "reverse-continue, `monitor seek ICOUNT`, `monitor events`. Writes to registers and memory\n"
    "are refused (the replay would no longer be faithful) until `monitor diverge` lets the\n"
    "guest run live from where it stands. Checkpoints take at most SIZE of memory\n"
    "(default 256M). The guest's console goes to standard output (or --console FILE).\n"
    "For the kernel's and modules' symbols and whole backtraces, give gdb the file\n"
    "`tandem symbols ID -o kernel.elf` writes: gdb kernel.elf -ex 'target remote :1234'.";

}  // namespace

int cmdGdb(const Args& argv) {
  std::vector<OptionSpec> specs = bundleArgSpecs();
  for (OptionSpec& s : gdbServeOptionSpecs()) specs.push_back(std::move(s));
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("gdb", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (args->positional.size() != 1) return usageError("gdb", "expected one bundle file or archive id");
  auto serve = parseGdbServeOptions(*args);
  if (!serve) return usageError("gdb", serve.error().message);
  auto reader = openBundleArg(args->positional[0], *args);
  if (!reader) return usageError("gdb", reader.error().message);

  ConsoleOutput console(serve->console_fd);
  HistoryConsole history_console(console);
  auto replay = BundleReplay::open(std::move(*reader), history_console);
  if (!replay) return usageError("gdb", replay.error().message);
  BundleReplay& r = **replay;
  Machine& m = r.machine();
  BundleReplayCheckpoints door_state(r);
  TimeTravel time_travel(m, door_state, &history_console, serve->time_travel);
  gdb::LiveTargetOptions target_options;
  target_options.allow_writes = false;
  target_options.end_icount = r.endIcount();
  target_options.what = "a replayed bundle";
  BundleReplayControl recording(r);
  target_options.recording = &recording;
  gdb::LiveMachineTarget target(m, target_options, &time_travel);

  char what[256];
  std::snprintf(what, sizeof what, "%s at icount %" PRIu64 ", history from icount %" PRIu64,
                failureKindName(r.failure().kind()).c_str(), r.endIcount(), r.startIcount());
  int status = serveGdb("gdb", *serve, target, m, what);
  console.flush();
  if (serve->console_fd != STDOUT_FILENO) ::close(serve->console_fd);
  return status;
}

}  // namespace tandem::cli
