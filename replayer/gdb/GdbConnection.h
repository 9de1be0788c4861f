// One gdb client: reads its bytes, frames them into packets, acknowledges
// them (until the client asks for no-ack mode), resends a reply the client
// rejected, hands each packet to a GdbSession and sends the reply. While
// the target runs, it watches the channel for the interrupt byte.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "replayer/gdb/GdbChannel.h"
#include "replayer/gdb/GdbPacketReader.h"
#include "replayer/gdb/GdbSession.h"

namespace tandem::gdb {

class GdbConnection final : private SessionIo {
 public:
  // The packet size the stub advertises: gdb sends nothing longer.
  static constexpr size_t kPacketSize = 0x4000;
  // A rejected packet is resent at most this many times in a row.
  static constexpr unsigned kMaxResends = 8;
  // Packets kept while the target runs (gdb sends none then); more are
  // dropped.
  static constexpr size_t kMaxPending = 64;

  GdbConnection(GdbChannel& channel, GdbTarget& target);

  enum class End : uint8_t {
    kDetached,  // the client detached ('D')
    kKilled,    // the client killed the target ('k', vKill)
    kClosed,    // the client went away
  };
  End serve();

  struct Stats {
    uint64_t packets = 0;
    uint64_t bad_checksums = 0;
    uint64_t too_long = 0;
    uint64_t resends = 0;
    uint64_t dropped_while_running = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  GdbChannel& channel_;
  GdbSession session_;
  GdbPacketReader reader_;
  bool no_ack_ = false;
  bool closed_ = false;
  std::string last_sent_;  // the last packet, for a resend after '-'
  unsigned resends_ = 0;
  Stats stats_;
  // Bytes read but not yet framed, and events framed while the target ran.
  std::vector<uint8_t> inbox_;
  size_t inbox_pos_ = 0;
  std::deque<PacketEvent> pending_;

  // SessionIo.
  void sendPacket(std::string_view payload) override;
  bool interruptRequested() override;

  bool writeRaw(std::string_view bytes);
  // Handles one event; returns how the connection ends, if it does.
  std::optional<End> dispatch(PacketEvent& e);
};

}  // namespace tandem::gdb
