#include "replayer/gdb/GdbMonitor.h"

#include <cinttypes>
#include <cstdio>
#include <vector>

namespace tandem::gdb {
namespace {

constexpr const char* kHelp =
    "tandem monitor commands:\n"
    "  help              this list\n"
    "  icount            the current instruction count\n"
    "  seek ICOUNT       go to an instruction count (time travel)\n"
    "  events [N]        the next N recorded events (replay; default 10, at most 1000)\n"
    "  digest            digest of registers, devices and memory\n"
    "  diverge           stop replaying; the guest runs live from here (replay)\n"
    "  phys ADDR [LEN]   physical memory as hex (LEN default 16, at most 4096)\n";

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Decimal, or hex with 0x.
std::optional<uint64_t> parseNumber(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d = (c >= '0' && c <= '9') ? c - '0'
            : (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (base == 16 && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                   : -1;
    if (d < 0) return std::nullopt;
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      return std::nullopt;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

GdbMonitor::Output fromResult(const Result<std::string>& r) {
  if (!r) return {r.error().message + "\n", false};
  return {*r, true};
}

GdbMonitor::Output usage(const std::string& text) { return {"usage: " + text + "\n", false}; }

std::string hexDump(uint64_t address, std::span<const uint8_t> bytes) {
  std::string out;
  char line[32];
  for (size_t i = 0; i < bytes.size(); i += 16) {
    std::snprintf(line, sizeof line, "%08" PRIx64 ":", address + i);
    out += line;
    for (size_t k = i; k < bytes.size() && k < i + 16; ++k) {
      std::snprintf(line, sizeof line, " %02x", bytes[k]);
      out += line;
    }
    out += '\n';
  }
  return out;
}

}  // namespace

GdbMonitor::Output GdbMonitor::run(std::string_view command_line, InterruptPoll& poll) {
  std::vector<std::string_view> w = words(command_line);
  if (w.empty() || w[0] == "help") return {kHelp + target_.describe() + "\n", true};
  std::string_view cmd = w[0];
  size_t args = w.size() - 1;
  if (cmd == "icount") {
    if (args != 0) return usage("icount");
    return fromResult(target_.monitorIcount());
  }
  if (cmd == "seek") {
    std::optional<uint64_t> at = args == 1 ? parseNumber(w[1]) : std::nullopt;
    if (!at) return usage("seek ICOUNT");
    return fromResult(target_.monitorSeek(*at, poll));
  }
  if (cmd == "events") {
    std::optional<uint64_t> n = args == 0 ? kDefaultEvents : args == 1 ? parseNumber(w[1]) : std::nullopt;
    if (!n || *n > kMaxEvents) return usage("events [N], N at most 1000");
    return fromResult(target_.monitorEvents(*n));
  }
  if (cmd == "digest") {
    if (args != 0) return usage("digest");
    return fromResult(target_.monitorDigest());
  }
  if (cmd == "diverge") {
    if (args != 0) return usage("diverge");
    return fromResult(target_.monitorDiverge());
  }
  if (cmd == "phys") {
    std::optional<uint64_t> addr = args >= 1 && args <= 2 ? parseNumber(w[1]) : std::nullopt;
    std::optional<uint64_t> len = args == 2 ? parseNumber(w[2]) : std::optional<uint64_t>(16);
    if (!addr || !len || *len == 0 || *len > kMaxPhysBytes) return usage("phys ADDR [LEN], LEN 1..4096");
    std::vector<uint8_t> bytes(*len);
    if (Status s = target_.readPhysical(*addr, bytes); !s) return {s.error().message + "\n", false};
    return {hexDump(*addr, bytes), true};
  }
  return {"unknown monitor command '" + std::string(cmd) + "' (monitor help lists them)\n", false};
}

}  // namespace tandem::gdb
