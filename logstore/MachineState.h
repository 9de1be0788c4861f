// What a snapshot holds besides guest memory: the CPU, every device's saved
// registers and the clock's state. Devices and the clock hand over the bytes
// of their plain-data state structs; the log store does not look inside.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/cpu/CpuState.h"

namespace tandem {

struct DeviceBlob {
  std::string name;            // stable and unique within a machine, e.g. "uart0"
  uint32_t version = 0;        // version of the device's state layout
  std::vector<uint8_t> state;  // at most kMaxDeviceStateBytes
  bool operator==(const DeviceBlob&) const = default;
};

struct MachineState {
  CpuState cpu{};                     // cpu.icount is the snapshot's icount
  std::vector<DeviceBlob> devices;    // in the board's order, at most kMaxDevices
  std::vector<uint8_t> clock_state;   // at most kMaxClockStateBytes
};

// What a reader tells about one snapshot before its memory is read.
struct SnapshotInfo {
  uint32_t number = 0;
  uint64_t icount = 0;
  uint64_t memory_bytes = 0;
  std::optional<uint32_t> base_snapshot;  // set for an incremental snapshot
  uint32_t page_count = 0;                // pages listed (not counting implied zero pages)
  MachineState state;
};

}  // namespace tandem
