#include "tools/SnapshotFile.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

namespace tandem::cli {
namespace {

constexpr uint32_t tag(const char (&t)[5]) {
  return uint32_t(uint8_t(t[0])) | uint32_t(uint8_t(t[1])) << 8 | uint32_t(uint8_t(t[2])) << 16 |
         uint32_t(uint8_t(t[3])) << 24;
}
constexpr uint32_t kMeta = tag("META"), kCpu = tag("CPU "), kDevices = tag("DEVS"),
                   kClock = tag("CLCK"), kSession = tag("SESS"), kRam = tag("RAM ");
constexpr uint32_t kSections[] = {kMeta, kCpu, kDevices, kClock, kSession, kRam};

std::string tagName(uint32_t t) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    char c = char(t >> (8 * i));
    s += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return s.substr(0, s.find_last_not_of(' ') + 1);
}

uint32_t checksum(const std::vector<uint8_t>& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t off = 0;
  while (off < bytes.size()) {
    uInt n = static_cast<uInt>(std::min<size_t>(bytes.size() - off, 1u << 30));
    crc = crc32(crc, bytes.data() + off, n);
    off += n;
  }
  return static_cast<uint32_t>(crc);
}

class Writer {
 public:
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void raw(const void* p, size_t n) {
    auto b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  template <typename T>
  void plain(const T& v) {
    static_assert(std::has_unique_object_representations_v<T>);
    raw(&v, sizeof v);
  }
  void text(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  std::vector<uint8_t> out;
};

// Reads one section's payload; every read checks the bounds, and a short
// payload becomes an error naming the section.
class Reader {
 public:
  Reader(const std::vector<uint8_t>& b, std::string where) : b_(b), where_(std::move(where)) {}

  bool raw(void* p, size_t n) {
    if (n > b_.size() - pos_) {
      short_ = true;
      return false;
    }
    std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, 8);
    return v;
  }
  std::string text() {
    uint32_t n = u32();
    if (n > b_.size() - pos_) {
      short_ = true;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  template <typename T>
  Status plain(T* out) {
    if (b_.size() != sizeof(T))
      return makeError(where_ + ": " + std::to_string(b_.size()) + " bytes, expected " +
                       std::to_string(sizeof(T)) + " (saved by another version of tandem?)");
    raw(out, sizeof(T));
    return {};
  }
  size_t left() const { return b_.size() - pos_; }
  size_t pos() const { return pos_; }
  // An error if the payload ran short or has bytes left over.
  Status finish() const {
    if (short_) return makeError(where_ + ": shorter than its contents");
    if (pos_ != b_.size())
      return makeError(where_ + ": " + std::to_string(left()) + " stray bytes");
    return {};
  }

 private:
  const std::vector<uint8_t>& b_;
  std::string where_;
  size_t pos_ = 0;
  bool short_ = false;
};

std::map<uint32_t, std::vector<uint8_t>> encode(const MachineSnapshot& s) {
  std::map<uint32_t, std::vector<uint8_t>> sec;
  Writer meta;
  meta.u64(s.ram_bytes);
  meta.u32(kPageSize);
  meta.text(s.cmdline);
  sec[kMeta] = std::move(meta.out);
  Writer cpu, devices, clock, session, ram;
  cpu.plain(s.machine.cpu);
  sec[kCpu] = std::move(cpu.out);
  devices.u32(static_cast<uint32_t>(s.machine.devices.size()));
  for (const DeviceBlob& d : s.machine.devices) {
    devices.text(d.name);
    devices.u32(static_cast<uint32_t>(d.state.size()));
    devices.raw(d.state.data(), d.state.size());
  }
  sec[kDevices] = std::move(devices.out);
  clock.plain(s.clock);
  sec[kClock] = std::move(clock.out);
  session.plain(s.session);
  sec[kSession] = std::move(session.out);
  ram.u32(static_cast<uint32_t>(s.page_numbers.size()));
  ram.raw(s.page_numbers.data(), s.page_numbers.size() * 4);
  ram.raw(s.page_data.data(), s.page_data.size());
  sec[kRam] = std::move(ram.out);
  return sec;
}

Status decodeDevices(Reader& r, std::vector<DeviceBlob>* out) {
  uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && r.left() > 0; ++i) {
    DeviceBlob d;
    d.name = r.text();
    uint32_t len = r.u32();
    if (len > r.left()) break;
    d.state.resize(len);
    r.raw(d.state.data(), len);
    out->push_back(std::move(d));
  }
  if (out->size() != n)
    return makeError("section DEVS: shorter than its " + std::to_string(n) + " devices");
  return r.finish();
}

Status decodeRam(Reader& r, MachineSnapshot* s) {
  uint32_t n = r.u32();
  if (uint64_t{n} * (4 + kPageSize) != r.left())
    return makeError("section RAM: " + std::to_string(r.left()) + " bytes do not hold " +
                     std::to_string(n) + " pages");
  s->page_numbers.resize(n);
  r.raw(s->page_numbers.data(), uint64_t{n} * 4);
  s->page_data.resize(uint64_t{n} * kPageSize);
  r.raw(s->page_data.data(), s->page_data.size());
  return r.finish();
}

Status decode(const std::map<uint32_t, std::vector<uint8_t>>& sec, MachineSnapshot* s) {
  Reader meta(sec.at(kMeta), "section META");
  s->ram_bytes = meta.u64();
  uint32_t page = meta.u32();
  s->cmdline = meta.text();
  if (Status st = meta.finish(); !st) return st;
  if (page != kPageSize) return makeError("section META: page size " + std::to_string(page));
  if (Status st = Reader(sec.at(kCpu), "section CPU").plain(&s->machine.cpu); !st) return st;
  Reader devices(sec.at(kDevices), "section DEVS");
  if (Status st = decodeDevices(devices, &s->machine.devices); !st) return st;
  if (Status st = Reader(sec.at(kClock), "section CLCK").plain(&s->clock); !st) return st;
  if (s->clock.mode != ClockMode::kVirtual && s->clock.mode != ClockMode::kHost)
    return makeError("section CLCK: unknown clock mode " + std::to_string(uint32_t(s->clock.mode)));
  if (Status st = Reader(sec.at(kSession), "section SESS").plain(&s->session); !st) return st;
  Reader ram(sec.at(kRam), "section RAM");
  return decodeRam(ram, s);
}

}  // namespace

Status SnapshotFile::write(const std::string& path, const MachineSnapshot& s) {
  std::string tmp = path + ".tmp";
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  if (!f) return makeError(tmp + ": cannot create: " + std::strerror(errno));
  Writer head;
  head.raw(kMagic, sizeof kMagic);
  head.u32(kVersion);
  head.u32(std::size(kSections));
  f.write(reinterpret_cast<const char*>(head.out.data()), std::streamsize(head.out.size()));
  for (const auto& [t, payload] : encode(s)) {
    Writer h;
    h.u32(t);
    h.u32(checksum(payload));
    h.u64(payload.size());
    f.write(reinterpret_cast<const char*>(h.out.data()), std::streamsize(h.out.size()));
    f.write(reinterpret_cast<const char*>(payload.data()), std::streamsize(payload.size()));
  }
  f.close();
  if (!f) {
    std::remove(tmp.c_str());
    return makeError(path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return makeError(path + ": cannot write: " + why);
  }
  return {};
}

Result<MachineSnapshot> SnapshotFile::read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return makeError(path + ": " + std::strerror(errno));
  auto fail = [&path](const std::string& what) { return makeError(path + ": " + what); };
  char magic[8];
  uint32_t version = 0, count = 0;
  f.read(magic, 8);
  if (!f || std::memcmp(magic, kMagic, 8) != 0) return fail("not a saved tandem machine");
  f.read(reinterpret_cast<char*>(&version), 4);
  f.read(reinterpret_cast<char*>(&count), 4);
  if (!f) return fail("truncated header");
  if (version != kVersion)
    return fail("format version " + std::to_string(version) + ", this tandem reads version " +
                std::to_string(kVersion));
  std::map<uint32_t, std::vector<uint8_t>> sec;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t t = 0, crc = 0;
    uint64_t len = 0;
    f.read(reinterpret_cast<char*>(&t), 4);
    f.read(reinterpret_cast<char*>(&crc), 4);
    f.read(reinterpret_cast<char*>(&len), 8);
    if (!f)
      return fail("truncated: section " + std::to_string(i + 1) + " of " + std::to_string(count) +
                  " missing");
    std::string name = "section " + tagName(t);
    if (std::find(std::begin(kSections), std::end(kSections), t) == std::end(kSections))
      return fail("unknown " + name);
    if (sec.count(t)) return fail(name + " appears twice");
    std::streampos here = f.tellg();
    f.seekg(0, std::ios::end);
    std::streamoff rest = f.tellg() - here;
    f.seekg(here);
    if (len > static_cast<uint64_t>(rest))
      return fail("truncated: " + name + " needs " + std::to_string(len) + " bytes, only " +
                  std::to_string(rest) + " remain");
    std::vector<uint8_t> payload(len);
    f.read(reinterpret_cast<char*>(payload.data()), std::streamsize(len));
    if (!f) return fail("read error in " + name);
    if (checksum(payload) != crc) return fail(name + ": checksum mismatch (the file is damaged)");
    sec.emplace(t, std::move(payload));
  }
  for (uint32_t t : kSections)
    if (!sec.count(t)) return fail("section " + tagName(t) + " is missing");
  if (f.peek() != std::char_traits<char>::eof()) return fail("stray bytes after the last section");
  MachineSnapshot s;
  if (Status st = decode(sec, &s); !st) return fail(st.error().message);
  return s;
}

}  // namespace tandem::cli
