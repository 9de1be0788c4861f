// tandem record: run a guest as the primary, with a backup process that
// replays its log a fixed lag behind and freezes a bundle when it fails.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "logger/EventRing.h"
#include "logger/FailureDetector.h"
#include "logger/MachineDigest.h"
#include "logger/Recorder.h"
#include "logstore/Archive.h"
#include "logstore/FailureSignature.h"
#include "logstore/Sha256.h"
#include "replayer/Backup.h"
#include "tools/BundleDiagnosis.h"
#include "tools/Commands.h"
#include "tools/Interrupts.h"
#include "tools/Console.h"
#include "tools/FaultInjection.h"
#include "tools/GuestOptions.h"
#include "tools/Json.h"
#include "tools/RunClock.h"
#include "vmm/Machine.h"

namespace tandem::cli {
namespace {


constexpr int kExitFailureRecorded = 6;

// A backup slowed down (by the host's load) may fall behind by at most
// this much more than its lag before the primary waits for it, so the
// replay a failure costs stays bounded (the lag + 1 s promised: the primary
// looks at each published position, milliseconds apart). The more slack,
// the fewer waits: the two host CPUs' speeds wander apart for seconds at a
// time on a shared host, and a backup behind its lag runs flat out to catch
// up. A wait ends when the backup is halfway back.
constexpr uint64_t kLagSlackNs = 900'000'000;

const char* kSynopsis =
    "tandem record [--kernel FILE [--initrd FILE] [--append CMDLINE] | --workload NAME]\n"
    "                     [--mem SIZE] [--clock host|virtual] [--lag DURATION]\n"
    "                     [--ring-size SIZE] [--archive DIR] [--restart] [--json] ...\n"
    "Runs a guest (the default guest with no --kernel) as the primary, with its console on\n"
    "this terminal, and a backup that replays its log --lag of guest time behind. When the\n"
    "guest fails (panic, oops, triple fault, unexpected reset, hang), the primary dies or the\n"
    "backup diverges from it, the backup's state and the log from there to the failure are\n"
    "frozen as a bundle into the archive, and its id is printed once the backup has also\n"
    "replayed and diagnosed it (as `tandem report` does), so that the archive groups the\n"
    "failure by the signature refined from its backtrace.\n"
    "Exit status: 0 the guest ended normally, 6 a failure was recorded, 130 interrupted,\n"
    "1 failure of tandem itself, 2 bad usage or input.";

struct RecordOptions {
  GuestOptions guest;
  uint64_t lag_ns = 2'000'000'000;
  uint64_t ring_bytes = 64ull << 20;
  std::string archive_dir;
  bool restart = false;
  uint64_t watchdog_ns = 10'000'000'000;
  uint64_t digest_interval = 1ull << 30;
  std::optional<FaultInjection> fault;
  bool freeze_on_exit = false;
  uint64_t max_icount = UINT64_MAX;
  bool json = false;
};

// "0.9s"
std::string seconds(uint64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", ns / 1e9);
  return text;
}

std::vector<OptionSpec> recordOptionSpecs() {
  std::vector<OptionSpec> specs = guestOptionSpecs();
  specs.push_back({"lag", true,
                   "how far the backup stays behind, in guest time (default 2s); the primary "
                   "waits for a backup that falls " + seconds(kLagSlackNs) + " further behind",
                   "DURATION"});
  specs.push_back({"ring-size", true, "the shared event ring (default 64M)", "SIZE"});
  specs.push_back({"archive", true,
                   "failure archive (default $TANDEM_ARCHIVE or ~/.local/share/tandem/archive)",
                   "DIR"});
  specs.push_back({"restart", false, "boot the primary again at once after a failure"});
  specs.push_back({"watchdog", true,
                   "a hang is this much guest time without an interrupt or idle wait (default "
                   "10s)",
                   "DURATION"});
  specs.push_back({"digest-interval", true,
                   "instructions between machine digests in the log (default 2^30)", "N"});
  specs.push_back({"inject-fault", true,
                   "test hook: flip BIT of a register (eax..edi, eip) or of the byte at a "
                   "physical address (mem@ADDR) in the primary only, at icount N",
                   "N:WHERE:BIT"});
  specs.push_back({"freeze-on-exit", false,
                   "freeze a bundle also when the guest ends normally (kind user_requested)"});
  specs.push_back({"max-icount", true, "end the recording after this many instructions", "N"});
  specs.push_back({"json", false, "print the result as JSON on stderr"});
  specs.push_back({"help", false, "show this help"});
  return specs;
}

Result<RecordOptions> parseRecordOptions(const ParsedArgs& args) {
  RecordOptions o;
  if (!args.positional.empty())
    return makeError("unexpected argument '" + args.positional[0] + "'");
  auto guest = parseGuestOptions(args, ClockMode::kHost);
  if (!guest) return guest.error();
  o.guest = std::move(*guest);
  if (auto v = args.get("lag")) {
    auto ns = parseDuration("lag", *v);
    if (!ns) return ns.error();
    o.lag_ns = *ns;
  }
  if (auto v = args.get("ring-size")) {
    auto bytes = parseSize("ring-size", *v);
    if (!bytes) return bytes.error();
    if (*bytes < EventRing::kMinCapacity || *bytes > EventRing::kMaxCapacity)
      return makeError("--ring-size: '" + *v + "' is outside 1M..16G");
    o.ring_bytes = *bytes;
  }
  o.archive_dir = args.get("archive").value_or(Archive::defaultDirectory());
  o.restart = args.has("restart");
  if (auto v = args.get("watchdog")) {
    auto ns = parseDuration("watchdog", *v);
    if (!ns) return ns.error();
    if (*ns == 0) return makeError("--watchdog: must be more than 0");
    o.watchdog_ns = *ns;
  }
  if (auto v = args.get("digest-interval")) {
    auto n = parseUint("digest-interval", *v);
    if (!n) return n.error();
    if (*n < 1000) return makeError("--digest-interval: at least 1000 instructions");
    o.digest_interval = *n;
  }
  if (auto v = args.get("inject-fault")) {
    auto f = parseFaultInjection(*v);
    if (!f) return makeError("--inject-fault: " + f.error().message);
    o.fault = *f;
  }
  o.freeze_on_exit = args.has("freeze-on-exit");
  if (auto v = args.get("max-icount")) {
    auto n = parseUint("max-icount", *v);
    if (!n) return n.error();
    o.max_icount = *n;
  }
  o.json = args.has("json");
  return o;
}

int64_t wallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<pb::GuestDescription> describeGuest(const GuestOptions& g) {
  pb::GuestDescription d;
  auto kernel = sha256File(g.guest.kernel);
  if (!kernel) return kernel.error();
  d.mutable_kernel()->set_algorithm(pb::Digest::SHA256);
  d.mutable_kernel()->set_value(kernel->data(), kernel->size());
  d.set_kernel_name(std::filesystem::path(g.guest.kernel).filename().string());
  if (!g.guest.initrd.empty()) {
    auto initrd = sha256File(g.guest.initrd);
    if (!initrd) return initrd.error();
    d.mutable_initrd()->set_algorithm(pb::Digest::SHA256);
    d.mutable_initrd()->set_value(initrd->data(), initrd->size());
    d.set_initrd_name(std::filesystem::path(g.guest.initrd).filename().string());
  }
  d.set_command_line(g.guest.cmdline);
  d.set_memory_bytes(g.ram_bytes);
  d.set_clock_mode(g.clock == ClockMode::kVirtual ? pb::CLOCK_VIRTUAL : pb::CLOCK_HOST);
  return d;
}

void feedVirtual(Door& inner, const uint8_t* bytes, size_t n) {
  static_cast<RunClock&>(inner).feedInput(std::span<const uint8_t>(bytes, n));
}

// How one boot of the primary ended.
struct PrimaryResult {
  MachineExit exit = MachineExit::kLimit;
  std::optional<pb::FailureRecord> failure;
  pid_t backup = 0;
  std::unique_ptr<EventRing> ring;
  uint64_t icount = 0;
  uint64_t events = 0;
  double wall_s = 0;
  double guest_s = 0;
  bool interrupted = false;
  std::string error;
};

pb::FailureRecord failureRecord(pb::FailureKind kind, const std::string& message, Machine& m,
                                const FailureDetector& detector) {
  pb::FailureRecord f;
  f.set_kind(kind);
  f.set_icount(m.icount().value());
  f.set_wall_time_ns(wallNs());
  const std::string& tail = detector.consoleTail();
  f.set_console_tail(tail.substr(tail.size() > (64u << 10) ? tail.size() - (64u << 10) : 0));
  f.set_message(message.substr(0, 4096));
  f.set_signature(failureSignature(kind, {}, f.message()));
  Sha256Digest d = machineDigest(m);
  f.mutable_final_digest()->set_algorithm(pb::Digest::SHA256);
  f.mutable_final_digest()->set_value(d.data(), d.size());
  return f;
}

// Once the backup's bundle is durable and in the archive (so the freeze
// is not delayed), replays it to its failure and diagnoses it, as `tandem
// report` does, and keeps the result with its archive entry: the archive
// then groups the failure by the signature refined from the backtrace and
// the kernel's messages. The backup's process does it, so that a new
// primary (--restart) runs meanwhile; a failed diagnosis leaves the
// recorder's signature.
void diagnoseFrozen(const EventRing& ring, const std::string& archive_dir) {
  std::optional<BackupReport> rep = ring.report();
  if (!rep || rep->outcome != BackupReport::kBundle) return;
  const std::string short_id = rep->bundle_id.substr(0, 12);
  auto t0 = std::chrono::steady_clock::now();
  auto archive = Archive::open(archive_dir, false);
  auto id = archive ? (*archive)->resolve(rep->bundle_id) : Result<Sha256Digest>(archive.error());
  auto entry = id ? (*archive)->entry(*id) : Result<pb::ArchiveEntry>(id.error());
  // Nothing failed in a bundle frozen on request: nothing to group.
  if (entry && entry->manifest().failure().kind() == pb::USER_REQUESTED) return;
  auto diagnosis = entry ? diagnoseArchived(**archive, *id, wallNs()) : Result<pb::ArchiveDiagnosis>(entry.error());
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!diagnosis)
    std::fprintf(stderr, "tandem record: bundle %s not diagnosed (%s); the archive keeps the recorder's signature\n",
                 short_id.c_str(), diagnosis.error().message.c_str());
  else if (diagnosis->reproduced())
    std::fprintf(stderr, "tandem record: bundle %s diagnosed in %.2f s: signature %s\n", short_id.c_str(), s,
                 diagnosis->failure().signature().c_str());
  else
    std::fprintf(stderr, "tandem record: bundle %s diagnosed in %.2f s: %s; the archive keeps the recorder's signature\n",
                 short_id.c_str(), s, diagnosis->verdict().c_str());
}

// Boots the guest once as the primary, with a freshly forked backup.
PrimaryResult runPrimary(const RecordOptions& o, const pb::GuestDescription& description,
                         const std::vector<uint8_t>& piped, bool interactive_virtual) {
  PrimaryResult r;
  const bool virtual_clock = o.guest.clock == ClockMode::kVirtual;
  RunClock clock(o.guest.clock, virtual_clock ? -1 : STDIN_FILENO);
  if (virtual_clock) clock.feedInput(piped);
  ConsoleOutput console(STDOUT_FILENO);
  ConsoleDoor door(clock, console, interactive_virtual ? STDIN_FILENO : -1,
                   interactive_virtual ? &feedVirtual : nullptr);
  FailureDetector detector(console, nullptr, o.watchdog_ns);
  auto ring = EventRing::create(o.ring_bytes, clock.bootEpochSeconds());
  if (!ring) {
    r.error = ring.error().message;
    return r;
  }
  (*ring)->setMaxLead(o.lag_ns + kLagSlackNs, o.lag_ns + kLagSlackNs / 2);
  Recorder recorder(door, **ring, detector, RecorderOptions{o.digest_interval});
  detector.setNext(&recorder);

  BackupConfig bc{o.guest.guest, o.guest.ram_bytes, virtual_clock, o.lag_ns, o.watchdog_ns,
                  o.archive_dir, description, getpid()};
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  if (pid == 0) {
    // The backup: it outlives the primary and ends by the ring's state.
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    int status = runBackup(**ring, bc);
    diagnoseFrozen(**ring, o.archive_dir);
    std::_Exit(status);
  }
  r.backup = pid;
  (*ring)->setConsumerProcess(pid);

  auto machine = Machine::create(MachineConfig{o.guest.ram_bytes}, recorder, detector);
  if (!machine) {
    r.error = machine.error().message;
    (*ring)->finish(nullptr);
    r.ring = std::move(*ring);
    return r;
  }
  Machine& m = **machine;
  auto loaded = loadGuest(o.guest.guest, m.memory());
  if (!loaded) {
    r.error = loaded.error().message;
    (*ring)->finish(nullptr);
    r.ring = std::move(*ring);
    return r;
  }
  m.cpu().loadState(loaded->entry.cpuState());
  recorder.attach(m);
  detector.attach(m);
  m.setObserver(&detector);

  auto t0 = std::chrono::steady_clock::now();
  bool fault_pending = o.fault.has_value();
  for (;;) {
    uint64_t target = std::min(o.max_icount, m.icount().value() + 20'000'000);
    if (fault_pending) target = std::min(target, o.fault->icount);
    MachineExit exit = m.run(target);
    if (fault_pending && m.icount().value() >= o.fault->icount) {
      applyFault(*o.fault, m);
      fault_pending = false;
    }
    if (exit == MachineExit::kReset || exit == MachineExit::kTripleFault)
      detector.onExit(exit, m.icount());
    r.exit = exit;
    if (const auto& d = detector.detected()) {
      r.failure = failureRecord(d->kind, d->message, m, detector);
      r.failure->set_report_icount(d->report_icount);
      break;
    }
    if (exit == MachineExit::kLimit || exit == MachineExit::kStopped) {
      if (interrupted() || door.quitRequested()) {
        r.interrupted = true;
        break;
      }
      if (m.icount().value() >= o.max_icount) break;
      if (exit == MachineExit::kLimit) continue;
    }
    if (exit == MachineExit::kStopped) continue;  // a stop nobody asked for here
    break;  // power-off, reboot, halted for good
  }
  console.flush();
  r.icount = m.icount().value();
  r.events = recorder.events();
  r.guest_s = recorder.lastNs() / 1e9;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.failure && o.freeze_on_exit)
    r.failure = failureRecord(pb::USER_REQUESTED,
                              std::string("the guest ended: ") + machineExitName(r.exit), m,
                              detector);
  (*ring)->finish(r.failure ? &*r.failure : nullptr);
  r.ring = std::move(*ring);
  return r;
}

// Waits for a backup and returns its report.
std::optional<BackupReport> awaitBackup(pid_t pid, const EventRing& ring) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ring.report();
}

}  // namespace

int cmdRecord(const Args& argv) {
  std::vector<OptionSpec> specs = recordOptionSpecs();
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("record", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  auto parsed = parseRecordOptions(*args);
  if (!parsed) return usageError("record", parsed.error().message);
  RecordOptions& o = *parsed;
  auto description = describeGuest(o.guest);
  if (!description) return usageError("record", description.error().message);
  if (Status s = checkGuest(o.guest.guest, o.guest.ram_bytes); !s)
    return usageError("record", s.error().message);
  if (auto archive = Archive::open(o.archive_dir, true); !archive)
    return usageError("record", archive.error().message);

  const bool virtual_clock = o.guest.clock == ClockMode::kVirtual;
  const bool piped = !isatty(STDIN_FILENO);
  std::vector<uint8_t> input;
  if (piped && virtual_clock) {
    uint8_t buf[4096];
    ssize_t n;
    while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0) input.insert(input.end(), buf, buf + n);
  }
  RawTerminal terminal(STDIN_FILENO);
  catchInterrupts(true);

  int status = kExitOk;
  std::vector<PrimaryResult> boots;  // each with its backup, reported once all are done
  for (;;) {
    PrimaryResult r = runPrimary(o, *description, input, virtual_clock && !piped);
    if (!r.error.empty()) {
      std::fprintf(stderr, "tandem record: %s\n", r.error.c_str());
      if (r.backup) awaitBackup(r.backup, *r.ring);
      return kExitFailure;
    }
    if (terminal.active()) std::fprintf(stderr, "\r\n");
    RingStats rs = r.ring->stats();
    if (r.failure)
      std::fprintf(stderr, "tandem record: %s at icount %" PRIu64 ": %s\n",
                   failureKindName(r.failure->kind()).c_str(), r.failure->icount(),
                   r.failure->message().c_str());
    std::fprintf(stderr,
                 "tandem record: %s at icount %" PRIu64 " (guest %.3f s, wall %.3f s, %" PRIu64
                 " events, %.1f KB logged, %" PRIu64 " full-ring waits, %" PRIu64
                 " waits for the backup)\n",
                 r.failure ? "stopped" : r.interrupted ? "interrupted" : machineExitName(r.exit),
                 r.icount, r.guest_s, r.wall_s,
                 r.events, rs.bytes / 1e3, rs.full_waits, rs.lag_waits);
    bool again = r.failure && o.restart && !r.interrupted && !interrupted();
    if (r.failure && (again || r.failure->kind() != pb::USER_REQUESTED))
      status = kExitFailureRecorded;
    if (r.interrupted) status = kExitInterrupted;
    boots.push_back(std::move(r));
    if (again) {
      std::fprintf(stderr, "tandem record: restarting the primary\n");
      continue;
    }
    break;
  }
  for (PrimaryResult& b : boots) {
    std::optional<BackupReport> rep = awaitBackup(b.backup, *b.ring);
    if (rep && rep->outcome == BackupReport::kBundle) {
      std::printf("%s\n", rep->bundle_id.c_str());
      std::fflush(stdout);
    } else if (rep && rep->outcome == BackupReport::kError) {
      status = kExitFailure;
    } else if (b.failure) {
      std::fprintf(stderr, "tandem record: the backup ended without freezing a bundle\n");
      status = kExitFailure;
    }
    if (o.json) {
      RingStats rs = b.ring->stats();
      JsonWriter j;
      j.beginObject()
          .field("exit", machineExitName(b.exit))
          .field("failure", b.failure ? failureKindName(b.failure->kind()) : std::string())
          .field("icount", b.icount)
          .field("guest_s", b.guest_s)
          .field("wall_s", b.wall_s)
          .field("events", b.events)
          .field("ring_bytes", rs.bytes)
          .field("full_waits", rs.full_waits)
          .field("wait_s", rs.wait_ns / 1e9)
          .field("lag_waits", rs.lag_waits)
          .field("lag_wait_s", rs.lag_wait_ns / 1e9)
          .field("bundle", rep ? rep->bundle_id : std::string())
          .field("freeze_s", rep ? rep->freeze_ns / 1e9 : 0.0)
          .field("max_lag_s", rep ? rep->max_lag_ns / 1e9 : 0.0)
          .field("log_bytes", rep ? rep->log_bytes : uint64_t{0})
          .endObject();
      std::fprintf(stderr, "%s\n", j.str().c_str());
    }
  }
  return status;
}

}  // namespace tandem::cli
