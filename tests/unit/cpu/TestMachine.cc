#include "tests/unit/cpu/TestMachine.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "vmm/cpu/CpuInline.h"

namespace tandem::test {

std::vector<uint8_t> assemble(const std::string& source, uint32_t org) {
  char dir[] = "/tmp/tandem-asm-XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  std::string src = std::string(dir) + "/t.asm", out = std::string(dir) + "/t.bin";
  {
    std::ofstream f(src);
    f << "org " << org << "\n" << source << "\n";
  }
  std::string cmd = "nasm -f bin -o " + out + " " + src + " 2>" + dir + "/err";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream e(std::string(dir) + "/err");
    std::stringstream ss;
    ss << e.rdbuf();
    std::fprintf(stderr, "nasm failed:\n%s\nsource:\n%s\n", ss.str().c_str(), source.c_str());
    std::abort();
  }
  std::ifstream f(out, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::remove(src.c_str());
  std::remove(out.c_str());
  std::remove((std::string(dir) + "/err").c_str());
  rmdir(dir);
  return bytes;
}

uint32_t RecordingBus::ioRead(uint16_t port, unsigned size) {
  auto it = port_values.find(port);
  if (it != port_values.end()) return it->second;
  return ~0u >> (32 - 8 * size);
}

void RecordingBus::ioWrite(uint16_t port, unsigned size, uint32_t value) {
  writes.emplace_back(port, value);
  if (port == 0x3F8) serial.push_back(static_cast<char>(value));
}

TestMachine::TestMachine(uint64_t ram) : mem(ram), cpu(mem, bus) {}

void TestMachine::writeBytes(uint32_t phys, const std::vector<uint8_t>& bytes) {
  if (!mem.write(GuestPhys(phys), bytes.data(), bytes.size())) std::abort();
  cpu.invalidateCode(GuestPhys(phys), bytes.size());
}

uint32_t TestMachine::read32(uint32_t phys) {
  uint32_t v = 0;
  if (!mem.read(GuestPhys(phys), &v, 4)) std::abort();
  return v;
}

void TestMachine::write32(uint32_t phys, uint32_t v) {
  if (!mem.write(GuestPhys(phys), &v, 4)) std::abort();
  cpu.invalidateCode(GuestPhys(phys), 4);
}

void TestMachine::loadProtected(const std::string& source) {
  // GDT: null, flat code (0x08), flat data (0x10).
  const uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
  if (!mem.write(GuestPhys(kGdtBase), gdt, sizeof gdt)) std::abort();
  writeBytes(kCodeBase, assemble("bits 32\n" + source, kCodeBase));
  CpuState s = resetCpuState();
  s.cr0 |= cr0::PE;
  s.gdtr = {kGdtBase, sizeof gdt - 1};
  auto flat = [](uint16_t sel, uint16_t attr) { return SegmentCache{0, 0xFFFFFFFFu, sel, attr, 1}; };
  s.seg[CS] = flat(0x08, 0xC09B);
  for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = flat(0x10, 0xC093);
  s.eip = kCodeBase;
  s.gpr[ESP] = kStackTop;
  s.gpr[EDX] = 0;
  cpu.loadState(s);
}

void TestMachine::loadReal(const std::string& source) {
  writeBytes(kCodeBase, assemble("bits 16\n" + source, 0));
  CpuState s = resetCpuState();
  for (auto& sg : s.seg) {
    sg.selector = kCodeBase >> 4;
    sg.base = kCodeBase;
  }
  s.seg[SS].selector = 0;
  s.seg[SS].base = 0;
  s.eip = 0;
  s.gpr[ESP] = 0xFFF0;
  s.gpr[EDX] = 0;
  cpu.loadState(s);
}

RunResult TestMachine::runToHalt(uint64_t max) {
  uint64_t done = 0;
  for (;;) {
    RunResult r = cpu.run(max - done);
    done += r.executed;
    if (r.reason != StopReason::kRequested || done >= max) return r;
  }
}

}  // namespace tandem::test
