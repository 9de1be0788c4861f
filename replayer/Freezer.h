// Freezing: a machine state, the events from it to the failure and the
// failure record become one durable bundle, which then goes into the
// failure archive. The bundle is written under the archive directory's
// "incoming" folder and removed once the archive holds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logstore/Archive.h"
#include "logstore/Event.h"
#include "logstore/SnapshotState.h"
#include "logstore/tandem.pb.h"
#include "vmm/PhysMemory.h"
#include "vmm/Result.h"

namespace tandem {

// What a replay needs of the clock besides the events: guest time at the
// snapshot, the power-on date, whether time came from icount, and the rate
// guest time went on at from the snapshot to the next logged reading.
struct ReplayClockState {
  static constexpr uint32_t kVirtual = 1;        // time derived from icount
  static constexpr uint32_t kAnchorFollows = 2;  // guest_ns is at the anchor icount that follows
  uint64_t guest_ns;
  int64_t boot_epoch_seconds;
  uint32_t flags;
  uint32_t ps_per_insn;    // picoseconds per instruction; 0: 1000 (bundles from before rates)
};
static_assert(std::is_trivially_copyable_v<ReplayClockState> &&
              std::has_unique_object_representations_v<ReplayClockState>);

// A snapshot's clock_state: the clock, then the failure detector's state.
struct ReplayResume {
  ReplayClockState clock;
  // Where the clock's course through the snapshot was last set (its last
  // logged reading), when it is not the snapshot's icount: predicting from
  // there gives exactly the recording's readings, whatever the rounding.
  std::optional<uint64_t> anchor_icount;
  std::vector<uint8_t> detector;
};
std::vector<uint8_t> saveReplayResume(const ReplayResume& r);
Result<ReplayResume> loadReplayResume(const std::vector<uint8_t>& bytes);

struct FreezeResult {
  std::string bundle_id;     // hex SHA-256 of the bundle: its archive id
  uint64_t bundle_bytes = 0;
  double durable_s = 0;      // start to the bundle durable on disk
  double ingested_s = 0;     // start to the bundle in the archive
};

// Writes the bundle (manifest, one snapshot, events) and ingests it.
Result<FreezeResult> freezeToArchive(const pb::BundleManifest& manifest,
                                     const SnapshotState& state, const PhysMemory& memory,
                                     const std::vector<Event>& events,
                                     const std::string& archive_dir);

}  // namespace tandem
