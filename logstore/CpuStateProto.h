// tandem::CpuState <-> pb::CpuState, field for field. Reading checks every
// count and range the schema states, so a bundle cannot smuggle an
// impossible CPU state into a replay.
#pragma once

#include "logstore/tandem.pb.h"
#include "vmm/Result.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

void cpuStateToProto(const CpuState& s, pb::CpuState& out);
Result<CpuState> cpuStateFromProto(const pb::CpuState& p);

}  // namespace tandem
