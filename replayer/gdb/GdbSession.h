// The commands of one gdb session: takes each packet's payload, acts on
// the target and says what to reply. It knows nothing of sockets or
// framing (GdbConnection does that), so it can be driven directly.
//
// What it answers, briefly: '?', g/G, p/P, m/M/X, c/s/C/S, vCont and
// vCont?, bc/bs, Z0-Z4/z0-z4, D, k/vKill, H, T, qSupported,
// qXfer:features:read, QStartNoAckMode, qAttached, qC, qfThreadInfo/
// qsThreadInfo, qRcmd, qSymbol, and an empty reply (meaning "not
// supported") to everything else. Malformed arguments get "E01"; memory
// that cannot be read, "E14"; a target's refusal, "E." and its reason.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "replayer/gdb/GdbMonitor.h"
#include "replayer/gdb/GdbTarget.h"

namespace tandem::gdb {

// What a session needs from its connection while it handles a packet.
class SessionIo : public InterruptPoll {
 public:
  // Sends a packet ahead of the reply ('O' console output).
  virtual void sendPacket(std::string_view payload) = 0;
};

struct SessionReply {
  enum class Then : uint8_t {
    kContinue,    // keep serving this client
    kDetach,      // the client detached: end this connection
    kKill,        // the client killed the target: end serving altogether
  };
  std::optional<std::string> payload;  // nullopt: send nothing
  Then then = Then::kContinue;
  bool start_no_ack = false;  // stop acknowledging after this reply
};

class GdbSession {
 public:
  // `packet_size`: the largest packet payload the client may send and the
  // reply size limit (advertised as PacketSize).
  GdbSession(GdbTarget& target, size_t packet_size);

  SessionReply handle(std::string_view payload, SessionIo& io);

  // The reply for a packet that was too long to keep.
  static std::string tooLongReply() { return "E01"; }

  // Which stop reasons the client said it understands (qSupported).
  struct StopFeatures {
    bool swbreak = false;
    bool hwbreak = false;
  };
  // A stop reply: "W" and the exit code, or "T", the signal, the thread,
  // the reason (swbreak, hwbreak, watch/rwatch/awatch and the address,
  // replaylog:begin/end) and ESP, EBP and EIP from `regs`.
  static std::string formatStopReply(const StopEvent& e, const I386Registers& regs,
                                     StopFeatures features);

  static constexpr std::string_view kErrSyntax = "E01";
  static constexpr std::string_view kErrMemory = "E14";
  static constexpr std::string_view kErrNoThread = "E02";

 private:
  GdbTarget& target_;
  GdbMonitor monitor_;
  size_t packet_size_;
  std::string target_xml_;  // written when first asked for
  StopEvent last_stop_;
  bool client_swbreak_ = false;
  bool client_hwbreak_ = false;
  bool exited_ = false;

  std::string stopReply(const StopEvent& e);
  std::string resume(ResumeAction action, SessionIo& io);
  std::string error(const Error& e);

  std::string readRegister(std::string_view args);
  std::string writeRegister(std::string_view args);
  std::string writeAllRegisters(std::string_view args);
  std::string readMemory(std::string_view args);
  std::string writeMemory(std::string_view args, bool binary);
  std::string resumeAt(std::string_view args, ResumeAction action, bool has_signal, SessionIo& io);
  std::string vCont(std::string_view args, SessionIo& io);
  std::string breakOrWatch(std::string_view args, bool insert);
  std::string query(std::string_view payload, SessionIo& io);
  std::string supported(std::string_view features);
  std::string readFeatures(std::string_view args);
  std::string monitor(std::string_view hex, SessionIo& io);
  void sendConsole(std::string_view text, SessionIo& io);
};

}  // namespace tandem::gdb
