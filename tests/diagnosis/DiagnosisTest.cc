// Diagnosis of the real default guest (Debian's i386 6.1 kernel) failing in
// every way its crash module offers, plus a sysrq panic. The guest boots
// once, to the crash workload's shell with tandem_crash.ko loaded; that
// state is saved, and each test goes back to it and fails the kernel from
// there (in a `dd` process, except the sysrq panic, which the shell
// triggers), stops where the failure detector of recordings notices the
// failure, and checks the diagnosis against what is known about the
// failure: its kind, the function at the top of the failing code's
// backtrace, the task. As a replay does, it takes the backtrace and task
// where the kernel's report began: it goes back to a state saved before
// the report, stops at the report's first instruction, and goes on from
// there to the detection, which must land where it did without the stop.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "analysis/Diagnosis.h"
#include "logstore/FailureSignature.h"
#include "tools/HeadlessGuest.h"
#include "tools/Json.h"
#include "tools/ReportFormat.h"
#include "tools/ReportHtml.h"
#include "vmm/boot/DefaultGuest.h"

namespace tandem {
namespace {

constexpr uint64_t kBootLimit = 60'000'000'000ull;
constexpr uint64_t kFailLimit = 20'000'000'000ull;
// Instructions between states saved on the way to a failure.
constexpr uint64_t kStep = 200'000'000;
// The watchdog's period: a hang is found after 2 s of guest time (1 ns per
// instruction) instead of the 10 s a recording waits by default.
constexpr uint64_t kWatchdogNs = 2'000'000'000;

struct Failed {
  pb::FailureRecord record;
  std::unique_ptr<Diagnosis> diagnosis;
  std::string console;  // what the guest printed after the command
};

// The guest where the kernel's report began.
struct ReportPoint {
  CpuState cpu{};
  std::unique_ptr<PhysMemory> ram;
};

class CrashDiagnosis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto guest = DefaultGuest::find();
    ASSERT_TRUE(guest) << guest.error().message;
    GuestSpec spec{guest->kernel, guest->initrd, "console=ttyS0 panic=-1 nokaslr cryptomgr.notests tandem.workload=crash"};
    auto g = cli::HeadlessGuest::boot(spec, 128ull << 20, kWatchdogNs);
    ASSERT_TRUE(g) << g.error().message;
    auto ready = (*g)->runUntilOutput("crash: ready", 0, kBootLimit);
    ASSERT_TRUE(ready) << ready.error().message;
    auto prompt = (*g)->runUntilOutput("tandem:/# ", *ready, kBootLimit);
    ASSERT_TRUE(prompt) << prompt.error().message;
    auto saved = (*g)->save();
    ASSERT_TRUE(saved) << saved.error().message;
    guest_ = g->release();
    saved_ = new cli::HeadlessGuest::Saved(std::move(*saved));
  }
  static void TearDownTestSuite() {
    delete guest_;
    delete saved_;
    delete failed_;
  }
  void SetUp() override { ASSERT_TRUE(guest_ && saved_) << "the guest did not reach its shell"; }

  // Types `command` into the saved shell and diagnoses the failure it
  // causes; each command is run once and shared between the tests.
  static const Failed& fail(const std::string& command) {
    if (!failed_) failed_ = new std::map<std::string, Failed>;
    auto it = failed_->find(command);
    if (it != failed_->end()) return it->second;
    Failed& f = (*failed_)[command];
    EXPECT_TRUE(guest_->restore(*saved_));
    size_t from = guest_->console().size();
    guest_->type(command + "\n");
    const uint64_t limit = guest_->machine().icount().value() + kFailLimit;
    // On to the failure, keeping the latest state from before the report.
    std::optional<cli::HeadlessGuest::Saved> before_report;
    cli::FailureRun run;
    for (;;) {
      if (guest_->reportIcount() == 0)
        if (auto s = guest_->save()) before_report = std::move(*s);  // not while input is pending
      uint64_t now = guest_->machine().icount().value();
      run = guest_->runUntilFailure(std::min(limit, now + kStep));
      if (run.failure || run.exit != MachineExit::kLimit || guest_->machine().icount().value() >= limit) break;
    }
    f.console = guest_->console().substr(from);
    if (!run.failure) {
      ADD_FAILURE() << "'" << command << "' did not fail the guest (" << machineExitName(run.exit)
                    << "); console:\n" << f.console;
      return f;
    }
    Machine& m = guest_->machine();
    f.record.set_kind(run.failure->kind);
    f.record.set_icount(m.icount().value());
    f.record.set_message(run.failure->message);
    f.record.set_report_icount(run.failure->report_icount);
    ReportPoint report;
    if (run.failure->report_icount != 0) {
      report = stopAtReport(before_report, command, *run.failure);
      EXPECT_EQ(m.icount().value(), f.record.icount()) << "the stop at the report moved the failure";
    }
    CpuState cpu = m.cpu().saveState();
    GuestMoment at_report{report.ram ? *report.ram : m.memory(), report.cpu};
    f.diagnosis = std::make_unique<Diagnosis>(Diagnosis::make(GuestMoment{m.memory(), cpu},
                                                              report.ram ? &at_report : nullptr, f.record,
                                                              guest_->events().events()));
    return f;
  }

  // Goes back before the report of `first` (to `saved`, else to the shell
  // with `command` typed), stops where the report began, keeps the guest
  // there, and runs on to the detection, which must be `first` again.
  static ReportPoint stopAtReport(const std::optional<cli::HeadlessGuest::Saved>& saved,
                                  const std::string& command, const Detection& first) {
    ReportPoint p;
    EXPECT_TRUE(guest_->restore(saved ? *saved : *saved_));
    if (!saved) guest_->type(command + "\n");
    Machine& m = guest_->machine();
    cli::FailureRun to_report = guest_->runUntilFailure(first.report_icount);
    EXPECT_FALSE(to_report.failure);
    EXPECT_EQ(m.icount().value(), first.report_icount);
    p.cpu = m.cpu().saveState();
    p.ram = std::make_unique<PhysMemory>(m.memory().size());
    std::memcpy(p.ram->base(), m.memory().base(), m.memory().size());
    cli::FailureRun run = guest_->runUntilFailure(first.icount + kFailLimit);
    EXPECT_TRUE(run.failure);
    if (run.failure) {
      EXPECT_EQ(run.failure->kind, first.kind);
      EXPECT_EQ(run.failure->icount, first.icount);
      EXPECT_EQ(run.failure->report_icount, first.report_icount);
    }
    return p;
  }

  static const Diagnosis& crash(const std::string& kind) {
    const Failed& f = fail("echo " + kind + " | dd of=/proc/tandem-crash");
    static const Diagnosis none;
    return f.diagnosis ? *f.diagnosis : none;
  }

  // The kind, cause, function at the top of the failing code and task.
  static void expectDiagnosis(const Diagnosis& d, pb::FailureKind kind, const std::string& cause,
                              const std::string& top, const std::string& comm) {
    std::string context = cli::reportText(d, {"test", std::nullopt, ""});
    EXPECT_EQ(failureKindName(d.kind), failureKindName(kind)) << context;
    EXPECT_EQ(d.cause, cause) << context;
    ASSERT_FALSE(d.stack_top.empty()) << context;
    EXPECT_EQ(d.stack_top[0].substr(0, d.stack_top[0].find('+')), top) << context;
    ASSERT_TRUE(d.task) << context;
    EXPECT_EQ(d.task->comm, comm) << context;
    EXPECT_TRUE(d.notes.empty()) << context;
    // The signature is the log store's, of the refined record.
    EXPECT_EQ(d.signature, failureSignature(d.record(pb::FailureRecord())));
    EXPECT_EQ(d.signature.rfind(failureKindName(kind) + "-", 0), 0u) << d.signature;
  }

  static cli::HeadlessGuest* guest_;
  static cli::HeadlessGuest::Saved* saved_;
  static std::map<std::string, Failed>* failed_;
};

cli::HeadlessGuest* CrashDiagnosis::guest_ = nullptr;
cli::HeadlessGuest::Saved* CrashDiagnosis::saved_ = nullptr;
std::map<std::string, Failed>* CrashDiagnosis::failed_ = nullptr;

TEST_F(CrashDiagnosis, NullDereferenceIsAPageFaultOopsInTheFaultingFunction) {
  const Diagnosis& d = crash("null");
  expectDiagnosis(d, pb::OOPS, "NULL pointer dereference", "tandem_crash_null", "dd");
  EXPECT_EQ(d.message, "BUG: kernel NULL pointer dereference, address: 00000000");
  ASSERT_TRUE(d.trap);
  EXPECT_EQ(d.trap->vector, 14u);
  EXPECT_EQ(d.trap->handler, "exc_page_fault");
  EXPECT_EQ(d.trap->fault_address, 0u);
  EXPECT_EQ(d.trap->error_code, 0u);  // a read of a page not present, in kernel mode
  EXPECT_EQ(d.trap->where.rfind("tandem_crash_null+0x", 0), 0u) << d.trap->where;
  EXPECT_NE(d.trap->where.find(" [tandem_crash]"), std::string::npos) << d.trap->where;
  EXPECT_EQ(d.trap->cs, 0x60u);  // __KERNEL_CS
  // The module's write handler called it, from a write() system call.
  ASSERT_GE(d.stack_top.size(), 3u);
  EXPECT_EQ(d.stack_top[1].rfind("tandem_crash_write+", 0), 0u);
  EXPECT_EQ(d.modules, std::vector<std::string>{"tandem_crash"});
}

TEST_F(CrashDiagnosis, AnOopsThatDoesNotPanicStillNamesTheFaultingFunctionAndTask) {
  // Without panic_on_oops the kernel kills the task and goes on; the
  // failure detector stops the machine a little later.
  const Failed& f = fail("echo 0 > /proc/sys/kernel/panic_on_oops; echo null | dd of=/proc/tandem-crash");
  ASSERT_TRUE(f.diagnosis);
  expectDiagnosis(*f.diagnosis, pb::OOPS, "NULL pointer dereference", "tandem_crash_null", "dd");
  EXPECT_TRUE(f.diagnosis->panic_message.empty());
}

TEST_F(CrashDiagnosis, BugIsAnInvalidOpcodeOopsNamedAfterTheBugLine) {
  const Diagnosis& d = crash("bug");
  expectDiagnosis(d, pb::OOPS, "BUG", "tandem_crash_bug", "dd");
  EXPECT_EQ(d.message.rfind("kernel BUG at tandem_crash.c:", 0), 0u) << d.message;
  ASSERT_TRUE(d.trap);
  EXPECT_EQ(d.trap->vector, 6u);
  EXPECT_EQ(d.trap->handler, "exc_invalid_op");
}

TEST_F(CrashDiagnosis, DivideErrorIsAnOopsInTheDividingFunction) {
  const Diagnosis& d = crash("divide");
  expectDiagnosis(d, pb::OOPS, "divide error", "tandem_crash_divide", "dd");
  ASSERT_TRUE(d.trap);
  EXPECT_EQ(d.trap->vector, 0u);
  EXPECT_EQ(d.trap->handler, "exc_divide_error");
  EXPECT_FALSE(d.trap->fault_address);
}

TEST_F(CrashDiagnosis, PanicNamesPanicsCaller) {
  const Diagnosis& d = crash("panic");
  expectDiagnosis(d, pb::PANIC, "tandem_crash: panic requested", "tandem_crash_panic", "dd");
  EXPECT_EQ(d.message, "Kernel panic - not syncing: tandem_crash: panic requested");
  EXPECT_FALSE(d.trap);
}

TEST_F(CrashDiagnosis, SysrqPanicNamesTheSysrqHandlerAndTheShell) {
  const Failed& f = fail("echo c > /proc/sysrq-trigger");
  ASSERT_TRUE(f.diagnosis);
  expectDiagnosis(*f.diagnosis, pb::PANIC, "sysrq triggered crash", "sysrq_handle_crash", "sh");
}

TEST_F(CrashDiagnosis, HangWithInterruptsOffIsFoundByTheMonitorWhereItSpins) {
  const Failed& f = fail("echo hang | dd of=/proc/tandem-crash");
  ASSERT_TRUE(f.diagnosis);
  EXPECT_EQ(f.record.kind(), pb::HANG);
  expectDiagnosis(*f.diagnosis, pb::HANG, "interrupts disabled", "tandem_crash_hang", "dd");
  EXPECT_EQ(f.diagnosis->culprit_frame, 0u);
  // Nothing but the console's interrupt after the spin started: the last
  // timer interrupt came before the watchdog period.
  const Timeline& t = f.diagnosis->timeline;
  uint64_t last_timer = 0;
  for (const TimelineEntry& e : t.entries())
    if (t.lanes()[e.lane].name == "interrupt 0x30") last_timer = e.icount;
  EXPECT_GE(f.diagnosis->icount - last_timer, kWatchdogNs);
}

TEST_F(CrashDiagnosis, SoftLockupIsAHangInTheCodeTheTimerInterrupted) {
  const Diagnosis& d = crash("lockup");
  expectDiagnosis(d, pb::HANG, "soft lockup", "tandem_crash_lockup", "dd");
  EXPECT_EQ(d.message.rfind("watchdog: BUG: soft lockup - CPU#0 stuck for ", 0), 0u) << d.message;
  EXPECT_EQ(d.panic_message, "Kernel panic - not syncing: softlockup: hung tasks");
  ASSERT_TRUE(d.trap);
  EXPECT_EQ(d.trap->name, "interrupt");
  EXPECT_EQ(d.trap->vector, 0x30u);  // IRQ 0, the PIT
  EXPECT_EQ(d.trap->eflags & 0x200, 0x200u);  // it spun with interrupts enabled
}

TEST_F(CrashDiagnosis, EachFailureHasItsOwnSignature) {
  std::set<std::string> seen;
  for (const char* kind : {"null", "bug", "divide", "panic", "lockup", "hang"})
    EXPECT_TRUE(seen.insert(crash(kind).signature).second) << kind << " " << crash(kind).signature;
}

// Processes started and a second slept before the NULL dereference.
constexpr char kLaterNull[] =
    "for i in 1 2 3 4 5 6 7 8; do /bin/true; done; sleep 1; echo null | dd of=/proc/tandem-crash";

TEST_F(CrashDiagnosis, TheSameBugGroupsAcrossRunsWithOtherPidsAndTimes) {
  const Diagnosis& first = crash("null");
  const Failed& again = fail(kLaterNull);
  ASSERT_TRUE(again.diagnosis && first.task && again.diagnosis->task);
  EXPECT_NE(again.diagnosis->task->pid, first.task->pid);
  EXPECT_GT(again.diagnosis->timeline.failureNs(), first.timeline.failureNs() + 1'000'000'000);
  EXPECT_EQ(again.diagnosis->signature, first.signature);
}

TEST_F(CrashDiagnosis, TimelineShowsTheTimerTheConsoleAndTheCommandTyped) {
  const Failed& f = fail(kLaterNull);
  ASSERT_TRUE(f.diagnosis);
  const Timeline& t = f.diagnosis->timeline;
  EXPECT_TRUE(t.fromClock());
  std::map<std::string, size_t> lanes;
  for (const TimelineLane& l : t.lanes()) lanes[l.name] = l.count;
  EXPECT_GT(lanes["serial input"], 0u);
  EXPECT_GT(lanes["clock tsc"], 0u);
  // HZ=250: 200 timer interrupts in 0.8 s of the guest's idle second
  // (give or take a tick), and the typed command's bytes.
  size_t ticks = 0;
  std::string typed;
  for (const TimelineEntry& e : t.entries()) {
    uint64_t before = t.failureNs() - e.ns;
    if (t.lanes()[e.lane].name == "interrupt 0x30" && before >= 100'000'000 && before < 900'000'000) ++ticks;
    EXPECT_LE(e.ns, t.failureNs());
    EXPECT_LE(t.failureNs() - e.ns, t.windowNs());
    if (t.lanes()[e.lane].name == "serial input") typed += e.what.substr(1, e.what.size() - 2);  // 'bytes'
  }
  EXPECT_NE(typed.find("sleep 1; echo null"), std::string::npos) << typed;
  EXPECT_NEAR(static_cast<double>(ticks), 200.0, 2.0);
}

TEST_F(CrashDiagnosis, ReportsInEveryFormatNameTheFailure) {
  const Diagnosis& d = crash("null");
  std::string text = cli::reportText(d, {"test", std::nullopt, ""});
  EXPECT_NE(text.find("failure      oops: NULL pointer dereference\n"), std::string::npos) << text;
  EXPECT_NE(text.find("task         pid " + std::to_string(d.task->pid) + " (dd)"), std::string::npos);
  EXPECT_NE(text.find("exception    #14 page fault, error code 0x0000, address 0x00000000"), std::string::npos);
  EXPECT_NE(text.find(">#"), std::string::npos);
  cli::JsonWriter w;
  cli::reportJson(w, d, {"test", std::nullopt, ""});
  EXPECT_NE(w.str().find("\"kind\":\"oops\",\"cause\":\"NULL pointer dereference\""), std::string::npos);
  EXPECT_NE(w.str().find("\"comm\":\"dd\""), std::string::npos);
  std::string html = cli::reportHtml(d, {"test", std::nullopt, ""});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("tandem_crash_null+0x"), std::string::npos);
  // Self-contained: nothing to fetch.
  for (const char* ref : {"<script", "<link", "src=", "href=", "url(", "@import"})
    EXPECT_EQ(html.find(ref), std::string::npos) << ref;
  EXPECT_LT(html.size(), 200u * 1024);
}

}  // namespace
}  // namespace tandem
