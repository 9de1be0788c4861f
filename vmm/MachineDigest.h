// A digest of everything a machine is: CPU registers, the board and device
// state, and all of guest RAM. Two machines with the same digest are, for
// every purpose replay cares about, the same machine. The hash is 64-bit
// FNV-1a over the state bytes in a fixed order (cheap to define and
// reproduce; it detects divergence, it does not resist forgery).
#pragma once

#include <cstdint>

namespace tandem {

class Machine;

uint64_t machineDigest(Machine& machine);

}  // namespace tandem
