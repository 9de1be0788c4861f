// The file `tandem run --save` writes: a MachineSnapshot in a small
// versioned format with a checksum per section, RAM stored sparsely (zero
// pages left out). All numbers are little-endian.
//
//   header   "TANDEMSV" (8 bytes), u32 version, u32 section count
//   section  u32 tag (four ASCII characters), u32 CRC-32 of the payload,
//            u64 payload length, payload
//   META     u64 RAM bytes, u32 page size, u32 command-line length, command line
//   CPU      CpuState, byte for byte
//   DEVS     u32 count, then per device (and the board): u32 name length, name,
//            u32 state length, state
//   CLCK     ClockSnapshot, byte for byte
//   SESS     SessionSnapshot, byte for byte
//   RAM      u32 page count, u32 page numbers (ascending), then the pages
//
// Each section appears exactly once; unknown sections are refused, so a
// file from a newer format is reported rather than half-read.
#pragma once

#include <string>

#include "tools/MachineSnapshot.h"
#include "vmm/Result.h"

namespace tandem::cli {

class SnapshotFile {
 public:
  static constexpr char kMagic[8] = {'T', 'A', 'N', 'D', 'E', 'M', 'S', 'V'};
  static constexpr uint32_t kVersion = 1;

  // Writes `s` to `path` (through a temporary file renamed into place, so
  // the file is either whole or absent).
  static Status write(const std::string& path, const MachineSnapshot& s);
  // Reads and checks a file written by write(); errors name the file and
  // what is wrong with it.
  static Result<MachineSnapshot> read(const std::string& path);
};

}  // namespace tandem::cli
