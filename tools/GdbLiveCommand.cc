// tandem gdb-live: boot a guest and let gdb debug it live over the GDB
// remote serial protocol. With the virtual clock the machine is
// deterministic, so it also travels back in time (checkpoints in memory);
// with the host clock it runs forward only.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "logger/HostClock.h"
#include "logger/VirtualClock.h"
#include "replayer/HistoryConsole.h"
#include "replayer/VirtualClockCheckpoints.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "tools/Commands.h"
#include "tools/Console.h"
#include "tools/GdbServe.h"
#include "tools/GuestOptions.h"
#include "vmm/boot/GuestLoader.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem gdb-live [--kernel FILE [--initrd FILE] [--append CMDLINE] | --workload NAME]\n"
    "                [--mem SIZE] [--clock virtual|host] [--port N] [--address ADDR]\n"
    "                [--read-only] [--once] [--console FILE] [--checkpoint-budget SIZE]\n"
    "Boots a guest, stopped before its first instruction, and serves the GDB remote\n"
    "protocol on ADDR:N (default 127.0.0.1:1234; --port 0 picks a free port) for one\n"
    "client at a time: gdb -ex 'target remote :1234'. The guest's console goes to\n"
    "standard output (or --console FILE). With the virtual clock (the default) gdb can\n"
    "also go back: reverse-stepi, reverse-continue, `monitor seek ICOUNT`, with\n"
    "checkpoints kept in SIZE of memory (default 256M); with --clock host it runs\n"
    "forward only. `monitor help` in gdb lists tandem's monitor commands. Ends when gdb\n"
    "kills the target, after the first client with --once, or on SIGINT/SIGTERM.";

}  // namespace

int cmdGdbLive(const Args& argv) {
  std::vector<OptionSpec> specs = guestOptionSpecs();
  for (OptionSpec& s : gdbServeOptionSpecs()) specs.push_back(std::move(s));
  specs.push_back({"read-only", false, "refuse register and memory writes from gdb"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("gdb-live", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (!args->positional.empty())
    return usageError("gdb-live", "unexpected argument '" + args->positional[0] + "'");
  auto opts = parseGuestOptions(*args, ClockMode::kVirtual);
  if (!opts) return usageError("gdb-live", opts.error().message);
  if (opts->clock != ClockMode::kVirtual && args->has("checkpoint-budget"))
    return usageError("gdb-live", "--checkpoint-budget needs the virtual clock (time travel)");
  auto serve = parseGdbServeOptions(*args);
  if (!serve) return usageError("gdb-live", serve.error().message);

  ConsoleOutput console(serve->console_fd);
  HistoryConsole history_console(console);
  std::unique_ptr<Door> clock;
  VirtualClock* virtual_clock = nullptr;
  if (opts->clock == ClockMode::kHost) {
    clock = std::make_unique<HostClock>(-1);
  } else {
    auto v = std::make_unique<VirtualClock>();
    virtual_clock = v.get();
    clock = std::move(v);
  }
  auto machine = Machine::create(MachineConfig{opts->ram_bytes}, *clock, history_console);
  if (!machine) return usageError("gdb-live", machine.error().message);
  Machine& m = **machine;
  auto loaded = loadGuest(opts->guest, m.memory());
  if (!loaded) return usageError("gdb-live", loaded.error().message);
  m.cpu().loadState(loaded->entry.cpuState());

  std::unique_ptr<VirtualClockCheckpoints> clock_state;
  std::unique_ptr<TimeTravel> time_travel;
  if (virtual_clock) {
    clock_state = std::make_unique<VirtualClockCheckpoints>(*virtual_clock);
    time_travel =
        std::make_unique<TimeTravel>(m, *clock_state, &history_console, serve->time_travel);
  }
  gdb::LiveTargetOptions target_options;
  target_options.allow_writes = !args->has("read-only");
  gdb::LiveMachineTarget target(m, target_options, time_travel.get());
  int status = serveGdb("gdb-live", *serve, target, m, loaded->description);
  console.flush();
  if (serve->console_fd != STDOUT_FILENO) ::close(serve->console_fd);
  return status;
}

}  // namespace tandem::cli
