#include "vmm/MachineDigest.h"

#include <span>

#include "vmm/Machine.h"

namespace tandem {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(uint64_t h, std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    h ^= b;
    h *= kFnvPrime;
  }
  return h;
}

template <typename T>
std::span<const uint8_t> bytesOf(const T& v) {
  return std::span(reinterpret_cast<const uint8_t*>(&v), sizeof v);
}

}  // namespace

uint64_t machineDigest(Machine& machine) {
  MachineState s = machine.saveState();
  uint64_t h = fnv1a(kFnvOffset, bytesOf(s.cpu));
  for (const DeviceBlob& d : s.devices) {
    h = fnv1a(h, std::span(reinterpret_cast<const uint8_t*>(d.name.data()), d.name.size() + 1));
    uint64_t size = d.state.size();
    h = fnv1a(h, bytesOf(size));
    h = fnv1a(h, d.state);
  }
  const PhysMemory& mem = machine.memory();
  return fnv1a(h, std::span(mem.base(), mem.size()));
}

}  // namespace tandem
