// The backup VM: a process of its own (forked by `tandem record` before the
// primary boots) that builds the same machine, replays the primary's events
// from the ring at least `lag` of guest time behind it, and so always holds
// the primary's past. When the primary fails, dies or diverges it freezes:
// its machine state and the events from there to the failure become a
// bundle in the failure archive. It reports through the ring's header and
// on stderr.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "logger/EventRing.h"
#include "logstore/tandem.pb.h"
#include "vmm/boot/GuestLoader.h"

namespace tandem {

struct BackupConfig {
  GuestSpec guest;
  uint64_t ram_bytes = 0;
  bool virtual_clock = false;
  uint64_t lag_ns = 2'000'000'000;
  uint64_t watchdog_ns = 10'000'000'000;  // the primary's, so a bundle resumes its detector
  std::string archive_dir;
  pb::GuestDescription description;  // for the bundle's manifest
  pid_t primary = 0;                 // the producer's process
};

// Runs the backup until the primary's stream ends; returns the process
// exit status (0 also when a bundle was frozen; 1 when freezing failed).
int runBackup(EventRing& ring, const BackupConfig& config);

}  // namespace tandem
