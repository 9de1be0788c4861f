#include "logger/MachineDigest.h"

#include <cstring>
#include <string>

#include "logstore/CpuStateProto.h"
#include "logstore/PageRecord.h"
#include "logstore/tandem.pb.h"

namespace tandem {

Sha256Digest machineDigest(Machine& m) {
  Sha256 h;
  MachineState state = m.saveState();
  pb::CpuState cpu;
  cpuStateToProto(state.cpu, cpu);
  std::string bytes;
  cpu.SerializeToString(&bytes);
  uint64_t len = bytes.size();
  h.update(&len, sizeof len);
  h.update(bytes.data(), bytes.size());
  for (const DeviceBlob& d : state.devices) {
    len = d.name.size();
    h.update(&len, sizeof len);
    h.update(d.name.data(), d.name.size());
    len = d.state.size();
    h.update(&len, sizeof len);
    h.update(d.state.data(), d.state.size());
  }
  const PhysMemory& mem = m.memory();
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn) {
    const uint8_t* page = mem.base() + (pfn << kPageShift);
    if (isZeroPage(page)) continue;
    h.update(&pfn, sizeof pfn);
    h.update(page, kPageSize);
  }
  return h.finish();
}

}  // namespace tandem
