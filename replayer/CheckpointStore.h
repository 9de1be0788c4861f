// Machine snapshots at chosen instruction counts, kept in memory within a
// byte budget, for time travel: restoring one and running forward reaches
// any later instant exactly.
//
// Each checkpoint holds the machine state (CPU, board, devices), the
// door's state, and the RAM pages that changed since the checkpoint before
// it (the CPU's dirty-page tracking tells which); the first holds every
// page. A page's content at checkpoint k is its latest version at or before
// k. Zero pages are kept as a mark, not as 4 KiB of zeros.
//
// The machine's RAM is tracked against a "base" checkpoint: the one last
// taken, restored or passed (reached by running forward through the same
// history). RAM then differs from the base's only in dirty pages, so a
// restore rewrites those and the pages stored between the base and the
// target, not all of RAM.
//
// Over budget, the checkpoint whose neighbours are closest together is
// dropped (its pages move to the next checkpoint where that one has none),
// which keeps the survivors evenly spread. The first and the last, and
// checkpoints where history was rewritten, always stay.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "replayer/CheckpointDoor.h"
#include "vmm/Machine.h"

namespace tandem {

class CheckpointStore {
 public:
  CheckpointStore(Machine& machine, CheckpointDoor& door, uint64_t budget_bytes);
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Saves the machine as it stands at its current icount, where there must
  // be no checkpoint yet. `rewritten`: history was changed here (a debugger
  // wrote registers or memory), so running forward from an earlier
  // checkpoint does not arrive at this state: it must be restored.
  void take(bool rewritten = false);
  // Restores the latest checkpoint at or before `icount` (there must be
  // one) and returns its icount.
  uint64_t restore(uint64_t icount);
  // The machine reached the checkpoint at its current icount by running
  // forward from its base: RAM is now tracked against it.
  void passed();
  // Drops every checkpoint at or after `icount`.
  void dropFrom(uint64_t icount);
  // Drops the checkpoint at `icount` (its pages go to the next one), unless
  // it is the first, the last or a rewritten one. Returns whether it went.
  bool drop(uint64_t icount);

  bool empty() const { return cps_.empty(); }
  size_t size() const { return cps_.size(); }
  // Bytes held: page contents, the page index and the saved states.
  uint64_t bytes() const { return bytes_; }
  uint64_t budget() const { return budget_; }
  uint64_t first() const { return cps_.front().icount; }
  bool has(uint64_t icount) const;
  bool rewrittenAt(uint64_t icount) const;
  std::optional<uint64_t> atOrBefore(uint64_t icount) const;
  std::optional<uint64_t> after(uint64_t icount) const;
  // The icount RAM is tracked against, if any.
  std::optional<uint64_t> base() const { return base_; }

 private:
  struct Checkpoint {
    uint64_t icount;
    MachineState state;
    std::vector<uint8_t> door;
    std::vector<uint32_t> frames;  // pages stored with this checkpoint, ascending
    uint64_t state_bytes;
    bool rewritten;
  };
  struct PageVersion {
    uint64_t icount;                  // the checkpoint it belongs to
    std::unique_ptr<uint8_t[]> data;  // nullptr: a zero page
  };

  Machine& machine_;
  CheckpointDoor& door_;
  uint64_t budget_;
  uint64_t bytes_ = 0;
  std::vector<Checkpoint> cps_;                      // by icount
  std::vector<std::vector<PageVersion>> versions_;   // by frame, by icount
  std::optional<uint64_t> base_;
  std::vector<uint8_t> marks_;  // scratch, one per frame

  size_t indexAtOrBefore(uint64_t icount) const;  // cps_.size() when none
  // Frames that may differ between RAM now and checkpoint `target`.
  std::vector<uint32_t> framesToRestore(uint64_t target);
  // Adds the frames stored by checkpoints in (lo, hi] to the marks.
  void markFramesBetween(uint64_t lo, uint64_t hi, std::vector<uint32_t>* out);
  void storePage(uint32_t frame, uint64_t icount);
  void eraseVersion(uint32_t frame, uint64_t icount);
  void dropCheckpoint(size_t index);  // merges into the next one
  void keepWithinBudget();
  static uint64_t versionBytes(const PageVersion& v);
};

}  // namespace tandem
