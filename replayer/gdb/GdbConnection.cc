#include "replayer/gdb/GdbConnection.h"

#include "replayer/gdb/GdbPacket.h"
#include "vmm/Log.h"

namespace tandem::gdb {
namespace {

constexpr size_t kReadChunk = 4096;
// Room for the frame around a payload of kPacketSize.
constexpr size_t kFrameSlack = 16;

}  // namespace

GdbConnection::GdbConnection(GdbChannel& channel, GdbTarget& target)
    : channel_(channel),
      session_(target, kPacketSize),
      reader_(kPacketSize + kFrameSlack) {}

bool GdbConnection::writeRaw(std::string_view bytes) {
  if (closed_) return false;
  if (!channel_.write(bytes)) closed_ = true;
  return !closed_;
}

void GdbConnection::sendPacket(std::string_view payload) {
  TANDEM_LOG("gdb", Debug, "<- %.*s", static_cast<int>(std::min<size_t>(payload.size(), 200)),
             payload.data());
  std::string framed = framePacket(payload);
  writeRaw(framed);
  if (!no_ack_) {
    last_sent_ = std::move(framed);
    resends_ = 0;
  }
}

bool GdbConnection::interruptRequested() {
  if (closed_) return true;
  // Frame everything that has arrived; keep all but interrupts for later.
  uint8_t buf[kReadChunk];
  GdbChannel::ReadResult r = channel_.read(buf, 0);
  if (r.closed) closed_ = true;
  inbox_.insert(inbox_.end(), buf, buf + r.bytes);
  bool interrupt = closed_;
  for (; inbox_pos_ < inbox_.size(); ++inbox_pos_) {
    auto e = reader_.feed(inbox_[inbox_pos_]);
    if (!e) continue;
    if (e->kind == PacketEvent::Kind::kInterrupt) interrupt = true;
    else if (pending_.size() < kMaxPending) pending_.push_back(std::move(*e));
    else ++stats_.dropped_while_running;
  }
  inbox_.clear();
  inbox_pos_ = 0;
  return interrupt;
}

std::optional<GdbConnection::End> GdbConnection::dispatch(PacketEvent& e) {
  using Kind = PacketEvent::Kind;
  switch (e.kind) {
    case Kind::kPacket: {
      ++stats_.packets;
      TANDEM_LOG("gdb", Debug, "-> %.*s", static_cast<int>(std::min<size_t>(e.payload.size(), 200)),
                 e.payload.data());
      if (!no_ack_) writeRaw("+");
      SessionReply reply = session_.handle(e.payload, *this);
      if (reply.payload) sendPacket(*reply.payload);
      if (reply.start_no_ack) {
        no_ack_ = true;
        last_sent_.clear();
      }
      if (reply.then == SessionReply::Then::kDetach) return End::kDetached;
      if (reply.then == SessionReply::Then::kKill) return End::kKilled;
      return std::nullopt;
    }
    case Kind::kBadChecksum:
      ++stats_.bad_checksums;
      TANDEM_LOG("gdb", Warn, "packet with a bad checksum%s", no_ack_ ? " dropped" : "");
      if (!no_ack_) writeRaw("-");
      return std::nullopt;
    case Kind::kTooLong:
      ++stats_.too_long;
      TANDEM_LOG("gdb", Warn, "packet longer than %zu bytes refused", kPacketSize);
      if (!no_ack_) writeRaw("+");
      sendPacket(GdbSession::tooLongReply());
      return std::nullopt;
    case Kind::kAck:
      last_sent_.clear();
      return std::nullopt;
    case Kind::kNack:
      if (!no_ack_ && !last_sent_.empty() && resends_ < kMaxResends) {
        ++resends_;
        ++stats_.resends;
        writeRaw(last_sent_);
      }
      return std::nullopt;
    case Kind::kInterrupt:
      return std::nullopt;  // nothing is running
  }
  return std::nullopt;
}

GdbConnection::End GdbConnection::serve() {
  uint8_t buf[kReadChunk];
  for (;;) {
    while (!pending_.empty()) {
      PacketEvent e = std::move(pending_.front());
      pending_.pop_front();
      if (auto end = dispatch(e)) return *end;
    }
    if (inbox_pos_ < inbox_.size()) {
      // One byte at a time: a packet may start a run that frames the rest.
      auto e = reader_.feed(inbox_[inbox_pos_++]);
      if (e)
        if (auto end = dispatch(*e)) return *end;
      continue;
    }
    inbox_.clear();
    inbox_pos_ = 0;
    if (closed_) return End::kClosed;
    GdbChannel::ReadResult r = channel_.read(buf, -1);
    if (r.closed) return End::kClosed;
    inbox_.assign(buf, buf + r.bytes);
  }
}

}  // namespace tandem::gdb
