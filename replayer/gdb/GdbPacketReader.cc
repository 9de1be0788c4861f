#include "replayer/gdb/GdbPacketReader.h"

#include "replayer/gdb/GdbPacket.h"

namespace tandem::gdb {

void GdbPacketReader::startPacket() {
  state_ = State::kData;
  payload_.clear();
  overflow_ = false;
  sum_ = 0;
}

std::optional<PacketEvent> GdbPacketReader::feed(uint8_t byte) {
  using Kind = PacketEvent::Kind;
  switch (state_) {
    case State::kIdle:
      switch (byte) {
        case kPacketStart: startPacket(); return std::nullopt;
        case '+': return PacketEvent{Kind::kAck, {}};
        case '-': return PacketEvent{Kind::kNack, {}};
        case kInterruptByte: return PacketEvent{Kind::kInterrupt, {}};
        default: ++junk_; return std::nullopt;
      }
    case State::kData:
      if (byte == kPacketStart) {
        ++abandoned_;
        startPacket();
        return std::nullopt;
      }
      if (byte == kChecksumStart) {
        state_ = State::kChecksumHigh;
        return std::nullopt;
      }
      sum_ = static_cast<uint8_t>(sum_ + byte);
      if (payload_.size() < max_payload_) payload_ += static_cast<char>(byte);
      else overflow_ = true;
      return std::nullopt;
    case State::kChecksumHigh:
      if (byte == kPacketStart) {
        ++abandoned_;
        startPacket();
        return std::nullopt;
      }
      checksum_high_ = hexDigitValue(static_cast<char>(byte));
      state_ = State::kChecksumLow;
      return std::nullopt;
    case State::kChecksumLow: {
      if (byte == kPacketStart) {
        ++abandoned_;
        startPacket();
        return std::nullopt;
      }
      state_ = State::kIdle;
      int low = hexDigitValue(static_cast<char>(byte));
      bool good = checksum_high_ >= 0 && low >= 0 && ((checksum_high_ << 4) | low) == sum_;
      std::string payload = std::move(payload_);
      payload_.clear();
      if (!good) return PacketEvent{Kind::kBadChecksum, {}};
      if (overflow_) return PacketEvent{Kind::kTooLong, {}};
      return PacketEvent{Kind::kPacket, std::move(payload)};
    }
  }
  return std::nullopt;
}

}  // namespace tandem::gdb
