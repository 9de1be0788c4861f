// One SHA-256 over everything the guest can observe of a machine: its CPU
// registers, the board and device state, and guest RAM. The primary logs it
// every so often and at a failure; the backup and the replayer compute it
// at the same icount and compare, so a difference anywhere in the machine
// is found even when it has not yet changed what the guest does.
#pragma once

#include "logstore/Sha256.h"
#include "vmm/Machine.h"

namespace tandem {

// Deterministic for equal machines: the CPU goes through its schema form
// (no padding bytes), devices by name in the board's order, RAM as the
// numbers and contents of its non-zero pages.
Sha256Digest machineDigest(Machine& m);

}  // namespace tandem
