#include "replayer/BundleReplay.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "logger/MachineDigest.h"
#include "logstore/EventCursor.h"
#include "logstore/FailureSignature.h"
#include "replayer/Freezer.h"

namespace tandem {
namespace {

// Instructions per slice between checks of `keep_going`.
constexpr uint64_t kSlice = 20'000'000;

}  // namespace

Result<std::unique_ptr<BundleReplay>> BundleReplay::open(std::unique_ptr<BundleReader> reader,
                                                         ConsoleSink& console) {
  const std::string name = reader->name();
  if (reader->snapshotCount() == 0) return makeError(name + ": the bundle has no snapshot");
  auto info = reader->snapshot(0);
  if (!info) return info.error();
  auto resume = loadReplayResume(info->state.clock_state);
  if (!resume) return makeError(name + ": " + resume.error().message);

  std::vector<Event> events;
  EventCursor cursor = reader->events(Icount(info->icount));
  for (;;) {
    auto e = cursor.next();
    if (!e) return e.error();
    if (!*e) break;
    if (std::holds_alternative<UnknownEvent>((*e)->body))
      return makeError(name + ": the bundle holds events of a kind this tandem cannot replay");
    events.push_back(std::move(**e));
  }

  auto r = std::unique_ptr<BundleReplay>(new BundleReplay());
  r->start_icount_ = info->icount;
  r->source_ = std::make_unique<VectorSource>(std::move(events));
  r->detector_ =
      std::make_unique<FailureDetector>(console, nullptr, reader->manifest().watchdog_ns()
                                                              ? reader->manifest().watchdog_ns()
                                                              : UINT64_MAX);
  r->door_ = std::make_unique<ReplayDoor>(*r->source_, r->detector_.get(),
                                          (resume->clock.flags & ReplayClockState::kVirtual) != 0,
                                          resume->clock.boot_epoch_seconds);
  r->detector_->setNext(r->door_.get());
  if (Status s = r->detector_->restoreState(resume->detector); !s)
    return makeError(name + ": " + s.error().message);
  auto machine = Machine::create(MachineConfig{info->memory_bytes}, *r->door_, *r->detector_);
  if (!machine) return makeError(name + ": " + machine.error().message);
  r->machine_ = std::move(*machine);
  Machine& m = *r->machine_;
  if (Status s = m.restoreState(info->state.machine); !s)
    return makeError(name + ": snapshot: " + s.error().message);
  if (Status s = reader->readMemory(0, m.memory()); !s) return s.error();
  r->door_->attach(m);
  r->door_->resume(Icount(resume->anchor_icount.value_or(info->icount)), resume->clock.guest_ns,
                   resume->clock.ps_per_insn);
  r->detector_->attach(m);
  m.setObserver(r->detector_.get());
  r->reader_ = std::move(reader);
  return r;
}

uint64_t BundleReplay::endIcount() const {
  const pb::FailureRecord& f = failure();
  // A primary that died is replayed through its last event; a divergence
  // through the question (or the digest at the poll) that disagreed.
  if (f.kind() == pb::PRIMARY_DIED || f.kind() == pb::DIVERGENCE) return f.icount() + 1;
  return f.icount();
}

MachineExit BundleReplay::runTo(uint64_t icount, bool (*keep_going)()) {
  icount = std::min(icount, endIcount());
  Machine& m = *machine_;
  for (;;) {
    uint64_t at = m.icount().value();
    MachineExit exit = m.run(std::min(icount, at + kSlice));
    if (exit == MachineExit::kReset || exit == MachineExit::kTripleFault)
      detector_->onExit(exit, m.icount());
    if (exit != MachineExit::kLimit) return exit;
    if (m.icount().value() >= icount) return exit;
    if (keep_going && !keep_going()) return MachineExit::kStopped;
  }
}

ReplayOutcome BundleReplay::runToFailure(bool (*keep_going)()) {
  auto t0 = std::chrono::steady_clock::now();
  Machine& m = *machine_;
  const pb::FailureRecord& f = failure();
  uint64_t start = m.icount().value();
  uint64_t end = endIcount();
  // The detector may stop the machine early (its own requestStop); the
  // recorded failure point is where the primary stopped after that.
  for (;;) {
    MachineExit exit = runTo(end, keep_going);
    if (exit == MachineExit::kLimit && m.icount().value() == end && f.kind() == pb::TRIPLE_FAULT) {
      // The instruction at the failure's icount faulted without retiring:
      // attempt it, as the primary did.
      exit = m.run(end + 1);
      if (exit == MachineExit::kTripleFault) detector_->onExit(exit, m.icount());
    }
    if (door_->divergence() || door_->ended() || m.icount().value() >= end) break;
    if (exit == MachineExit::kStopped && keep_going && !keep_going()) break;
    if (exit != MachineExit::kStopped && exit != MachineExit::kLimit) break;
  }
  ReplayOutcome o;
  o.icount = m.icount().value();
  o.detected = detector_->detected();
  o.divergence = door_->divergence();
  o.log_ended = door_->ended();
  o.instructions = o.icount - start;
  const bool died = f.kind() == pb::PRIMARY_DIED;
  const bool expects_detection = f.kind() == pb::PANIC || f.kind() == pb::OOPS ||
                                 f.kind() == pb::HANG || f.kind() == pb::TRIPLE_FAULT ||
                                 f.kind() == pb::UNEXPECTED_RESET;
  o.icount_equal = died ? source_->position() == source_->events().size() : o.icount == end;
  o.kind_equal = expects_detection ? o.detected && o.detected->kind == f.kind() : !o.detected;
  if (f.final_digest().algorithm() == pb::Digest::SHA256) {
    Sha256Digest d = machineDigest(m);
    o.digest_equal = f.final_digest().value() == std::string(d.begin(), d.end());
  }
  o.reproduced = !o.divergence && o.icount_equal && o.kind_equal && o.digest_equal.value_or(true);
  // A divergence bundle holds a primary that left the deterministic path:
  // replaying it can only confirm that (diverging again) or not.
  if (f.kind() == pb::DIVERGENCE) o.reproduced = false;
  char line[512];
  if (f.kind() == pb::DIVERGENCE) {
    if (o.divergence)
      std::snprintf(line, sizeof line,
                    "did not reproduce: like the backup, the replay disagrees with the primary's "
                    "log at icount %" PRIu64 " (window from icount %" PRIu64
                    "): the primary left the deterministic path there (a transient fault)",
                    o.divergence->icount, o.divergence->last_match);
    else
      std::snprintf(line, sizeof line,
                    "did not reproduce: the backup diverged at icount %" PRIu64
                    " but this replay did not",
                    f.icount());
  } else if (o.divergence) {
    std::snprintf(line, sizeof line,
                  "did not reproduce: the replay diverged from the recording at icount %" PRIu64
                  " (last agreed digest at icount %" PRIu64 "): %s",
                  o.divergence->icount, o.divergence->last_match, o.divergence->what.c_str());
  } else if (o.reproduced) {
    std::snprintf(line, sizeof line, "reproduced: %s at icount %" PRIu64 "%s",
                  failureKindName(f.kind()).c_str(), o.icount,
                  o.digest_equal ? ", same machine digest" : " (no digest recorded)");
  } else {
    std::snprintf(line, sizeof line,
                  "did not reproduce: recorded %s at icount %" PRIu64 ", replay %s at icount %" PRIu64
                  "%s",
                  failureKindName(f.kind()).c_str(), end,
                  o.detected ? failureKindName(o.detected->kind).c_str() : "saw no failure",
                  o.icount, o.digest_equal == false ? ", machine digest differs" : "");
  }
  o.verdict = line;
  o.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

}  // namespace tandem
