// What a snapshot holds besides guest memory: the machine's CPU and devices
// as the machine saves them (vmm/Machine.h), and the state of the clock
// behind the door (which lives outside the machine). The log store does not
// look inside device or clock state: they are the bytes of plain-data state
// structs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "vmm/Machine.h"

namespace tandem {

struct SnapshotState {
  MachineState machine;              // machine.cpu.icount is the snapshot's icount;
                                     // devices unique by name, at most kMaxDevices
  std::vector<uint8_t> clock_state;  // at most kMaxClockStateBytes
};

// What a reader tells about one snapshot before its memory is read.
struct SnapshotInfo {
  uint32_t number = 0;
  uint64_t icount = 0;
  uint64_t memory_bytes = 0;
  std::optional<uint32_t> base_snapshot;  // set for an incremental snapshot
  uint32_t page_count = 0;                // pages listed (not counting implied zero pages)
  SnapshotState state;
};

}  // namespace tandem
