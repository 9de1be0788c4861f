#include "replayer/Backup.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

#include "logstore/FailureSignature.h"
#include "replayer/Freezer.h"
#include "replayer/ReplayDoor.h"
#include "replayer/RingSource.h"
#include "vmm/Machine.h"

namespace tandem {
namespace {

class DiscardConsole final : public ConsoleSink {
 public:
  void consoleWrite(uint8_t) override {}
};

int64_t wallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The backup's state at its last agreed digest: where a divergence bundle
// starts, so that its window can be replayed.
struct Checkpoint {
  MachineState state;
  std::unique_ptr<PhysMemory> ram;
  ClockLine clock{};  // the replay's clock course through the checkpoint
  std::vector<uint8_t> detector;
};

class Backup {
 public:
  Backup(EventRing& ring, const BackupConfig& config, int pidfd)
      : ring_(ring),
        config_(config),
        source_(ring, pidfd),
        detector_(console_, nullptr, config.watchdog_ns),
        door_(source_, &detector_, config.virtual_clock, ring.bootEpochSeconds()) {
    detector_.setNext(&door_);
  }

  int run();

 private:
  void checkpoint();
  SnapshotState snapshotOf(const MachineState& s, const ClockLine& clock,
                           std::vector<uint8_t> detector) const;
  int freeze(pb::FailureRecord failure, const SnapshotState& state, const PhysMemory& memory,
             std::vector<Event> events);
  int report(BackupReport r);

  EventRing& ring_;
  const BackupConfig& config_;
  RingSource source_;
  DiscardConsole console_;
  // Watches the replay as the primary's detector watched the original, so
  // a bundle can resume it.
  FailureDetector detector_;
  ReplayDoor door_;
  std::unique_ptr<Machine> machine_;
  Checkpoint cp_;
  uint64_t max_lag_ns_ = 0;
};

void Backup::checkpoint() {
  Machine& m = *machine_;
  cp_.state = m.saveState();
  if (!cp_.ram) cp_.ram = std::make_unique<PhysMemory>(m.memory().size());
  std::memcpy(cp_.ram->base(), m.memory().base(), m.memory().size());
  cp_.clock = door_.position().clock;
  cp_.detector = detector_.saveState();
  source_.dropReplayed();
}

SnapshotState Backup::snapshotOf(const MachineState& s, const ClockLine& clock,
                                 std::vector<uint8_t> detector) const {
  ReplayResume r{{clock.ns, ring_.bootEpochSeconds(),
                  config_.virtual_clock ? ReplayClockState::kVirtual : 0u, clock.ps_per_insn},
                 clock.icount,
                 std::move(detector)};
  return SnapshotState{s, saveReplayResume(r)};
}

int Backup::report(BackupReport r) {
  r.max_lag_ns = max_lag_ns_;
  // A producer that finished normally has nothing more; one that failed
  // left its last events in the ring (taken by the freeze).
  r.log_bytes = source_.meter().storedBytes();
  r.log_events = source_.meter().events();
  ring_.setReport(r);
  ring_.detachConsumer();
  return r.outcome == BackupReport::kError ? 1 : 0;
}

int Backup::freeze(pb::FailureRecord failure, const SnapshotState& state,
                   const PhysMemory& memory, std::vector<Event> events) {
  ring_.detachConsumer();  // the primary must not wait on a full ring while this runs
  if (failure.signature().empty()) failure.set_signature(failureSignature(failure));
  pb::BundleManifest manifest;
  *manifest.mutable_guest() = config_.description;
  *manifest.mutable_failure() = failure;
  manifest.set_watchdog_ns(config_.watchdog_ns);
  auto frozen = freezeToArchive(manifest, state, memory, events, config_.archive_dir);
  BackupReport r;
  if (!frozen) {
    r.outcome = BackupReport::kError;
    r.message = "freezing the " + failureKindName(failure.kind()) +
                " failed: " + frozen.error().message;
    std::fprintf(stderr, "tandem record: backup: %s\n", r.message.c_str());
    return report(r);
  }
  r.outcome = BackupReport::kBundle;
  r.bundle_id = frozen->bundle_id;
  int64_t now = wallNs();
  r.freeze_ns = failure.wall_time_ns() > 0 && now > failure.wall_time_ns()
                    ? static_cast<uint64_t>(now - failure.wall_time_ns()) -
                          static_cast<uint64_t>((frozen->ingested_s - frozen->durable_s) * 1e9)
                    : static_cast<uint64_t>(frozen->durable_s * 1e9);
  std::fprintf(stderr,
               "tandem record: %s at icount %llu frozen from icount %llu with %zu events: "
               "bundle %s (%.1f MB, durable %.2f s after the failure)\n",
               failureKindName(failure.kind()).c_str(),
               static_cast<unsigned long long>(failure.icount()),
               static_cast<unsigned long long>(state.machine.cpu.icount), events.size(),
               r.bundle_id.c_str(), frozen->bundle_bytes / 1e6, r.freeze_ns / 1e9);
  return report(r);
}

int Backup::run() {
  auto machine = Machine::create(MachineConfig{config_.ram_bytes}, door_, detector_);
  if (!machine) return report({BackupReport::kError, "", machine.error().message});
  machine_ = std::move(*machine);
  Machine& m = *machine_;
  auto loaded = loadGuest(config_.guest, m.memory());
  if (!loaded) return report({BackupReport::kError, "", loaded.error().message});
  m.cpu().loadState(loaded->entry.cpuState());
  door_.attach(m);
  detector_.attach(m);
  m.setObserver(&detector_);
  checkpoint();
  uint64_t checkpoint_match = 0;
  bool machine_done = false;

  for (;;) {
    if (const auto& d = door_.divergence()) {
      pb::FailureRecord f;
      f.set_kind(pb::DIVERGENCE);
      f.set_icount(d->icount);
      f.set_wall_time_ns(wallNs());
      f.set_last_match_icount(d->last_match);
      f.set_message("the backup's replay diverged from the primary");
      f.set_detail(d->what);
      std::vector<Event> events = source_.takeReplayed();
      for (Event& e : source_.takeRest()) events.push_back(std::move(e));
      return freeze(f, snapshotOf(cp_.state, cp_.clock, cp_.detector), *cp_.ram, std::move(events));
    }
    if (door_.lastMatchIcount() > checkpoint_match) {
      checkpoint_match = door_.lastMatchIcount();
      checkpoint();
    }
    ProducerState state = ring_.producerState();
    if (state == ProducerState::kFinished) return report({});
    bool died = state == ProducerState::kRunning && source_.primaryGone();
    if (state == ProducerState::kFailed || died) {
      std::vector<Event> events = source_.takeRest();
      pb::FailureRecord f;
      if (source_.failure()) {
        f = *source_.failure();
      } else {
        f.set_kind(pb::PRIMARY_DIED);
        f.set_icount(events.empty() ? m.icount().value() : events.back().icount.value());
        f.set_wall_time_ns(wallNs());
        f.set_message("the primary's process ended without closing its log");
      }
      return freeze(f, snapshotOf(m.saveState(), door_.position().clock, detector_.saveState()), m.memory(),
                    std::move(events));
    }
    uint64_t published = ring_.publishedNs();
    // Until its first clock reading the backup stands where the primary
    // started (guest time runs from before the kernel was loaded).
    uint64_t mine = std::max(door_.lastNs(), ring_.startNs());
    ring_.setConsumerNs(mine);
    if (published > mine) max_lag_ns_ = std::max(max_lag_ns_, published - mine);
    if (machine_done || mine + config_.lag_ns > published || door_.ended()) {
      timespec ts{0, 500'000};
      nanosleep(&ts, nullptr);
      continue;
    }
    MachineExit exit = m.run(m.icount().value() + Machine::kPollInterval);
    // The primary saw the same exit; its end of the log follows.
    if (exit != MachineExit::kLimit && exit != MachineExit::kStopped) machine_done = true;
  }
}

}  // namespace

int runBackup(EventRing& ring, const BackupConfig& config) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, config.primary, 0));
  Backup backup(ring, config, pidfd);
  int status = backup.run();
  if (pidfd >= 0) close(pidfd);
  return status;
}

}  // namespace tandem
