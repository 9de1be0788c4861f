#include "tools/ReportFormat.h"

#include <algorithm>
#include <cstdio>

#include "logstore/FailureSignature.h"

namespace tandem::cli {
namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

}  // namespace

std::string hexAddress(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string runText(const Timeline& t, const TimelineRun& r) {
  std::string s = t.entries()[r.last].what;
  if (r.count() > 1)
    s += " (" + std::to_string(r.count()) + " from " + beforeFailure(t, t.entries()[r.first]) + " before)";
  return s;
}

std::string beforeFailure(const Timeline& t, const TimelineEntry& e) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f ms", static_cast<double>(t.failureNs() - std::min(e.ns, t.failureNs())) / 1e6);
  return buf;
}

std::string failureTitle(const Diagnosis& d) {
  std::string kind = failureKindName(d.kind);
  return d.cause.empty() || d.cause == kind ? kind : kind + ": " + d.cause;
}

std::string trapSummary(const TrapFrame& t) {
  char buf[48];
  std::string s = t.name;
  if (t.vector_known && t.name == "interrupt") {
    std::snprintf(buf, sizeof buf, "interrupt, vector 0x%02x", t.vector);
    s = buf;
  } else if (t.vector_known) {
    s = "#" + std::to_string(t.vector) + " " + t.name;
  }
  if (t.error_code) {
    std::snprintf(buf, sizeof buf, ", error code 0x%04x", *t.error_code);
    s += buf;
  }
  if (t.fault_address) s += ", address " + hexAddress(*t.fault_address);
  if (!t.handler.empty()) s += " (" + t.handler + ")";
  return s;
}

std::string trapRegisters(const TrapFrame& t) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n"
                "ebp=%08x esp=%08x eflags=%08x cs=%04x",
                t.eax, t.ebx, t.ecx, t.edx, t.esi, t.edi, t.ebp, t.esp, t.eflags, t.cs);
  return buf;
}

std::string timelineSource(const Timeline& t) {
  return "the last " + formatGuestTime(t.windowNs()) + " of guest time before the failure at " +
         formatGuestTime(t.failureNs()) +
         (t.fromClock() ? " (times from the clock readings)"
                        : " (no clock readings: times from the instruction count, 1 ns each)");
}

std::string replayLine(const ReportSource& source) {
  if (!source.reproduced) return "";
  return source.verdict.empty() ? (*source.reproduced ? "reproduced" : "did not reproduce") : source.verdict;
}

std::string stateWhere(const Diagnosis& d) {
  if (d.state_icount == d.icount) return "at the failure";
  return "at icount " + std::to_string(d.state_icount) + ", where the kernel's report began";
}

std::string reportText(const Diagnosis& d, const ReportSource& source) {
  std::string s;
  auto row = [&](const char* label, const std::string& value) { s += pad(label, 12) + " " + value + "\n"; };
  row("failure", failureTitle(d));
  row("signature", d.signature);
  if (!d.message.empty()) row("message", d.message);
  if (!d.panic_message.empty() && d.panic_message != d.message) row("panic", d.panic_message);
  row("at", "icount " + std::to_string(d.icount) + ", guest time " + formatGuestTime(d.timeline.failureNs()));
  row("source", source.what);
  if (source.reproduced) row("replay", replayLine(source));
  if (d.task)
    row("task", "pid " + std::to_string(d.task->pid) + " (" + d.task->comm + ")" +
                    ((d.task->address && d.task->kernelThread()) ? ", a kernel thread" : ""));
  if (d.trap) {
    row("exception", trapSummary(*d.trap));
    row("eip", hexAddress(d.trap->eip) + " " + d.trap->where);
    std::string regs = trapRegisters(*d.trap);
    row("registers", regs.substr(0, regs.find('\n')));
    row("", regs.substr(regs.find('\n') + 1));
  }
  if (!d.modules.empty()) {
    std::string m;
    for (const std::string& name : d.modules) m += (m.empty() ? "" : " ") + name;
    row("modules", m);
  }
  s += "\nbacktrace " + stateWhere(d) + " (" + d.backtrace_end + "; > marks the code that failed)\n";
  for (size_t i = 0; i < d.backtrace.size(); ++i) {
    const BacktraceFrame& f = d.backtrace[i];
    char buf[32];
    std::snprintf(buf, sizeof buf, " %c#%-2zu %s ", i == d.culprit_frame ? '>' : ' ', i, hexAddress(f.pc).c_str());
    s += buf + f.where + (f.exception ? " (interrupted)" : "") + "\n";
  }
  s += "\nkernel log (last " + std::to_string(d.log.size()) + " lines)\n";
  for (const std::string& l : d.log) s += "  " + l + "\n";
  const Timeline& t = d.timeline;
  s += "\nevents: " + timelineSource(t) + "\n";
  for (const TimelineLane& l : t.lanes())
    s += "  " + pad(l.name, 20) + std::to_string(l.count) +
         (l.shown < l.count ? " (the latest " + std::to_string(l.shown) + " kept)" : "") + "\n";
  if (!t.entries().empty()) {
    s += "  the latest (before the failure, icount, lane, event):\n";
    for (const TimelineRun& r : t.latestRuns(kReportEvents)) {
      const TimelineEntry& e = t.entries()[r.last];
      char buf[96];
      std::snprintf(buf, sizeof buf, "  %16s  %-12llu %-16s ", beforeFailure(t, e).c_str(),
                    static_cast<unsigned long long>(e.icount), t.lanes()[e.lane].name.c_str());
      s += buf + runText(t, r) + "\n";
    }
  }
  if (!d.notes.empty()) {
    s += "\nnotes\n";
    for (const std::string& n : d.notes) s += "  " + n + "\n";
  }
  return s;
}

void reportJson(JsonWriter& w, const Diagnosis& d, const ReportSource& source) {
  w.beginObject();
  w.field("kind", failureKindName(d.kind)).field("cause", d.cause).field("signature", d.signature);
  w.field("message", d.message).field("panic_message", d.panic_message);
  w.field("icount", d.icount).field("guest_ns", d.timeline.failureNs()).field("source", source.what);
  w.field("state_icount", d.state_icount);
  if (source.reproduced) w.field("reproduced", *source.reproduced).field("verdict", source.verdict);
  w.key("task");
  if (d.task) {
    w.beginObject().field("pid", d.task->pid).field("tgid", d.task->tgid).field("ppid", d.task->ppid);
    w.field("comm", d.task->comm).field("kernel_thread", (d.task->address && d.task->kernelThread())).endObject();
  } else {
    w.beginObject().endObject();
  }
  w.key("exception").beginObject();
  if (d.trap) {
    const TrapFrame& t = *d.trap;
    w.field("name", t.name).field("handler", t.handler);
    if (t.vector_known) w.field("vector", t.vector);
    if (t.error_code) w.field("error_code", *t.error_code);
    if (t.fault_address) w.field("fault_address", *t.fault_address);
    w.field("eip", t.eip).field("where", t.where);
    w.key("registers").beginObject();
    w.field("eax", t.eax).field("ebx", t.ebx).field("ecx", t.ecx).field("edx", t.edx);
    w.field("esi", t.esi).field("edi", t.edi).field("ebp", t.ebp).field("esp", t.esp);
    w.field("eflags", t.eflags).field("cs", t.cs).endObject();
  }
  w.endObject();
  w.key("stack_top").beginArray();
  for (const std::string& f : d.stack_top) w.value(f);
  w.endArray();
  w.key("backtrace").beginArray();
  for (const BacktraceFrame& f : d.backtrace)
    w.beginObject().field("pc", f.pc).field("where", f.where).field("interrupted", f.exception).endObject();
  w.endArray();
  w.field("culprit_frame", static_cast<uint64_t>(d.culprit_frame)).field("backtrace_end", d.backtrace_end);
  w.key("modules").beginArray();
  for (const std::string& m : d.modules) w.value(m);
  w.endArray();
  w.key("log").beginArray();
  for (const std::string& l : d.log) w.value(l);
  w.endArray();
  const Timeline& t = d.timeline;
  w.key("timeline").beginObject();
  w.field("failure_ns", t.failureNs()).field("window_ns", t.windowNs()).field("from_clock", t.fromClock());
  w.field("dropped", static_cast<uint64_t>(t.dropped()));
  w.key("lanes").beginArray();
  for (const TimelineLane& l : t.lanes()) {
    w.beginObject().field("name", l.name).field("count", static_cast<uint64_t>(l.count));
    w.field("shown", static_cast<uint64_t>(l.shown)).endObject();
  }
  w.endArray();
  w.key("latest").beginArray();
  for (const TimelineRun& r : t.latestRuns(kReportEvents)) {
    const TimelineEntry& e = t.entries()[r.last];
    w.beginObject().field("icount", e.icount).field("ns", e.ns).field("lane", t.lanes()[e.lane].name);
    w.field("what", e.what).field("count", static_cast<uint64_t>(r.count()));
    w.field("first_icount", t.entries()[r.first].icount).field("first_ns", t.entries()[r.first].ns).endObject();
  }
  w.endArray().endObject();
  w.key("notes").beginArray();
  for (const std::string& n : d.notes) w.value(n);
  w.endArray();
  w.endObject();
}

}  // namespace tandem::cli
