// Splits the byte stream from a gdb client into what it means: packets
// (checksum verified), acknowledgements, and the interrupt byte. Bytes
// outside a packet that mean nothing are skipped and counted; a '$' inside
// a packet starts a new one (the client has given up on the old one).
// Memory is bounded: a packet longer than the limit is consumed to its end
// (its checksum still verified) and reported as too long, without keeping
// its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tandem::gdb {

struct PacketEvent {
  enum class Kind {
    kPacket,       // `payload` holds the packet's data, still escaped
    kAck,          // '+'
    kNack,         // '-': resend the last packet
    kInterrupt,    // 0x03: stop the running target
    kBadChecksum,  // a framed packet whose checksum did not match
    kTooLong,      // a well-formed packet longer than the limit
  };
  Kind kind;
  std::string payload;
};

class GdbPacketReader {
 public:
  explicit GdbPacketReader(size_t max_payload) : max_payload_(max_payload) {}

  // Takes one byte; returns the event it completes, if any.
  std::optional<PacketEvent> feed(uint8_t byte);

  // Bytes that were neither packets nor protocol characters.
  uint64_t junkBytes() const { return junk_; }
  // Packets abandoned by a '$' before their '#'.
  uint64_t abandonedPackets() const { return abandoned_; }
  bool insidePacket() const { return state_ != State::kIdle; }

 private:
  enum class State { kIdle, kData, kChecksumHigh, kChecksumLow };

  size_t max_payload_;
  State state_ = State::kIdle;
  std::string payload_;
  bool overflow_ = false;
  uint8_t sum_ = 0;
  int checksum_high_ = 0;  // -1 when the first checksum character was not hex
  uint64_t junk_ = 0;
  uint64_t abandoned_ = 0;

  void startPacket();
};

}  // namespace tandem::gdb
