#include "analysis/Diagnosis.h"

#include <algorithm>

#include "analysis/FailureMessages.h"
#include "analysis/GuestView.h"
#include "analysis/KernelFrames.h"
#include "analysis/KernelSymbols.h"
#include "analysis/ModuleList.h"
#include "analysis/PrintkLog.h"
#include "logstore/FailureSignature.h"

namespace tandem {
namespace {

constexpr size_t kMaxStackTop = 16;   // FailureRecord.stack_top holds at most 16
constexpr size_t kHandlerReach = 4;   // frames between a handler and the state it saved
constexpr size_t kLogContext = 10;    // records shown before the failure's first line
// i386 struct pt_regs: bx cx dx si di bp ax ds es fs gs orig_ax ip cs flags sp ss.
constexpr uint32_t kRegsWords = 17;

struct ExceptionName {
  const char* handler;
  uint32_t vector;
  const char* name;
};
// The kernel's handler of each CPU exception (arch/x86/include/asm/idtentry.h).
constexpr ExceptionName kExceptions[] = {
    {"exc_divide_error", 0, "divide error"},
    {"exc_debug", 1, "debug"},
    {"exc_nmi", 2, "NMI"},
    {"exc_int3", 3, "breakpoint"},
    {"exc_overflow", 4, "overflow"},
    {"exc_bounds", 5, "bound range exceeded"},
    {"exc_invalid_op", 6, "invalid opcode"},
    {"exc_device_not_available", 7, "device not available"},
    {"exc_double_fault", 8, "double fault"},
    {"exc_coproc_segment_overrun", 9, "coprocessor segment overrun"},
    {"exc_invalid_tss", 10, "invalid TSS"},
    {"exc_segment_not_present", 11, "segment not present"},
    {"exc_stack_segment", 12, "stack segment fault"},
    {"exc_general_protection", 13, "general protection fault"},
    {"exc_page_fault", 14, "page fault"},
    {"exc_spurious_interrupt_bug", 15, "spurious interrupt"},
    {"exc_coprocessor_error", 16, "x87 floating-point error"},
    {"exc_alignment_check", 17, "alignment check"},
    {"exc_machine_check", 18, "machine check"},
    {"exc_simd_coprocessor_error", 19, "SIMD floating-point error"},
};

std::string functionOf(const std::string& where) {
  return where.substr(0, std::min(where.find('+'), where.find(' ')));
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The trap frame that backtrace frame `e` (an interrupted state) was found
// through, named after the handler among the frames just inside it.
std::optional<TrapFrame> trapAt(const GuestView& kernel, const KernelSymbols& symbols,
                                const std::vector<BacktraceFrame>& frames, size_t e,
                                const CpuState& cpu) {
  uint32_t r[kRegsWords];
  if (!kernel.read(frames[e].frame, r, sizeof r)) return std::nullopt;
  TrapFrame t;
  t.ebx = r[0], t.ecx = r[1], t.edx = r[2], t.esi = r[3], t.edi = r[4], t.ebp = r[5], t.eax = r[6];
  // The entry code overwrites orig_ax (error code or vector) with -1, and
  // completes the frame with SS:ESP for a trap from kernel mode too.
  t.eip = r[12], t.cs = r[13] & 0xFFFF, t.eflags = r[14], t.esp = r[15];
  t.where = symbols.describe(t.eip);
  t.name = "exception";
  for (size_t back = 1; back <= kHandlerReach && back <= e; ++back) {
    std::string fn = functionOf(frames[e - back].where);
    for (const ExceptionName& x : kExceptions)
      if (fn == x.handler) {
        t.handler = fn, t.vector = x.vector, t.vector_known = true, t.name = x.name;
        break;
      }
    if (fn == "common_interrupt") {
      t.handler = fn, t.name = "interrupt";
    } else if (startsWith(fn, "sysvec_")) {
      t.handler = fn, t.name = "system interrupt";
    }
    if (!t.handler.empty()) break;
  }
  if (t.vector_known && t.vector == 14) t.fault_address = cpu.cr2;
  return t;
}

// What failed, by the kernel's own account, given what the monitor saw.
struct Verdict {
  pb::FailureKind kind;
  std::string cause;
  std::optional<size_t> line;  // the record that names it
  bool trapped;                // an exception or interrupt caught it
};

std::string oopsCause(const FailureMessages& m, const std::string& headline) {
  if (m.die_what == "Oops") {
    if (startsWith(headline, "BUG: kernel NULL pointer dereference")) return "NULL pointer dereference";
    return "page fault";
  }
  if (m.die_what == "invalid opcode" && startsWith(headline, "kernel BUG at ")) return "BUG";
  if (startsWith(m.die_what, "general protection fault")) return "general protection fault";
  return m.die_what;
}

// The cause as far as the monitor alone can tell (logger/FailureDetector.h
// says whether interrupts were on when its watchdog fired).
std::string monitorCause(const pb::FailureRecord& f) {
  if (f.kind() != pb::HANG) return failureKindName(f.kind());
  return f.message().find("interrupts off") != std::string::npos ? "interrupts disabled" : "no progress";
}

Verdict judge(const pb::FailureRecord& f, const FailureMessages& m,
              const std::vector<PrintkRecord>& records) {
  Verdict v{f.kind(), monitorCause(f), std::nullopt, false};
  // A monitor's verdict that the guest's log cannot refine.
  if (f.kind() != pb::PANIC && f.kind() != pb::OOPS && f.kind() != pb::UNEXPECTED_RESET &&
      f.kind() != pb::FAILURE_KIND_UNSPECIFIED)
    return v;
  auto before = [](std::optional<size_t> a, std::optional<size_t> b) { return a && b && *a < *b; };
  auto oops = [&] {
    std::string headline = FailureMessages::firstLine(records[*m.headline]);
    return Verdict{pb::OOPS, oopsCause(m, headline), m.headline, true};
  };
  Verdict lockup{pb::HANG, "soft lockup", m.soft_lockup, true};
  size_t latest = 0;
  for (auto i : {m.die, m.soft_lockup, m.panic})
    if (i) latest = std::max(latest, *i);
  if (m.panic && *m.panic == latest) {
    // panic_on_oops and softlockup_panic say why they panicked.
    if (before(m.die, m.panic) && startsWith(m.panic_reason, "Fatal exception")) return oops();
    if (before(m.soft_lockup, m.panic) && startsWith(m.panic_reason, "softlockup")) return lockup;
    return Verdict{pb::PANIC, m.panic_reason, m.panic, false};
  }
  if (m.die && *m.die == latest) return oops();
  if (m.soft_lockup) return lockup;
  return v;
}

}  // namespace

Diagnosis Diagnosis::make(GuestMoment at_failure, const GuestMoment* at_report,
                          const pb::FailureRecord& failure, const std::vector<Event>& events,
                          const DiagnosisOptions& options) {
  Diagnosis d;
  d.kind = failure.kind();
  d.cause = monitorCause(failure);
  d.icount = failure.icount() ? failure.icount() : at_failure.cpu.icount;
  d.message = std::string(firstMessageLine(failure.message()));
  d.timeline = Timeline::build(events, d.icount, options.timeline_ns);
  // The failing context: where the kernel's report began, if given.
  const GuestMoment& at = at_report ? *at_report : at_failure;
  const CpuState& cpu = at.cpu;
  d.state_icount = at_report ? cpu.icount : d.icount;
  if (!at_report && failure.report_icount() != 0 && failure.report_icount() != at_failure.cpu.icount)
    d.notes.push_back("no machine state where the kernel's report began (icount " +
                      std::to_string(failure.report_icount()) +
                      "): the backtrace and task are from the failure point, where the CPU may "
                      "have moved on");
  auto finish = [&]() -> Diagnosis& {
    d.signature = failureSignature(d.kind, d.stack_top, d.message);
    return d;
  };
  auto symbols = KernelSymbols::fromMemory(at_failure.ram);
  if (!symbols) {
    d.notes.push_back("no kernel symbols: " + symbols.error().message);
    return finish();
  }
  auto view = GuestView::fromCpu(at_failure.ram, at_failure.cpu);
  auto failing = GuestView::fromCpu(at.ram, cpu);
  if (!view || !failing) {
    d.notes.push_back("guest memory unreadable: " + (view ? failing : view).error().message);
    return finish();
  }
  symbols->setModules(ModuleList::read(*view, *symbols));
  for (const LoadedModule& m : symbols->modules()) d.modules.push_back(m.name);

  std::vector<PrintkRecord> records;
  if (auto log = PrintkLog::read(*view, *symbols)) records = log->records();
  else d.notes.push_back("no kernel log: " + log.error().message);
  FailureMessages msgs = FailureMessages::scan(records);
  if (msgs.panic) d.panic_message = FailureMessages::firstLine(records[*msgs.panic]);

  uint32_t thread_size = 8192;
  std::optional<TaskList> tasks;
  if (auto t = TaskList::read(*failing, *symbols, cpu)) {
    tasks = std::move(*t);
    thread_size = tasks->layout().thread_size;
    d.task = tasks->current();
  } else {
    d.notes.push_back("no task list: " + t.error().message);
  }
  // Code without a frame of its own (an assembly helper, a function before
  // its prologue) would hide its caller from the frame-pointer chain.
  Backtrace::FramelessProbe frameless = [&](uint32_t pc) {
    return KernelFrames::framelessDepth(*symbols, *failing, pc);
  };
  Backtrace bt = Backtrace::fromCpu(*failing, *symbols, cpu, thread_size, frameless);
  d.backtrace = bt.frames();
  d.backtrace_end = bt.end();

  Verdict v = judge(failure, msgs, records);
  d.kind = v.kind;
  d.cause = v.cause;
  if (v.line) d.message = FailureMessages::firstLine(records[*v.line]);
  if (d.kind == pb::OOPS && msgs.oops_pid >= 0 && (!d.task || d.task->pid != msgs.oops_pid)) {
    // The CPU has moved on from the task that oopsed: the kernel named it.
    const TaskInfo* named = tasks ? tasks->byPid(msgs.oops_pid) : nullptr;
    d.task = named ? *named : TaskInfo{0, msgs.oops_pid, msgs.oops_pid, 0, msgs.oops_comm, 0, 0, 0};
    d.notes.push_back("the task is the one the kernel's oops report names; the CPU was running " +
                      (tasks && tasks->current() ? tasks->current()->comm : std::string("an unreadable task")));
  }
  if (!d.task) d.notes.push_back("the current task could not be read");

  if (v.trapped) {
    // The innermost state an exception (for an oops) or an interrupt (for
    // a lockup) saved; any saved state if the handler is not recognised.
    std::optional<size_t> any;
    for (size_t i = 0; i < d.backtrace.size(); ++i) {
      if (!d.backtrace[i].exception) continue;
      auto t = trapAt(*failing, *symbols, d.backtrace, i, cpu);
      if (!t) continue;
      bool fits = d.kind == pb::OOPS ? t->vector_known && t->vector < 32 : t->name == "interrupt";
      if (fits) {
        d.trap = t, d.culprit_frame = i, any.reset();
        break;
      }
      if (!any) any = i, d.trap = t;
    }
    if (any) d.culprit_frame = *any;
    if (!d.trap) d.notes.push_back("no saved exception state on the stack");
    if (d.trap && d.kind == pb::OOPS && msgs.die) d.trap->error_code = msgs.die_code;
    if (d.trap && d.trap->name == "interrupt") {
      // The vector is not on the stack; the interrupt in progress is the
      // last one delivered.
      for (auto e = events.rbegin(); e != events.rend(); ++e) {
        auto* i = std::get_if<InterruptDeliveryEvent>(&e->body);
        if (!i || e->icount.value() > d.state_icount) continue;
        d.trap->vector = i->vector, d.trap->vector_known = true;
        break;
      }
    }
  } else if (d.kind == pb::PANIC) {
    for (size_t i = 0; i < d.backtrace.size(); ++i)
      if (functionOf(d.backtrace[i].where) == "panic") {
        d.culprit_frame = std::min(i + 1, d.backtrace.size() - 1);
        break;
      }
  }
  for (size_t i = d.culprit_frame; i < d.backtrace.size() && d.stack_top.size() < kMaxStackTop; ++i)
    d.stack_top.push_back(d.backtrace[i].where);

  // The log from a little before the line that names the failure.
  size_t from = v.line ? (*v.line > kLogContext ? *v.line - kLogContext : 0) : 0;
  for (size_t i = from; i < records.size(); ++i) {
    std::string lines = PrintkLog::format(records[i]);
    for (size_t pos = 0; pos < lines.size();) {
      size_t nl = lines.find('\n', pos);
      if (nl == std::string::npos) nl = lines.size();
      d.log.push_back(lines.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
  if (d.log.size() > options.log_lines)
    d.log.erase(d.log.begin(), d.log.end() - static_cast<ptrdiff_t>(options.log_lines));
  return finish();
}

pb::FailureRecord Diagnosis::record(const pb::FailureRecord& original) const {
  pb::FailureRecord f = original;
  f.set_kind(kind);
  std::string m = message;
  if (!panic_message.empty() && panic_message != message) m += "\n" + panic_message;
  f.set_message(m);
  f.clear_stack_top();
  for (const std::string& s : stack_top) f.add_stack_top(s);
  f.set_signature(signature);
  return f;
}

}  // namespace tandem
