// tandem gdb-live: boot a guest and let gdb debug it live over the GDB
// remote serial protocol. With the virtual clock the machine is
// deterministic, so it also travels back in time (checkpoints in memory);
// with the host clock it runs forward only.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "logger/HostClock.h"
#include "logger/VirtualClock.h"
#include "replayer/HistoryConsole.h"
#include "replayer/TimeTravel.h"
#include "replayer/VirtualClockCheckpoints.h"
#include "replayer/gdb/GdbServer.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "tools/Commands.h"
#include "tools/Console.h"
#include "tools/GuestOptions.h"
#include "vmm/Machine.h"

namespace tandem::cli {
namespace {

constexpr int kExitInterrupted = 130;
constexpr uint16_t kDefaultPort = 1234;
constexpr uint64_t kMinCheckpointBudget = 16ull << 20;

// A POSIX signal handler takes no context: this is the one server it stops.
gdb::GdbServer* g_server_to_stop = nullptr;
void onSignal(int) {
  if (g_server_to_stop) g_server_to_stop->stop();
}

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
  specs.push_back({"port", true, "TCP port (default 1234; 0 picks a free one)", "N"});
  specs.push_back({"address", true, "address to listen on (default 127.0.0.1)", "ADDR"});
  specs.push_back({"read-only", false, "refuse register and memory writes from gdb"});
  specs.push_back({"once", false, "end when the first client detaches or disconnects"});
  specs.push_back({"console", true, "write the guest's console to FILE", "FILE"});
  specs.push_back({"checkpoint-budget", true,
                   "memory for time travel checkpoints (virtual clock; default 256M)", "SIZE"});
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
  uint16_t port = kDefaultPort;
  if (auto p = args->get("port")) {
    auto v = parseUint("port", *p);
    if (!v) return usageError("gdb-live", v.error().message);
    if (*v > 65535) return usageError("gdb-live", "--port: '" + *p + "' is not a TCP port");
    port = static_cast<uint16_t>(*v);
  }
  TimeTravelOptions tt_options;
  if (auto b = args->get("checkpoint-budget")) {
    if (opts->clock != ClockMode::kVirtual)
      return usageError("gdb-live", "--checkpoint-budget needs the virtual clock (time travel)");
    auto bytes = parseSize("checkpoint-budget", *b);
    if (!bytes) return usageError("gdb-live", bytes.error().message);
    if (*bytes < kMinCheckpointBudget)
      return usageError("gdb-live", "--checkpoint-budget: '" + *b + "' is below 16M");
    tt_options.budget_bytes = *bytes;
  }
  std::string address = args->get("address").value_or(gdb::GdbServer::kDefaultAddress);
  if (!gdb::GdbServer::isIpv4Address(address))
    return usageError("gdb-live", "--address: '" + address + "' is not an IPv4 address");

  int console_fd = STDOUT_FILENO;
  if (auto path = args->get("console")) {
    console_fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (console_fd < 0) return usageError("gdb-live", *path + ": cannot create");
  }
  ConsoleOutput console(console_fd);
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

  auto server = gdb::GdbServer::listen(address, port);
  if (!server) {
    std::fprintf(stderr, "tandem gdb-live: %s\n", server.error().message.c_str());
    return kExitFailure;
  }
  std::unique_ptr<VirtualClockCheckpoints> clock_state;
  std::unique_ptr<TimeTravel> time_travel;
  if (virtual_clock) {
    clock_state = std::make_unique<VirtualClockCheckpoints>(*virtual_clock);
    time_travel = std::make_unique<TimeTravel>(m, *clock_state, &history_console, tt_options);
  }
  gdb::LiveTargetOptions target_options;
  target_options.allow_writes = !args->has("read-only");
  gdb::LiveMachineTarget target(m, target_options, time_travel.get());

  g_server_to_stop = server->get();
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::fprintf(stderr, "tandem gdb-live: %s; listening on %s:%u\n", loaded->description.c_str(),
               (*server)->address().c_str(), (*server)->port());
  std::fflush(stderr);
  gdb::GdbServer::End end = (*server)->serve(target, args->has("once"));
  g_server_to_stop = nullptr;
  console.flush();
  if (console_fd != STDOUT_FILENO) ::close(console_fd);
  std::fprintf(stderr, "tandem gdb-live: %s at icount %llu\n",
               end == gdb::GdbServer::End::kKilled       ? "killed by gdb"
               : end == gdb::GdbServer::End::kClientDone ? "client done"
                                                         : "stopped",
               static_cast<unsigned long long>(m.icount().value()));
  return end == gdb::GdbServer::End::kStopped ? kExitInterrupted : kExitOk;
}

}  // namespace tandem::cli
