// tandem run: boot a guest and run it with the serial console on the
// terminal, without recording.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

#include "logger/HostClock.h"
#include "logger/VirtualClock.h"
#include "tools/Commands.h"
#include "tools/Console.h"
#include "tools/GuestOptions.h"
#include "vmm/Machine.h"

namespace tandem::cli {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void onSignal(int) { g_interrupted = 1; }

constexpr int kExitReset = 3;
constexpr int kExitTripleFault = 4;
constexpr int kExitIdle = 5;
constexpr int kExitInterrupted = 130;

const char* kSynopsis =
    "tandem run [--kernel FILE [--initrd FILE] [--append CMDLINE] | --workload NAME]\n"
    "                  [--mem SIZE] [--clock virtual|host] [--max-icount N] [--json]\n"
    "Boots a guest with its serial console on this terminal. With no --kernel, boots the\n"
    "default guest (Debian's i386 kernel and busybox) to a shell. Ctrl-A x quits.\n"
    "Exit status: 0 power-off, 3 reset, 4 triple fault, 5 halted with nothing to wake it,\n"
    "130 interrupted, 1 failure, 2 bad usage or input.";

void traceInstruction(Cpu& c) {
  uint8_t bytes[8] = {};
  uint64_t phys;
  if (c.debugTranslate(c.st.seg[CS].base + c.st.eip, &phys))
    (void)c.mem.read(GuestPhys(phys), bytes, 8);
  std::fprintf(stderr,
               "%llu %04x:%08x %02x%02x%02x%02x%02x%02x%02x%02x eax=%08x ebx=%08x ecx=%08x edx=%08x "
               "esi=%08x edi=%08x ebp=%08x esp=%08x fl=%08x\n",
               static_cast<unsigned long long>(c.st.icount), c.st.seg[CS].selector, c.st.eip,
               bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
               c.st.gpr[EAX], c.st.gpr[EBX], c.st.gpr[ECX], c.st.gpr[EDX], c.st.gpr[ESI],
               c.st.gpr[EDI], c.st.gpr[EBP], c.st.gpr[ESP], c.eflags());
}

void feedVirtual(Door& inner, const uint8_t* bytes, size_t n) {
  static_cast<VirtualClock&>(inner).feedInput(std::span<const uint8_t>(bytes, n));
}

}  // namespace

int cmdRun(const Args& argv) {
  std::vector<OptionSpec> specs = guestOptionSpecs();
  specs.push_back({"max-icount", true, "stop after this many instructions", "N"});
  specs.push_back({"json", false, "print the result as JSON on stderr"});
  specs.push_back({"trace", true, "print each instruction from icount FROM, COUNT of them, on stderr", "FROM:COUNT"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("run", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (!args->positional.empty())
    return usageError("run", "unexpected argument '" + args->positional[0] + "'");
  auto opts = parseGuestOptions(*args, ClockMode::kHost);
  if (!opts) return usageError("run", opts.error().message);
  uint64_t max_icount = UINT64_MAX;
  if (auto m = args->get("max-icount")) {
    auto v = parseUint("max-icount", *m);
    if (!v) return usageError("run", v.error().message);
    max_icount = *v;
  }
  bool json = args->has("json");
  uint64_t trace_from = UINT64_MAX, trace_count = 0;
  if (auto t = args->get("trace")) {
    size_t colon = t->find(':');
    auto from = parseUint("trace", t->substr(0, colon));
    auto count = parseUint("trace", colon == std::string::npos ? "1000" : t->substr(colon + 1));
    if (!from || !count) return usageError("run", "--trace: expected FROM:COUNT");
    trace_from = *from;
    trace_count = *count;
  }

  RawTerminal terminal(STDIN_FILENO);
  ConsoleOutput console(STDOUT_FILENO);
  std::unique_ptr<Door> clock;
  ConsoleDoor::FeedFn feed = nullptr;
  if (opts->clock == ClockMode::kHost) {
    clock = std::make_unique<HostClock>(STDIN_FILENO);
  } else {
    auto vc = std::make_unique<VirtualClock>();
    if (!isatty(STDIN_FILENO)) {
      // Piped input is given to the guest whole, so runs stay repeatable.
      std::vector<uint8_t> all;
      uint8_t buf[4096];
      ssize_t n;
      while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0) all.insert(all.end(), buf, buf + n);
      vc->feedInput(all);
    } else {
      feed = &feedVirtual;
    }
    clock = std::move(vc);
  }
  ConsoleDoor door(*clock, console, feed ? STDIN_FILENO : -1, feed);

  auto machine = Machine::create(MachineConfig{opts->ram_bytes}, door, console);
  if (!machine) return usageError("run", machine.error().message);
  Machine& m = **machine;
  auto loaded = loadGuest(opts->guest, m.memory());
  if (!loaded) return usageError("run", loaded.error().message);
  m.cpu().loadState(loaded->entry.cpuState());

  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);

  auto t0 = std::chrono::steady_clock::now();
  MachineExit exit = MachineExit::kLimit;
  if (trace_count) {
    exit = m.run(trace_from);
    for (uint64_t k = 0; k < trace_count && exit == MachineExit::kLimit; ++k) {
      traceInstruction(m.cpu());
      exit = m.run(m.icount().value() + 1);
    }
    if (exit != MachineExit::kLimit) goto done;
  }
  for (;;) {
    uint64_t chunk_end = std::min(max_icount, m.icount().value() + 20'000'000);
    exit = m.run(chunk_end);
    if (exit != MachineExit::kLimit) break;
    if (m.icount().value() >= max_icount) break;
    if (g_interrupted || door.quitRequested()) {
      exit = MachineExit::kStopped;
      break;
    }
  }
done:
  console.flush();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t icount = m.icount().value();
  double guest_s = door.clockNs(m.icount(), ClockRead::kPoll) / 1e9;

  const char* why = machineExitName(exit);
  std::string detail;
  int status = kExitOk;
  switch (exit) {
    case MachineExit::kPowerOff: status = kExitOk; break;
    case MachineExit::kReset:
      status = kExitReset;
      detail = std::string(" (") + resetSourceName(m.lastResetSource()) + ")";
      break;
    case MachineExit::kTripleFault: status = kExitTripleFault; break;
    case MachineExit::kIdle: status = kExitIdle; break;
    case MachineExit::kLimit: status = kExitOk; break;
    case MachineExit::kStopped:
    case MachineExit::kDebug: status = kExitInterrupted; break;
  }
  if (terminal.active()) std::fprintf(stderr, "\r\n");
  std::fprintf(stderr, "tandem: %s%s at icount %llu (guest %.3f s, wall %.3f s, %.1f MIPS)\n", why,
               detail.c_str(), static_cast<unsigned long long>(icount), guest_s, wall,
               wall > 0 ? icount / wall / 1e6 : 0.0);
  if (json)
    std::fprintf(stderr,
                 "{\"exit\":\"%s\",\"icount\":%llu,\"guest_s\":%.6f,\"wall_s\":%.3f,\"mips\":%.1f,"
                 "\"console_bytes\":%llu}\n",
                 why, static_cast<unsigned long long>(icount), guest_s, wall,
                 wall > 0 ? icount / wall / 1e6 : 0.0,
                 static_cast<unsigned long long>(console.bytesWritten()));
  return status;
}

}  // namespace tandem::cli
