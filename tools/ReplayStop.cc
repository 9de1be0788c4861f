#include "tools/ReplayStop.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "analysis/KernelSymbols.h"
#include "logstore/FailureSignature.h"
#include "tools/Args.h"
#include "tools/Json.h"
#include "vmm/cpu/Decoder.h"

namespace tandem::cli {
namespace {

struct FlagName {
  uint32_t bit;
  const char* name;
};
constexpr FlagName kEflags[] = {{fl::CF, "CF"}, {fl::PF, "PF"},   {fl::AF, "AF"},   {fl::ZF, "ZF"},
                                {fl::SF, "SF"}, {fl::TF, "TF"},   {fl::IF, "IF"},   {fl::DF, "DF"},
                                {fl::OF, "OF"}, {fl::NT, "NT"},   {fl::RF, "RF"},   {fl::VM, "VM"},
                                {fl::AC, "AC"}, {fl::VIF, "VIF"}, {fl::VIP, "VIP"}, {fl::ID, "ID"}};
constexpr FlagName kCr0[] = {{cr0::PE, "PE"}, {cr0::MP, "MP"}, {cr0::EM, "EM"}, {cr0::TS, "TS"},
                             {cr0::ET, "ET"}, {cr0::NE, "NE"}, {cr0::WP, "WP"}, {cr0::AM, "AM"},
                             {cr0::NW, "NW"}, {cr0::CD, "CD"}, {cr0::PG, "PG"}};
constexpr const char* kGprNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
constexpr const char* kSegNames[] = {"es", "cs", "ss", "ds", "fs", "gs"};

template <size_t N>
std::vector<std::string> flagsSet(uint32_t value, const FlagName (&names)[N]) {
  std::vector<std::string> out;
  for (const FlagName& f : names)
    if (value & f.bit) out.push_back(f.name);
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string seconds(uint64_t ns) {
  return format("%" PRIu64 ".%09" PRIu64 " s", ns / 1'000'000'000, ns % 1'000'000'000);
}

std::string hexBytes(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) out += format(out.empty() ? "%02x" : " %02x", b);
  return out;
}

unsigned iopl(uint32_t eflags) { return (eflags & fl::IOPL) >> 12; }

}  // namespace

Result<uint64_t> ReplayStop::resolve(const std::string& to, uint64_t start, uint64_t end) {
  std::string window = format("the bundle's window is icount %" PRIu64 " to %" PRIu64
                              " (crash, +0..+%" PRIu64 ", -0..-%" PRIu64 ")",
                              start, end, end - start, end - start);
  if (to == "crash") return end;
  if (to.empty()) return makeError("empty value (crash, ICOUNT, +N or -N)");
  if (to[0] == '+' || to[0] == '-') {
    auto n = parseUint("to", to.substr(1));
    if (!n || to.size() == 1)
      return makeError("'" + to + "' is not crash, ICOUNT, +N or -N");
    if (*n > end - start)
      return makeError(to + " is outside the bundle: " + window);
    return to[0] == '+' ? start + *n : end - *n;
  }
  auto at = parseUint("to", to);
  if (!at) return makeError("'" + to + "' is not crash, ICOUNT, +N or -N");
  if (*at < start || *at > end)
    return makeError("icount " + to + " is outside the bundle: " + window);
  return *at;
}

ReplayStop::ReplayStop(BundleReplay& replay, const ClockLine& start_clock, std::string console,
                       uint64_t console_bytes)
    : console_(std::move(console)), console_bytes_(console_bytes) {
  Machine& m = replay.machine();
  state_ = m.cpu().saveState();
  failure_ = failureKindName(replay.failure().kind());
  start_ = replay.startIcount();
  end_ = replay.endIcount();
  guest_ns_ = replay.door().guestNsAt(m.icount());
  readInstruction(m);
  readEvents(replay, start_clock);
}

void ReplayStop::readInstruction(Machine& m) {
  insn_.address = state_.seg[CS].base + state_.eip;
  uint8_t bytes[16];
  size_t have = 0;
  while (have < sizeof bytes) {
    uint32_t lin = insn_.address + static_cast<uint32_t>(have);
    size_t chunk = std::min(sizeof bytes - have, size_t{kPageSize} - (lin & (kPageSize - 1)));
    uint64_t phys;
    if (!m.cpu().debugTranslate(lin, &phys) || !m.memory().read(GuestPhys(phys), bytes + have, chunk))
      break;
    have += chunk;
  }
  Insn insn;
  bool code32 = state_.seg[CS].attr & seg_attr::DB;
  if (have > 0 && decodeInsn(bytes, have, code32, &insn) == DecodeStatus::kOk) {
    insn_.bytes.assign(bytes, bytes + insn.len);
    insn_.mnemonic = insnMnemonic(insn);
  } else {
    insn_.bytes.assign(bytes, bytes + have);
  }
  // Symbols only where the guest holds a Linux kernel's kallsyms tables.
  if (auto symbols = KernelSymbols::fromMemory(m.memory()))
    if (auto hit = symbols->lookup(insn_.address)) insn_.symbol = KernelSymbols::describe(*hit);
}

void ReplayStop::readEvents(BundleReplay& replay, ClockLine clock) {
  // Guest time goes on from the last logged clock reading at the rate
  // logged with it (as the replaying door computes it).
  const std::vector<Event>& events = replay.source().events();
  events_total_ = events.size();
  const size_t next = replay.source().position();
  const size_t first = next > kNearEvents ? next - kNearEvents : 0;
  const size_t last = std::min(events.size(), next + kNearEvents);
  for (size_t i = 0; i < last; ++i) {
    const Event& e = events[i];
    if (auto* c = std::get_if<ClockReadingEvent>(&e.body))
      clock = ClockLine::from(e.icount, c->value_ns, c->ps_per_insn);
    if (i < first) continue;
    NearEvent near{i, e.icount.value(), e.eip, clock.at(e.icount), describeEvent(e)};
    (i < next ? before_ : after_).push_back(std::move(near));
  }
}

std::string ReplayStop::text(bool with_console) const {
  std::string out;
  if (with_console) {
    out += format("--- the console from icount %" PRIu64 " (%" PRIu64 " bytes%s) ---\n", start_,
                  console_bytes_, console_.size() < console_bytes_ ? ", the last of them" : "");
    out += console_;
    if (!console_.empty() && console_.back() != '\n') out += '\n';
    out += "--- end of the console ---\n";
  }
  out += format("icount %" PRIu64 ", guest time %s; the %s is at icount %" PRIu64
                ", the bundle starts at icount %" PRIu64 "\n",
                state_.icount, seconds(guest_ns_).c_str(), failure_.c_str(), end_, start_);
  for (int r = 0; r < 8; ++r)
    out += format("%s %08x%s", kGprNames[r], state_.gpr[r], r % 4 == 3 ? "\n" : "  ");
  const uint32_t cpl = state_.seg[CS].selector & 3;
  out += format("eip %08x  eflags %08x [%s] iopl %u  cpl %u\n", state_.eip, state_.eflags,
                joined(flagsSet(state_.eflags, kEflags)).c_str(), iopl(state_.eflags), cpl);
  for (int s = 0; s < kSegCount; ++s)
    out += format("%s %04x%s", kSegNames[s], state_.seg[s].selector, s + 1 < kSegCount ? "  " : "\n");
  out += format("cr0 %08x [%s]  cr2 %08x  cr3 %08x  cr4 %08x\n", state_.cr0,
                joined(flagsSet(state_.cr0, kCr0)).c_str(), state_.cr2, state_.cr3, state_.cr4);
  out += format("instruction at %08x", insn_.address);
  if (!insn_.symbol.empty()) out += " <" + insn_.symbol + ">";
  out += ": " + (insn_.bytes.empty() ? std::string("(not readable)") : hexBytes(insn_.bytes));
  out += insn_.mnemonic.empty() ? (insn_.bytes.empty() ? "\n" : "  (does not decode)\n")
                                : "  " + insn_.mnemonic + "\n";
  auto events = [&](const char* title, const std::vector<NearEvent>& list, const char* none) {
    out += title;
    if (list.empty()) out += none;
    for (const NearEvent& e : list)
      out += format("  #%zu  %s  ", e.index + 1, seconds(e.guest_ns).c_str()) + e.what + "\n";
  };
  events("events before:\n", before_, "  (none: the bundle starts here)\n");
  events("events after:\n", after_, "  (none: the recording ends here)\n");
  return out;
}

std::string ReplayStop::json(const std::string& to, double wall_s) const {
  JsonWriter w;
  w.beginObject();
  w.field("to", to).field("icount", state_.icount).field("guest_ns", guest_ns_);
  w.field("failure", failure_).field("failure_icount", end_).field("start_icount", start_);
  w.key("registers").beginObject();
  for (int r = 0; r < 8; ++r) w.field(kGprNames[r], state_.gpr[r]);
  w.field("eip", state_.eip).field("eflags", state_.eflags);
  w.key("eflags_set").beginArray();
  for (const std::string& f : flagsSet(state_.eflags, kEflags)) w.value(f);
  w.endArray();
  w.field("iopl", iopl(state_.eflags)).field("cpl", static_cast<uint32_t>(state_.seg[CS].selector & 3));
  for (int s = 0; s < kSegCount; ++s) w.field(kSegNames[s], static_cast<uint32_t>(state_.seg[s].selector));
  w.field("cr0", state_.cr0);
  w.key("cr0_set").beginArray();
  for (const std::string& f : flagsSet(state_.cr0, kCr0)) w.value(f);
  w.endArray();
  w.field("cr2", state_.cr2).field("cr3", state_.cr3).field("cr4", state_.cr4);
  w.endObject();
  w.key("instruction").beginObject();
  w.field("address", insn_.address).field("bytes", hexBytes(insn_.bytes));
  w.field("mnemonic", insn_.mnemonic).field("symbol", insn_.symbol);
  w.endObject();
  for (const auto* list : {&before_, &after_}) {
    w.key(list == &before_ ? "events_before" : "events_after").beginArray();
    for (const NearEvent& e : *list) {
      w.beginObject();
      w.field("index", static_cast<uint64_t>(e.index)).field("icount", e.icount).field("eip", e.eip);
      w.field("guest_ns", e.guest_ns).field("what", e.what);
      w.endObject();
    }
    w.endArray();
  }
  w.field("events", static_cast<uint64_t>(events_total_));
  w.field("console", console_).field("console_bytes", console_bytes_);
  w.field("wall_s", wall_s);
  w.endObject();
  return w.str() + "\n";
}

}  // namespace tandem::cli
