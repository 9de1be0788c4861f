// The GDB remote serial protocol's encodings: packet framing
// ("$payload#cs", the checksum being the sum of the payload bytes modulo
// 256 as two lowercase hex digits), the escaping of binary data ('}'
// followed by the byte XOR 0x20, for '#', '$', '}' and '*'), and the hex
// numbers and byte strings that most packets carry.
//
// Replies are never run-length encoded: a '*' in a reply is always
// escaped, so a client reads it back as itself.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::gdb {

// The framing characters.
constexpr char kPacketStart = '$';
constexpr char kChecksumStart = '#';
constexpr char kEscape = '}';
constexpr char kRunLength = '*';
constexpr uint8_t kInterruptByte = 0x03;
constexpr uint8_t kEscapeXor = 0x20;

uint8_t packetChecksum(std::string_view payload);

// "$" + payload + "#" + checksum. `payload` must already be escaped where
// it holds binary data (see escapeBinary).
std::string framePacket(std::string_view payload);

// Escapes the bytes a packet cannot carry as themselves.
void appendEscaped(std::string& out, std::span<const uint8_t> bytes);
// Undoes appendEscaped; nullopt when the data ends in a lone escape.
std::optional<std::vector<uint8_t>> unescapeBinary(std::string_view data);

int hexDigitValue(char c);  // -1 for a non-hex character
void appendHex(std::string& out, std::span<const uint8_t> bytes);
std::string toHex(std::span<const uint8_t> bytes);
std::string toHex(std::string_view text);
// Decodes an even number of hex digits; nullopt on anything else.
std::optional<std::vector<uint8_t>> fromHex(std::string_view hex);

// A big-endian hex number as packets write addresses and lengths: at least
// one digit, no sign, no prefix, and nothing that overflows 64 bits.
std::optional<uint64_t> parseHexNumber(std::string_view text);

// Splits "a,b" style argument lists: the text before the first `sep` and
// the rest (nullopt when `sep` is absent).
std::optional<std::pair<std::string_view, std::string_view>> splitOnce(std::string_view text,
                                                                      char sep);

// `text` with the characters a plain (unescaped) reply cannot carry, and
// control characters, replaced by '?'.
std::string packetSafeText(std::string_view text);

}  // namespace tandem::gdb
