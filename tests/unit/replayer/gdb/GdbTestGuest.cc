#include "tests/unit/replayer/gdb/GdbTestGuest.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "replayer/gdb/GdbPacket.h"
#include "vmm/boot/GuestLoader.h"

namespace tandem::gdb::test {
namespace {

const std::string kGuestPath = std::string(TANDEM_BUILD_DIR) + "/guests/gdb_target.elf";

uint32_t le32(const std::vector<uint8_t>& f, size_t at) {
  uint32_t v = 0;
  if (at + 4 <= f.size()) std::memcpy(&v, f.data() + at, 4);
  return v;
}
uint16_t le16(const std::vector<uint8_t>& f, size_t at) {
  uint16_t v = 0;
  if (at + 2 <= f.size()) std::memcpy(&v, f.data() + at, 2);
  return v;
}

// Global and local symbols of an ELF32 file's .symtab.
std::map<std::string, uint32_t> readSymbols(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, uint32_t> out;
  constexpr uint32_t kShtSymtab = 2;
  uint32_t shoff = le32(f, 0x20);
  uint16_t shentsize = le16(f, 0x2E), shnum = le16(f, 0x30);
  for (unsigned i = 0; i < shnum; ++i) {
    size_t sh = shoff + size_t{i} * shentsize;
    if (le32(f, sh + 4) != kShtSymtab) continue;
    uint32_t off = le32(f, sh + 16), size = le32(f, sh + 20), link = le32(f, sh + 24);
    size_t strsh = shoff + size_t{link} * shentsize;
    uint32_t stroff = le32(f, strsh + 16), strsize = le32(f, strsh + 20);
    for (uint32_t s = 0; s + 16 <= size; s += 16) {
      uint32_t name = le32(f, off + s);
      if (name == 0 || name >= strsize || stroff + name >= f.size()) continue;
      const char* p = reinterpret_cast<const char*>(f.data() + stroff + name);
      out[std::string(p, strnlen(p, f.size() - stroff - name))] = le32(f, off + s + 4);
    }
  }
  return out;
}

}  // namespace

GdbTestGuest::GdbTestGuest() {
  auto m = Machine::create(MachineConfig{16 << 20}, clock, *this);
  EXPECT_TRUE(m.ok());
  machine = std::move(*m);
  auto loaded = loadGuest(GuestSpec{kGuestPath, "", ""}, machine->memory());
  EXPECT_TRUE(loaded.ok()) << (loaded ? "" : loaded.error().message);
  if (loaded) machine->cpu().loadState(loaded->entry.cpuState());
  symbols = readSymbols(kGuestPath);
}

uint32_t GdbTestGuest::symbol(const std::string& name) const {
  auto it = symbols.find(name);
  EXPECT_NE(it, symbols.end()) << "no symbol " << name << " in " << kGuestPath;
  return it == symbols.end() ? 0 : it->second;
}

std::string RecordingIo::consoleText() const {
  std::string text;
  for (const std::string& p : sent) {
    if (p.empty() || p[0] != 'O') continue;
    auto bytes = fromHex(std::string_view(p).substr(1));
    if (bytes) text.append(bytes->begin(), bytes->end());
  }
  return text;
}

std::string hex32(uint32_t v) {
  uint8_t b[4];
  std::memcpy(b, &v, 4);
  return toHex(std::span<const uint8_t>(b, 4));
}

}  // namespace tandem::gdb::test
