// Sample machine states, event logs, manifests and whole bundles for tests,
// fuzz seeds and benchmarks. Deterministic for a given seed.
#pragma once

#include <string>
#include <vector>

#include "logstore/BundleWriter.h"
#include "logstore/CpuStateProto.h"
#include "logstore/FailureSignature.h"
#include "tests/support/GuestImage.h"

namespace tandem::testing {

inline SnapshotState sampleSnapshotState(uint64_t seed, uint64_t icount) {
  Rng rng(seed);
  SnapshotState s;
  CpuState& cpu = s.machine.cpu;
  auto* bytes = reinterpret_cast<uint8_t*>(&cpu);
  for (size_t i = 0; i < sizeof cpu; ++i) bytes[i] = static_cast<uint8_t>(rng.next());
  cpu.fpu.top &= 7;
  cpu.icount = icount;
  // Keep only what the format carries (gpr[8] and padding become zero).
  pb::CpuState p;
  cpuStateToProto(cpu, p);
  cpu = *cpuStateFromProto(p);
  for (const char* name : {"pic", "pit", "port61", "rtc", "com1", "i8042"}) {
    DeviceBlob d{name, std::vector<uint8_t>(16 + rng.below(200))};
    for (auto& b : d.state) b = static_cast<uint8_t>(rng.next());
    s.machine.devices.push_back(std::move(d));
  }
  s.clock_state.resize(24);
  for (auto& b : s.clock_state) b = static_cast<uint8_t>(rng.next());
  return s;
}

// `n` events from `first_icount` on, of every kind, a few hundred
// instructions apart, as a guest with a 250 Hz timer would produce.
inline std::vector<Event> sampleEvents(uint64_t seed, uint64_t first_icount, size_t n) {
  Rng rng(seed);
  std::vector<Event> out;
  uint64_t icount = first_icount, ns = 1000000;
  for (size_t i = 0; i < n; ++i) {
    icount += rng.below(4) == 0 ? 0 : rng.below(5000);
    ns += rng.below(100000);
    uint32_t eip = 0xC1000000u + rng.below(0x400000);
    switch (rng.below(10)) {
      case 0: out.push_back({Icount(icount), eip, InterruptRaiseEvent{static_cast<uint8_t>(rng.below(16))}}); break;
      case 1: out.push_back({Icount(icount), eip, InterruptDeliveryEvent{static_cast<uint8_t>(0x30 + rng.below(16))}}); break;
      case 2: out.push_back({Icount(icount), eip, SerialInputEvent{{static_cast<uint8_t>('a' + rng.below(26)), '\n'}}}); break;
      case 3: {
        MachineDigestEvent d{std::vector<uint8_t>(32)};
        for (auto& b : d.sha256) b = static_cast<uint8_t>(rng.next());
        out.push_back({Icount(icount), eip, d});
        break;
      }
      default:
        out.push_back({Icount(icount), eip, ClockReadingEvent{static_cast<ClockRead>(rng.below(5)), ns}});
    }
  }
  return out;
}

inline pb::BundleManifest sampleManifest(uint64_t memory_bytes, int64_t wall_time_ns,
                                         const std::string& panic_function = "sysrq_handle_crash") {
  pb::BundleManifest m;
  pb::GuestDescription* g = m.mutable_guest();
  g->mutable_kernel()->set_algorithm(pb::Digest::SHA256);
  g->mutable_kernel()->set_value(std::string(32, '\x11'));
  g->mutable_initrd()->set_algorithm(pb::Digest::SHA256);
  g->mutable_initrd()->set_value(std::string(32, '\x22'));
  g->set_command_line("console=ttyS0 panic=-1 nokaslr tandem.workload=panic");
  g->set_memory_bytes(memory_bytes);
  g->set_clock_mode(pb::CLOCK_HOST);
  g->set_kernel_name("vmlinuz");
  pb::FailureRecord* f = m.mutable_failure();
  f->set_kind(pb::PANIC);
  f->set_icount(13000000000ull);
  f->set_wall_time_ns(wall_time_ns);
  f->set_console_tail("[   22.901234] sysrq: Trigger a crash\n[   22.901301] Kernel panic - not syncing: sysrq triggered crash\n");
  f->set_message("Kernel panic - not syncing: sysrq triggered crash");
  for (const char* frame : {"dump_stack_lvl+0x36/0x4c", "panic+0xb4/0x28a", "sysrq_handle_crash+0x15/0x15"})
    f->add_stack_top(frame);
  f->set_stack_top(2, panic_function + "+0x15/0x15");
  f->set_signature(failureSignature(*f));
  return m;
}

struct SampleBundleSpec {
  uint64_t memory_bytes = 4ull << 20;
  uint64_t seed = 1;
  size_t events = 2000;
  int64_t wall_time_ns = 1700000000000000000;
  std::string panic_function = "sysrq_handle_crash";
  BundleWriterOptions options = {};
};

// Writes a bundle with one snapshot of a guest image and events after it.
inline Status writeSampleBundle(const std::string& path, const SampleBundleSpec& spec,
                                const PhysMemory* image = nullptr) {
  auto w = BundleWriter::create(path, spec.options);
  if (!w) return w.error();
  PhysMemory own(image ? kPageSize : spec.memory_bytes);
  if (!image) fillGuestImage(own, spec.seed);
  const PhysMemory& mem = image ? *image : own;
  (*w)->setManifest(sampleManifest(mem.size(), spec.wall_time_ns, spec.panic_function));
  auto snap = (*w)->writeSnapshot(sampleSnapshotState(spec.seed, 5000000), mem);
  if (!snap) return snap.error();
  for (const Event& e : sampleEvents(spec.seed, 5000000, spec.events))
    if (auto s = (*w)->appendEvent(e); !s) return s;
  return (*w)->finish();
}

}  // namespace tandem::testing
