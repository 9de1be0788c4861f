// Runs flat-binary workloads (build/bench/NAME.bin, loaded at 1 MiB in
// 32-bit protected mode) on tandem's CPU and prints one JSON line per
// workload: instructions, median seconds and MIPS over several runs.
//   cpu_bench DIR [--runs N] [--max INSTRUCTIONS] [WORKLOAD...]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "vmm/PhysMemory.h"
#include "vmm/cpu/Cpu.h"

namespace {

using namespace tandem;

class NullBus : public CpuBus {
 public:
  uint32_t ioRead(uint16_t, unsigned size) override { return ~0u >> (32 - 8 * size); }
  void ioWrite(uint16_t, unsigned, uint32_t) override {}
  uint32_t mmioRead(GuestPhys, unsigned size) override { return ~0u >> (32 - 8 * size); }
  void mmioWrite(GuestPhys, unsigned, uint32_t) override {}
  uint64_t readTsc(Icount now) override { return now.value(); }
  uint8_t acknowledgeInterrupt() override { return 0; }
};

struct Sample {
  uint64_t instructions;
  double seconds;
};

bool runOnce(const std::vector<uint8_t>& image, uint64_t max, Sample* out) {
  PhysMemory mem(64 << 20);
  NullBus bus;
  Cpu cpu(mem, bus);
  if (!mem.write(GuestPhys(0x100000), image.data(), image.size())) return false;
  const uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
  if (!mem.write(GuestPhys(0x1000), gdt, sizeof gdt)) return false;
  CpuState s = resetCpuState();
  s.cr0 |= cr0::PE;
  s.gdtr = {0x1000, sizeof gdt - 1};
  s.seg[CS] = SegmentCache{0, 0xFFFFFFFFu, 0x08, 0xC09B, 1};
  for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = SegmentCache{0, 0xFFFFFFFFu, 0x10, 0xC093, 1};
  s.eip = 0x100000;
  s.gpr[ESP] = 0x90000;
  cpu.loadState(s);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t total = 0;
  for (;;) {
    RunResult r = cpu.run(max - total);
    total += r.executed;
    if (r.reason == StopReason::kHalted || total >= max) break;
    if (r.reason == StopReason::kShutdown) {
      std::fprintf(stderr, "cpu_bench: workload triple-faulted: %s\n", cpu.describe().c_str());
      return false;
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  *out = {total, std::chrono::duration<double>(t1 - t0).count()};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: cpu_bench DIR [--runs N] [--max INSTRUCTIONS] [WORKLOAD...]\n");
    return 2;
  }
  std::string dir = argv[1];
  int runs = 5;
  uint64_t max = uint64_t{1} << 40;
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--max") && i + 1 < argc) max = std::strtoull(argv[++i], nullptr, 0);
    else names.push_back(argv[i]);
  }
  if (names.empty()) names = {"loop", "mem", "x87"};
  for (const auto& name : names) {
    std::ifstream f(dir + "/" + name + ".bin", std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cpu_bench: no workload %s/%s.bin\n", dir.c_str(), name.c_str());
      return 2;
    }
    std::vector<uint8_t> image((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<double> secs;
    uint64_t insns = 0;
    for (int k = 0; k < runs; ++k) {
      Sample s;
      if (!runOnce(image, max, &s)) return 1;
      insns = s.instructions;
      secs.push_back(s.seconds);
      std::fprintf(stderr, "cpu_bench: %s run %d/%d: %.3f s\n", name.c_str(), k + 1, runs, s.seconds);
    }
    std::sort(secs.begin(), secs.end());
    double median = secs[secs.size() / 2];
    std::printf("{\"workload\":\"%s\",\"instructions\":%llu,\"seconds\":%.4f,\"mips\":%.1f,\"runs\":%d}\n",
                name.c_str(), static_cast<unsigned long long>(insns), median, insns / median / 1e6, runs);
    std::fflush(stdout);
  }
  return 0;
}
