#include "replayer/gdb/GdbSession.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "replayer/gdb/GdbPacket.h"
#include "replayer/gdb/GdbTargetXml.h"

namespace tandem::gdb {
namespace {

constexpr std::string_view kOk = "OK";
// Watched ranges longer than this are refused (gdb splits large ones).
constexpr uint64_t kMaxWatchLength = 64 * 1024;
constexpr uint64_t kAddressSpace = uint64_t{1} << 32;

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Thread ids as gdb writes them: "1", "-1" (all), "0" (any), optionally
// with a process part "pPID.TID". There is one thread, number 1.
bool threadIsOurs(std::string_view id) {
  if (startsWith(id, "p")) {
    auto parts = splitOnce(id.substr(1), '.');
    if (!parts) return id == "p1" || id == "p-1";
    if (parts->first != "1" && parts->first != "-1") return false;
    id = parts->second;
  }
  return id == "1" || id == "-1" || id == "0";
}

// "ADDR,LEN" with both in hex.
std::optional<std::pair<uint64_t, uint64_t>> parseAddressLength(std::string_view args) {
  auto parts = splitOnce(args, ',');
  if (!parts) return std::nullopt;
  auto addr = parseHexNumber(parts->first);
  auto len = parseHexNumber(parts->second);
  if (!addr || !len) return std::nullopt;
  return std::pair(*addr, *len);
}

const char* watchKeyword(WatchKind k) {
  switch (k) {
    case WatchKind::kWrite: return "watch";
    case WatchKind::kRead: return "rwatch";
    case WatchKind::kAccess: return "awatch";
  }
  return "watch";
}

}  // namespace

GdbSession::GdbSession(GdbTarget& target, size_t packet_size)
    : target_(target), monitor_(target), packet_size_(packet_size) {}

std::string GdbSession::error(const Error& e) { return "E." + packetSafeText(e.message); }

SessionReply GdbSession::handle(std::string_view payload, SessionIo& io) {
  SessionReply r;
  if (payload.empty()) {
    r.payload = "";
    return r;
  }
  std::string_view args = payload.substr(1);
  switch (payload[0]) {
    case '?': r.payload = stopReply(last_stop_); break;
    case 'g': r.payload = args.empty() ? encodeRegisters(target_.registers()) : ""; break;
    case 'G': r.payload = writeAllRegisters(args); break;
    case 'p': r.payload = readRegister(args); break;
    case 'P': r.payload = writeRegister(args); break;
    case 'm': r.payload = readMemory(args); break;
    case 'M': r.payload = writeMemory(args, false); break;
    case 'X': r.payload = writeMemory(args, true); break;
    case 'c': r.payload = resumeAt(args, ResumeAction::kContinue, false, io); break;
    case 's': r.payload = resumeAt(args, ResumeAction::kStep, false, io); break;
    case 'C': r.payload = resumeAt(args, ResumeAction::kContinue, true, io); break;
    case 'S': r.payload = resumeAt(args, ResumeAction::kStep, true, io); break;
    case 'b':
      if (args == "c") r.payload = resume(ResumeAction::kReverseContinue, io);
      else if (args == "s") r.payload = resume(ResumeAction::kReverseStep, io);
      else r.payload = "";
      break;
    case 'Z': r.payload = breakOrWatch(args, true); break;
    case 'z': r.payload = breakOrWatch(args, false); break;
    case 'D':
      r.payload = std::string(kOk);
      r.then = SessionReply::Then::kDetach;
      break;
    case 'k':
      r.payload = std::nullopt;  // gdb does not wait for a reply to 'k'
      r.then = SessionReply::Then::kKill;
      break;
    case 'H':
      if (args.size() >= 2 && (args[0] == 'g' || args[0] == 'c' || args[0] == 'm'))
        r.payload = threadIsOurs(args.substr(1)) ? std::string(kOk) : std::string(kErrNoThread);
      else r.payload = std::string(kErrSyntax);
      break;
    case 'T': r.payload = threadIsOurs(args) ? std::string(kOk) : std::string(kErrNoThread); break;
    case 'v':
      if (payload == "vCont?") {
        r.payload = "vCont;c;C;s;S";
      } else if (startsWith(payload, "vCont;")) {
        r.payload = vCont(payload.substr(6), io);
      } else if (payload == "vKill" || startsWith(payload, "vKill;")) {
        r.payload = std::string(kOk);
        r.then = SessionReply::Then::kKill;
      } else {
        r.payload = "";
      }
      break;
    case 'Q':
      if (payload == "QStartNoAckMode") {
        r.payload = std::string(kOk);
        r.start_no_ack = true;
      } else {
        r.payload = "";
      }
      break;
    case 'q': r.payload = query(payload, io); break;
    default: r.payload = ""; break;
  }
  return r;
}

std::string GdbSession::stopReply(const StopEvent& e) {
  if (e.kind == StopEvent::Kind::kExited) return formatStopReply(e, I386Registers{}, {});
  return formatStopReply(e, target_.registers(), {client_swbreak_, client_hwbreak_});
}

std::string GdbSession::formatStopReply(const StopEvent& e, const I386Registers& regs,
                                        StopFeatures features) {
  char buf[64];
  if (e.kind == StopEvent::Kind::kExited) {
    std::snprintf(buf, sizeof buf, "W%02x", e.exit_code & 0xFF);
    return buf;
  }
  int signal = e.kind == StopEvent::Kind::kSignal ? e.signal : gdb_signal::kTrap;
  std::snprintf(buf, sizeof buf, "T%02xthread:1;", signal & 0xFF);
  std::string out = buf;
  switch (e.kind) {
    case StopEvent::Kind::kBreakpoint:
      if (e.breakpoint == BreakKind::kSoftware && features.swbreak) out += "swbreak:;";
      if (e.breakpoint == BreakKind::kHardware && features.hwbreak) out += "hwbreak:;";
      break;
    case StopEvent::Kind::kWatchpoint:
      std::snprintf(buf, sizeof buf, "%s:%x;", watchKeyword(e.watch), e.watch_address);
      out += buf;
      break;
    case StopEvent::Kind::kHistoryBegin: out += "replaylog:begin;"; break;
    case StopEvent::Kind::kHistoryEnd: out += "replaylog:end;"; break;
    default: break;
  }
  // The registers gdb needs first, so it need not ask for them.
  std::array<uint8_t, 10> scratch;
  for (unsigned n : {kEspRegnum, kEbpRegnum, kEipRegnum}) {
    std::snprintf(buf, sizeof buf, "%02x:", n);
    out += buf;
    appendHex(out, registerBytes(regs, n, scratch));
    out += ';';
  }
  return out;
}

std::string GdbSession::resume(ResumeAction action, SessionIo& io) {
  // Nothing runs after the machine is gone; gdb is told so again.
  if (exited_) return stopReply(last_stop_);
  Result<StopEvent> r = target_.resume(action, io);
  if (!r) return error(r.error());
  if (!r->note.empty()) sendConsole(r->note.back() == '\n' ? r->note : r->note + "\n", io);
  last_stop_ = std::move(*r);
  if (last_stop_.kind == StopEvent::Kind::kExited) exited_ = true;
  return stopReply(last_stop_);
}

std::string GdbSession::readRegister(std::string_view args) {
  auto n = parseHexNumber(args);
  if (!n || *n >= kRegisterCount) return std::string(kErrSyntax);
  std::array<uint8_t, 10> scratch;
  return toHex(registerBytes(target_.registers(), static_cast<unsigned>(*n), scratch));
}

std::string GdbSession::writeRegister(std::string_view args) {
  auto parts = splitOnce(args, '=');
  if (!parts) return std::string(kErrSyntax);
  auto n = parseHexNumber(parts->first);
  auto bytes = fromHex(parts->second);
  if (!n || *n >= kRegisterCount || !bytes) return std::string(kErrSyntax);
  I386Registers regs = target_.registers();
  if (!setRegisterBytes(regs, static_cast<unsigned>(*n), *bytes)) return std::string(kErrSyntax);
  Status s = target_.writeRegisters(regs);
  return s ? std::string(kOk) : error(s.error());
}

std::string GdbSession::writeAllRegisters(std::string_view args) {
  auto regs = decodeRegisters(args);
  if (!regs) return std::string(kErrSyntax);
  Status s = target_.writeRegisters(*regs);
  return s ? std::string(kOk) : error(s.error());
}

std::string GdbSession::readMemory(std::string_view args) {
  auto al = parseAddressLength(args);
  if (!al) return std::string(kErrSyntax);
  auto [addr, len] = *al;
  if (addr >= kAddressSpace) return std::string(kErrMemory);
  // The reply carries two hex digits per byte.
  len = std::min({len, static_cast<uint64_t>(packet_size_ / 2), kAddressSpace - addr});
  if (len == 0) return "";
  std::vector<uint8_t> buf(len);
  size_t n = target_.readMemory(static_cast<uint32_t>(addr), buf);
  if (n == 0) return std::string(kErrMemory);
  return toHex(std::span(buf.data(), n));
}

std::string GdbSession::writeMemory(std::string_view args, bool binary) {
  auto parts = splitOnce(args, ':');
  if (!parts) return std::string(kErrSyntax);
  auto al = parseAddressLength(parts->first);
  if (!al) return std::string(kErrSyntax);
  auto data = binary ? unescapeBinary(parts->second) : fromHex(parts->second);
  if (!data || data->size() != al->second) return std::string(kErrSyntax);
  if (data->empty()) return std::string(kOk);  // gdb's probe for 'X'
  if (al->first >= kAddressSpace || al->second > kAddressSpace - al->first)
    return std::string(kErrMemory);
  Status s = target_.writeMemory(static_cast<uint32_t>(al->first), *data);
  return s ? std::string(kOk) : error(s.error());
}

std::string GdbSession::resumeAt(std::string_view args, ResumeAction action, bool has_signal,
                                 SessionIo& io) {
  if (has_signal) {
    // A machine has no signals to deliver: the number is checked and dropped.
    auto parts = splitOnce(args, ';');
    std::string_view sig = parts ? parts->first : args;
    if (!parseHexNumber(sig)) return std::string(kErrSyntax);
    args = parts ? parts->second : std::string_view();
  }
  if (!args.empty()) {
    auto addr = parseHexNumber(args);
    if (!addr || *addr >= kAddressSpace) return std::string(kErrSyntax);
    I386Registers regs = target_.registers();
    regs.eip = static_cast<uint32_t>(*addr);
    if (Status s = target_.writeRegisters(regs); !s) return error(s.error());
  }
  return resume(action, io);
}

std::string GdbSession::vCont(std::string_view args, SessionIo& io) {
  // The first action that applies to our thread decides.
  while (!args.empty()) {
    auto next = splitOnce(args, ';');
    std::string_view action = next ? next->first : args;
    args = next ? next->second : std::string_view();
    std::string_view thread;
    if (auto t = splitOnce(action, ':')) {
      action = t->first;
      thread = t->second;
      if (!threadIsOurs(thread)) continue;
    }
    if (action.empty()) return std::string(kErrSyntax);
    bool has_signal = action[0] == 'C' || action[0] == 'S';
    if (has_signal && !parseHexNumber(action.substr(1))) return std::string(kErrSyntax);
    if (!has_signal && action.size() != 1) return std::string(kErrSyntax);
    switch (action[0]) {
      case 'c':
      case 'C': return resume(ResumeAction::kContinue, io);
      case 's':
      case 'S': return resume(ResumeAction::kStep, io);
      default: return std::string(kErrSyntax);
    }
  }
  return std::string(kErrSyntax);
}

std::string GdbSession::breakOrWatch(std::string_view args, bool insert) {
  // "TYPE,ADDR,KIND" and possibly ";conditions", which are not supported.
  if (auto cond = splitOnce(args, ';')) args = cond->first;
  auto type_rest = splitOnce(args, ',');
  if (!type_rest) return std::string(kErrSyntax);
  auto type = parseHexNumber(type_rest->first);
  auto al = parseAddressLength(type_rest->second);
  if (!type || !al) return std::string(kErrSyntax);
  if (*type > 4) return "";
  auto [addr, kind] = *al;
  if (addr >= kAddressSpace) return std::string(kErrSyntax);
  uint32_t a = static_cast<uint32_t>(addr);
  Status s;
  if (*type <= 1) {
    BreakKind k = *type == 0 ? BreakKind::kSoftware : BreakKind::kHardware;
    s = insert ? target_.insertBreakpoint(k, a) : target_.removeBreakpoint(k, a);
  } else {
    if (kind == 0 || kind > kMaxWatchLength || kind > kAddressSpace - addr)
      return std::string(kErrSyntax);
    WatchKind k = *type == 2 ? WatchKind::kWrite : *type == 3 ? WatchKind::kRead : WatchKind::kAccess;
    uint32_t len = static_cast<uint32_t>(kind);
    s = insert ? target_.insertWatchpoint(k, a, len) : target_.removeWatchpoint(k, a, len);
  }
  return s ? std::string(kOk) : error(s.error());
}

std::string GdbSession::query(std::string_view payload, SessionIo& io) {
  if (payload == "qSupported" || startsWith(payload, "qSupported:"))
    return supported(payload.size() > 11 ? payload.substr(11) : std::string_view());
  if (startsWith(payload, "qXfer:features:read:")) return readFeatures(payload.substr(20));
  if (payload == "qAttached" || startsWith(payload, "qAttached:")) return "1";
  if (payload == "qC") return "QC1";
  if (payload == "qfThreadInfo") return "m1";
  if (payload == "qsThreadInfo") return "l";
  if (startsWith(payload, "qThreadExtraInfo,"))
    return threadIsOurs(payload.substr(17)) ? toHex(std::string_view("CPU 0"))
                                            : std::string(kErrNoThread);
  if (startsWith(payload, "qRcmd,")) return monitor(payload.substr(6), io);
  if (startsWith(payload, "qSymbol:")) return std::string(kOk);
  return "";
}

std::string GdbSession::supported(std::string_view features) {
  while (!features.empty()) {
    auto next = splitOnce(features, ';');
    std::string_view f = next ? next->first : features;
    features = next ? next->second : std::string_view();
    if (f == "swbreak+") client_swbreak_ = true;
    if (f == "hwbreak+") client_hwbreak_ = true;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "PacketSize=%zx", packet_size_);
  std::string out = buf;
  out += ";qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+";
  if (target_.canReverse()) out += ";ReverseStep+;ReverseContinue+";
  return out;
}

std::string GdbSession::readFeatures(std::string_view args) {
  auto annex_rest = splitOnce(args, ':');
  if (!annex_rest) return std::string(kErrSyntax);
  auto al = parseAddressLength(annex_rest->second);
  if (!al) return std::string(kErrSyntax);
  if (annex_rest->first != "target.xml") return "E00";
  if (target_xml_.empty()) target_xml_ = i386TargetXml();
  const std::string& xml = target_xml_;
  auto [offset, len] = *al;
  if (offset >= xml.size()) return "l";
  // Escaping may double each byte; keep the reply within the packet size.
  uint64_t room = (packet_size_ - 1) / 2;
  uint64_t n = std::min({len, room, xml.size() - offset});
  std::string out(1, offset + n < xml.size() ? 'm' : 'l');
  appendEscaped(out, std::span(reinterpret_cast<const uint8_t*>(xml.data()) + offset, n));
  return out;
}

std::string GdbSession::monitor(std::string_view hex, SessionIo& io) {
  auto bytes = fromHex(hex);
  if (!bytes) return std::string(kErrSyntax);
  std::string_view line(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  GdbMonitor::Output out = monitor_.run(line, io);
  sendConsole(out.text, io);
  return std::string(kOk);
}

void GdbSession::sendConsole(std::string_view text, SessionIo& io) {
  // In pieces that fit a packet: "O" and two hex digits a byte.
  size_t chunk = (packet_size_ - 1) / 2;
  for (size_t i = 0; i < text.size(); i += chunk) io.sendPacket("O" + toHex(text.substr(i, chunk)));
}

}  // namespace tandem::gdb
