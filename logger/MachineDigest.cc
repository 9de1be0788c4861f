#include "logger/MachineDigest.h"

#include <cstring>
#include <string>

#include "logstore/CpuStateProto.h"
#include "logstore/tandem.pb.h"

namespace tandem {
namespace {

bool allZero(const uint8_t* p, size_t n) {
  uint64_t acc = 0;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  return acc == 0;
}

}  // namespace

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
    if (allZero(page, kPageSize)) continue;
    h.update(&pfn, sizeof pfn);
    h.update(page, kPageSize);
  }
  return h.finish();
}

}  // namespace tandem
