// Replays a bundle: the machine restored from the bundle's snapshot, its
// events answered in order by a ReplayDoor, the console shown as it
// happened, and the failure detector watching, so that at the end it can be
// said whether the failure reproduced: the same kind, at the same icount,
// with the same machine digest.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "logger/FailureDetector.h"
#include "logstore/BundleReader.h"
#include "logstore/Sha256.h"
#include "replayer/ReplayDoor.h"
#include "vmm/Machine.h"

namespace tandem {

// Events held in memory, replayed from a position that can be saved and
// set again (a bundle's window is seconds of guest time: thousands of
// events).
class VectorSource final : public EventSource {
 public:
  explicit VectorSource(std::vector<Event> events) : events_(std::move(events)) {}
  const Event* peek() override { return pos_ < events_.size() ? &events_[pos_] : nullptr; }
  void pop() override { ++pos_; }
  size_t position() const { return pos_; }
  void seek(size_t pos) { pos_ = pos; }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
  size_t pos_ = 0;
};

struct ReplayOutcome {
  uint64_t icount = 0;                   // where the replay stopped
  std::optional<Detection> detected;     // what the replay's detector saw
  std::optional<Divergence> divergence;  // the first disagreement with the log
  bool log_ended = false;                // the machine asked past the last event
  bool kind_equal = false;
  bool icount_equal = false;
  std::optional<bool> digest_equal;      // unset when the bundle has no final digest
  bool reproduced = false;
  std::string verdict;                   // one line for people
  uint64_t instructions = 0;
  double wall_s = 0;
};

class BundleReplay {
 public:
  // `console` receives the guest's console output from the snapshot on.
  static Result<std::unique_ptr<BundleReplay>> open(std::unique_ptr<BundleReader> reader,
                                                    ConsoleSink& console);

  const pb::BundleManifest& manifest() const { return reader_->manifest(); }
  const pb::FailureRecord& failure() const { return manifest().failure(); }
  Machine& machine() { return *machine_; }
  ReplayDoor& door() { return *door_; }
  VectorSource& source() { return *source_; }
  FailureDetector& detector() { return *detector_; }
  uint64_t startIcount() const { return start_icount_; }
  // The last icount the replay must reach: the failure's.
  uint64_t endIcount() const;

  // Runs to `icount` (at most the end); returns how the machine stopped.
  // `keep_going` is asked between slices (return false to stop early).
  MachineExit runTo(uint64_t icount, bool (*keep_going)() = nullptr);
  // Runs to `icount` exactly, going on where the failure detector stopped
  // the machine on the way (as the recording's did). Short of it when the
  // replay diverged (door().divergence()), `keep_going` said stop
  // (kStopped), or the machine stopped otherwise (the exit says how).
  MachineExit reach(uint64_t icount, bool (*keep_going)() = nullptr);
  // Runs to the failure and judges the result.
  ReplayOutcome runToFailure(bool (*keep_going)() = nullptr);

 private:
  BundleReplay() = default;

  std::unique_ptr<BundleReader> reader_;
  std::unique_ptr<VectorSource> source_;
  std::unique_ptr<FailureDetector> detector_;
  std::unique_ptr<ReplayDoor> door_;
  std::unique_ptr<Machine> machine_;
  uint64_t start_icount_ = 0;
  std::optional<MachineExit> last_exit_;
};

}  // namespace tandem
