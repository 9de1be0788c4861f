// tandem run: boot a guest (or restore a saved one) and run it with the
// serial console on the terminal, without recording.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "tools/Commands.h"
#include "tools/Interrupts.h"
#include "tools/Console.h"
#include "tools/GuestOptions.h"
#include "tools/MachineSnapshot.h"
#include "tools/PromptGate.h"
#include "tools/RunClock.h"
#include "tools/SnapshotFile.h"
#include "vmm/Machine.h"

namespace tandem::cli {
namespace {


constexpr int kExitReset = 3;
constexpr int kExitTripleFault = 4;
constexpr int kExitIdle = 5;

const char* kSynopsis =
    "tandem run [--kernel FILE [--initrd FILE] [--append CMDLINE] | --workload NAME]\n"
    "                  [--mem SIZE] [--clock virtual|host] [--max-icount N] [--json]\n"
    "                  [--prompt TEXT] [--save-at N --save FILE | --restore FILE]\n"
    "Boots a guest with its serial console on this terminal. With no --kernel, boots the\n"
    "default guest (Debian's i386 kernel and busybox) to a shell. Ctrl-A x quits.\n"
    "--save-at stops at the first poll point at or after icount N and writes the whole\n"
    "machine to FILE; --restore continues such a machine (give it the same piped input:\n"
    "what the guest had received before the save is skipped).\n"
    "Exit status: 0 power-off (or saved), 3 reset, 4 triple fault, 5 halted with nothing to\n"
    "wake it, 130 interrupted, 1 failure, 2 bad usage or input.";

struct RunOptions {
  GuestOptions guest;
  uint64_t max_icount = UINT64_MAX;
  bool json = false;
  uint64_t trace_from = UINT64_MAX, trace_count = 0;
  std::optional<uint64_t> save_at;
  std::string save_path;
  std::optional<MachineSnapshot> restored;
  std::optional<std::string> prompt;
};

Result<RunOptions> parseRunOptions(const ParsedArgs& args) {
  RunOptions o;
  if (!args.positional.empty())
    return makeError("unexpected argument '" + args.positional[0] + "'");
  if (auto path = args.get("restore")) {
    auto snap = SnapshotFile::read(*path);
    if (!snap) return snap.error();
    if (Status s = checkSavedGuest(args, snap->ram_bytes, snap->clock.mode, snap->cmdline); !s)
      return s.error();
    o.guest.ram_bytes = snap->ram_bytes;
    o.guest.clock = snap->clock.mode;
    o.guest.guest.cmdline = snap->cmdline;
    o.restored = std::move(*snap);
  } else {
    auto guest = parseGuestOptions(args, ClockMode::kHost);
    if (!guest) return guest.error();
    o.guest = std::move(*guest);
  }
  if (auto m = args.get("max-icount")) {
    auto v = parseUint("max-icount", *m);
    if (!v) return v.error();
    o.max_icount = *v;
  }
  o.json = args.has("json");
  if (auto t = args.get("trace")) {
    size_t colon = t->find(':');
    auto from = parseUint("trace", t->substr(0, colon));
    auto count = parseUint("trace", colon == std::string::npos ? "1000" : t->substr(colon + 1));
    if (!from || !count) return makeError("--trace: expected FROM:COUNT");
    o.trace_from = *from;
    o.trace_count = *count;
  }
  if (args.has("save-at") != args.has("save")) return makeError("--save-at and --save go together");
  if (auto at = args.get("save-at")) {
    auto v = parseUint("save-at", *at);
    if (!v) return v.error();
    o.save_at = *v;
    o.save_path = *args.get("save");
  }
  o.prompt = args.get("prompt");
  if (o.prompt && o.prompt->empty()) return makeError("--prompt: empty prompt");
  return o;
}

void traceInstruction(Cpu& c) {
  uint8_t bytes[8] = {};
  uint64_t phys;
  if (c.debugTranslate(c.st.seg[CS].base + c.st.eip, &phys))
    (void)c.mem.read(GuestPhys(phys), bytes, 8);
  std::fprintf(
      stderr,
      "%llu %04x:%08x %02x%02x%02x%02x%02x%02x%02x%02x eax=%08x ebx=%08x ecx=%08x edx=%08x "
      "esi=%08x edi=%08x ebp=%08x esp=%08x fl=%08x\n",
      static_cast<unsigned long long>(c.st.icount), c.st.seg[CS].selector, c.st.eip, bytes[0],
      bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], c.st.gpr[EAX],
      c.st.gpr[EBX], c.st.gpr[ECX], c.st.gpr[EDX], c.st.gpr[ESI], c.st.gpr[EDI], c.st.gpr[EBP],
      c.st.gpr[ESP], c.eflags());
}

void feedVirtual(Door& inner, const uint8_t* bytes, size_t n) {
  static_cast<RunClock&>(inner).feedInput(std::span<const uint8_t>(bytes, n));
}

// Piped console input: all of it, less the first `skip` bytes (what a
// restored guest had received already).
std::vector<uint8_t> readPipedInput(uint64_t skip, bool to_end) {
  std::vector<uint8_t> all;
  uint8_t buf[4096];
  while (to_end || all.size() < skip) {
    size_t want = to_end ? sizeof buf : std::min<uint64_t>(sizeof buf, skip - all.size());
    ssize_t n = ::read(STDIN_FILENO, buf, want);
    if (n <= 0) break;
    all.insert(all.end(), buf, buf + n);
  }
  all.erase(all.begin(),
            all.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(skip, all.size())));
  return all;
}

std::vector<OptionSpec> runOptionSpecs() {
  std::vector<OptionSpec> specs = guestOptionSpecs();
  specs.push_back({"max-icount", true, "stop after this many instructions", "N"});
  specs.push_back({"json", false, "print the result as JSON on stderr"});
  specs.push_back({"trace", true,
                   "print each instruction from icount FROM, COUNT of them, on stderr",
                   "FROM:COUNT"});
  specs.push_back({"prompt", true,
                   "send piped input a line at a time, each once the console shows TEXT", "TEXT"});
  specs.push_back({"save-at", true,
                   "stop at the first poll point at or after icount N and save the machine", "N"});
  specs.push_back({"save", true, "where --save-at writes the machine", "FILE"});
  specs.push_back({"restore", true, "continue a machine saved with --save", "FILE"});
  specs.push_back({"help", false, "show this help"});
  return specs;
}

int exitStatus(MachineExit exit) {
  switch (exit) {
    case MachineExit::kPowerOff:
    case MachineExit::kLimit:
      return kExitOk;
    case MachineExit::kReset:
      return kExitReset;
    case MachineExit::kTripleFault:
      return kExitTripleFault;
    case MachineExit::kIdle:
      return kExitIdle;
    case MachineExit::kStopped:
      return kExitInterrupted;
    case MachineExit::kDebug:  // no debugger is attached to a plain run
      break;
  }
  return kExitFailure;
}

// What a run did, for the report on stderr.
struct RunReport {
  MachineExit exit;
  bool saved;
  uint64_t executed;  // instructions this process ran
  double wall_s;
};

// The closing lines on stderr; returns the exit status.
int report(const RunOptions& opts, const RunReport& r, Machine& m, RunClock& clock,
           const ConsoleOutput& console, bool raw_terminal) {
  uint64_t icount = m.icount().value();
  double guest_s = clock.clockNs(m.icount(), ClockRead::kPoll) / 1e9;
  std::string why = r.saved ? "saved to " + opts.save_path : machineExitName(r.exit);
  if (r.exit == MachineExit::kReset)
    why += std::string(" (") + resetSourceName(m.lastResetSource()) + ")";
  int status = exitStatus(r.exit);
  if (opts.save_at && !r.saved && status == kExitOk) {
    std::fprintf(stderr, "tandem run: the run ended (%s) before icount %llu; nothing saved\n",
                 machineExitName(r.exit), static_cast<unsigned long long>(*opts.save_at));
    status = kExitFailure;
  }
  if (raw_terminal) std::fprintf(stderr, "\r\n");
  double mips = r.wall_s > 0 ? r.executed / r.wall_s / 1e6 : 0.0;
  std::fprintf(stderr, "tandem: %s at icount %llu (guest %.3f s, wall %.3f s, %.1f MIPS)\n",
               why.c_str(), static_cast<unsigned long long>(icount), guest_s, r.wall_s, mips);
  if (opts.json)
    std::fprintf(stderr,
                 "{\"exit\":\"%s\",\"icount\":%llu,\"guest_s\":%.6f,\"wall_s\":%.3f,\"mips\":%.1f,"
                 "\"console_bytes\":%llu}\n",
                 r.saved ? "saved" : machineExitName(r.exit),
                 static_cast<unsigned long long>(icount), guest_s, r.wall_s, mips,
                 static_cast<unsigned long long>(console.bytesWritten()));
  return status;
}

}  // namespace

int cmdRun(const Args& argv) {
  std::vector<OptionSpec> specs = runOptionSpecs();
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("run", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  auto parsed = parseRunOptions(*args);
  if (!parsed) return usageError("run", parsed.error().message);
  RunOptions& opts = *parsed;
  const bool virtual_clock = opts.guest.clock == ClockMode::kVirtual;
  const bool piped = !isatty(STDIN_FILENO);
  const uint64_t skip = opts.restored ? opts.restored->session.input_consumed : 0;

  RawTerminal terminal(STDIN_FILENO);
  ConsoleOutput console(STDOUT_FILENO);
  RunClock clock(opts.guest.clock, virtual_clock ? -1 : STDIN_FILENO);
  ConsoleDoor::FeedFn feed = nullptr;
  if (piped) {
    // Piped input is given to a virtual clock whole, so runs stay repeatable.
    std::vector<uint8_t> input = readPipedInput(skip, virtual_clock);
    if (virtual_clock) clock.feedInput(input);
  } else if (virtual_clock) {
    feed = &feedVirtual;
  }
  ConsoleDoor door(clock, console, feed ? STDIN_FILENO : -1, feed);
  std::unique_ptr<PromptGate> gate;
  if (opts.prompt) gate = std::make_unique<PromptGate>(door, console, *opts.prompt);
  Door& machine_door = gate ? static_cast<Door&>(*gate) : door;

  auto machine = Machine::create(MachineConfig{opts.guest.ram_bytes}, machine_door, console);
  if (!machine) return usageError("run", machine.error().message);
  Machine& m = **machine;
  if (opts.restored) {
    if (Status s = restoreMachine(*opts.restored, m, clock); !s)
      return usageError("run", *args->get("restore") + ": " + s.error().message);
    if (gate && opts.restored->session.prompt_seen) gate->assumePrompt();
  } else {
    auto loaded = loadGuest(opts.guest.guest, m.memory());
    if (!loaded) return usageError("run", loaded.error().message);
    m.cpu().loadState(loaded->entry.cpuState());
  }

  catchInterrupts(true);

  // Runs to `target` in pieces, so that ^C and the console escape are seen.
  auto runTo = [&](uint64_t target) {
    for (;;) {
      MachineExit e = m.run(std::min(target, m.icount().value() + 20'000'000));
      if (e != MachineExit::kLimit || m.icount().value() >= target) return e;
      if (interrupted() || door.quitRequested()) return MachineExit::kStopped;
    }
  };
  auto t0 = std::chrono::steady_clock::now();
  const uint64_t start_icount = m.icount().value();
  MachineExit exit = MachineExit::kLimit;
  if (opts.trace_count) {
    exit = runTo(std::min(opts.trace_from, opts.max_icount));
    for (uint64_t k = 0; k < opts.trace_count && exit == MachineExit::kLimit &&
                         m.icount().value() < opts.max_icount;
         ++k) {
      traceInstruction(m.cpu());
      exit = m.run(m.icount().value() + 1);
    }
  }
  if (exit == MachineExit::kLimit && m.icount().value() < opts.max_icount)
    exit = runTo(std::min(opts.max_icount, opts.save_at.value_or(UINT64_MAX)));
  bool saved = false;
  if (opts.save_at && exit == MachineExit::kLimit && m.icount().value() >= *opts.save_at) {
    exit = m.runToPollPoint();
    if (exit == MachineExit::kLimit) {
      MachineSnapshot snap = captureMachine(m, clock);
      snap.cmdline = opts.guest.guest.cmdline;
      snap.session.input_consumed = skip + clock.inputDelivered() - (gate ? gate->held() : 0);
      snap.session.prompt_seen = gate && gate->promptSeen();
      if (Status s = SnapshotFile::write(opts.save_path, snap); !s)
        return usageError("run", s.error().message);
      saved = true;
    }
  }
  console.flush();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RunReport r{exit, saved, m.icount().value() - start_icount, wall};
  return report(opts, r, m, clock, console, terminal.active());
}

}  // namespace tandem::cli
