#include "replayer/gdb/GdbPacket.h"

namespace tandem::gdb {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool needsEscape(uint8_t b) {
  return b == kPacketStart || b == kChecksumStart || b == kEscape || b == kRunLength;
}

}  // namespace

uint8_t packetChecksum(std::string_view payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

std::string framePacket(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 4);
  out += kPacketStart;
  out += payload;
  out += kChecksumStart;
  uint8_t sum = packetChecksum(payload);
  out += kHexDigits[sum >> 4];
  out += kHexDigits[sum & 0xF];
  return out;
}

void appendEscaped(std::string& out, std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    if (needsEscape(b)) {
      out += kEscape;
      out += static_cast<char>(b ^ kEscapeXor);
    } else {
      out += static_cast<char>(b);
    }
  }
}

std::optional<std::vector<uint8_t>> unescapeBinary(std::string_view data) {
  std::vector<uint8_t> out;
  out.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    uint8_t b = static_cast<uint8_t>(data[i]);
    if (b == static_cast<uint8_t>(kEscape)) {
      if (++i == data.size()) return std::nullopt;
      b = static_cast<uint8_t>(data[i]) ^ kEscapeXor;
    }
    out.push_back(b);
  }
  return out;
}

int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendHex(std::string& out, std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 0xF];
  }
}

std::string toHex(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  appendHex(out, bytes);
  return out;
}

std::string toHex(std::string_view text) {
  return toHex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::optional<std::vector<uint8_t>> fromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hexDigitValue(hex[2 * i]), lo = hexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::optional<uint64_t> parseHexNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d = hexDigitValue(c);
    if (d < 0 || (v >> 60) != 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

std::optional<std::pair<std::string_view, std::string_view>> splitOnce(std::string_view text,
                                                                      char sep) {
  size_t at = text.find(sep);
  if (at == std::string_view::npos) return std::nullopt;
  return std::pair(text.substr(0, at), text.substr(at + 1));
}

std::string packetSafeText(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    uint8_t b = static_cast<uint8_t>(c);
    if (needsEscape(b) || b < 0x20 || b >= 0x7F) c = '?';
  }
  return out;
}

}  // namespace tandem::gdb
