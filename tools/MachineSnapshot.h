// A whole machine at one instant, as `tandem run --save` writes it and
// `--restore` reads it back: the machine state (CPU, board, devices), its
// clock, the non-zero pages of guest RAM, and how far the console session
// had got. Gathering and restoring all of it happens here, so the storage
// (SnapshotFile) can change without touching what is saved.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "tools/RunClock.h"
#include "vmm/Machine.h"

namespace tandem::cli {

// Where `tandem run`'s console input stood when the machine was saved.
struct SessionSnapshot {
  uint64_t input_consumed;  // bytes of piped console input the guest had received
  uint32_t prompt_seen;     // 1: the input gate had seen a prompt it had not yet answered
  uint32_t reserved;        // always 0
};
static_assert(std::is_trivially_copyable_v<SessionSnapshot> &&
              std::has_unique_object_representations_v<SessionSnapshot>);

struct MachineSnapshot {
  uint64_t ram_bytes = 0;
  std::string cmdline;  // the guest's kernel command line (for a check on restore)
  MachineState machine;
  ClockSnapshot clock{};
  SessionSnapshot session{};
  std::vector<uint32_t> page_numbers;  // the non-zero pages of RAM, ascending
  std::vector<uint8_t> page_data;      // their bytes, kPageSize each, in that order
};

// Gathers `m` (which should stand at a poll point) and its clock.
MachineSnapshot captureMachine(Machine& m, RunClock& clock);
// Puts RAM, machine state and clock back. `m` must have the snapshot's RAM
// size; on failure the machine is left in an unspecified state.
Status restoreMachine(const MachineSnapshot& s, Machine& m, RunClock& clock);

}  // namespace tandem::cli
