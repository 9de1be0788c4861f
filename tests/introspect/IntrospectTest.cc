// Introspection of the real default guest (Debian's i386 6.1 kernel and
// busybox), checked against what the guest says about itself: its own
// /proc/kallsyms, its console, the kernel's own oops backtrace, and stock
// gdb reading the files tandem writes. The guest boots once per run of
// this binary: to the shell prompt (after printing /proc/kallsyms), then
// on to a sysrq panic, and both states are frozen for the tests.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <tuple>

#include "analysis/Backtrace.h"
#include "analysis/CoreWriter.h"
#include "analysis/KernelSymbols.h"
#include "analysis/PrintkLog.h"
#include "analysis/ProcessImage.h"
#include "analysis/SymbolElfWriter.h"
#include "analysis/TaskList.h"
#include "tools/HeadlessGuest.h"
#include "vmm/boot/DefaultGuest.h"

namespace tandem {
namespace {

struct FrozenState {
  std::unique_ptr<PhysMemory> ram;
  CpuState cpu{};
  std::string console;
};

FrozenState freeze(cli::HeadlessGuest& g) {
  FrozenState s;
  PhysMemory& live = g.machine().memory();
  s.ram = std::make_unique<PhysMemory>(live.size());
  std::memcpy(s.ram->base(), live.base(), live.size());
  s.cpu = g.machine().cpu().saveState();
  s.console = g.console();
  return s;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

class DefaultGuestIntrospection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto guest = DefaultGuest::find();
    ASSERT_TRUE(guest) << guest.error().message;
    busybox_ = new std::string(guest->dir + "/busybox");
    GuestSpec spec{guest->kernel, guest->initrd,
                   "console=ttyS0 panic=-1 nokaslr cryptomgr.notests tandem.workload=shell"};
    auto g = cli::HeadlessGuest::boot(spec, 128ull << 20);
    ASSERT_TRUE(g) << g.error().message;
    cli::HeadlessGuest& G = **g;
    const uint64_t kLimit = 40'000'000'000ull;
    auto prompt = G.runUntilOutput("tandem:/# ", 0, kLimit);
    ASSERT_TRUE(prompt) << prompt.error().message;
    // The marker is computed by the shell so the echoed command line does
    // not contain it.
    G.type("echo 0 > /proc/sys/kernel/kptr_restrict; cat /proc/kallsyms; echo kallsyms-$((40+2))\n");
    auto start = G.runUntilOutput("\n", *prompt, kLimit);  // the echoed command line
    ASSERT_TRUE(start) << start.error().message;
    auto end = G.runUntilOutput("kallsyms-42", *start, kLimit);
    ASSERT_TRUE(end) << end.error().message;
    kallsyms_ = new std::string(G.console().substr(*start, *end - *start));
    auto again = G.runUntilOutput("tandem:/# ", *end, kLimit);
    ASSERT_TRUE(again) << again.error().message;
    shell_ = new FrozenState(freeze(G));
    G.type("echo c > /proc/sysrq-trigger\n");
    // With panic=-1 the kernel resets at once: the CPU is still in
    // panic()'s callees when the reset request stops the machine.
    cli::FailureRun run = G.runUntilFailure(kLimit);
    ASSERT_EQ(run.exit, MachineExit::kReset) << machineExitName(run.exit);
    ASSERT_TRUE(run.failure && run.failure->kind == pb::PANIC);
    ASSERT_NE(G.console().find("Kernel panic - not syncing", *again), std::string::npos);
    panic_ = new FrozenState(freeze(G));
  }
  static void TearDownTestSuite() {
    delete shell_;
    delete panic_;
    delete kallsyms_;
    delete busybox_;
  }

  void SetUp() override {
    ASSERT_TRUE(shell_ && panic_) << "the guest did not reach its states";
  }

  static KernelSymbols symbols(const FrozenState& s) {
    auto k = KernelSymbols::fromMemory(*s.ram);
    EXPECT_TRUE(k) << k.error().message;
    return k ? std::move(*k) : KernelSymbols({});
  }
  static GuestView view(const FrozenState& s) { return *GuestView::fromCpu(*s.ram, s.cpu); }
  static std::string tempPath(const std::string& name) {
    return ::testing::TempDir() + "tandem-introspect-" + std::to_string(getpid()) + "-" + name;
  }

  static FrozenState* shell_;
  static FrozenState* panic_;
  static std::string* kallsyms_;
  static std::string* busybox_;
};

FrozenState* DefaultGuestIntrospection::shell_ = nullptr;
FrozenState* DefaultGuestIntrospection::panic_ = nullptr;
std::string* DefaultGuestIntrospection::kallsyms_ = nullptr;
std::string* DefaultGuestIntrospection::busybox_ = nullptr;

TEST_F(DefaultGuestIntrospection, SymbolsFromMemoryAreExactlyProcKallsyms) {
  std::multiset<std::tuple<uint32_t, char, std::string>> proc, ours;
  std::regex line_re("^([0-9a-f]{8}) (\\w) (\\S+)$");
  size_t text_symbols = 0;
  for (const std::string& l : lines(*kallsyms_)) {
    std::smatch m;
    if (!std::regex_match(l, m, line_re)) continue;
    char type = m[2].str()[0];
    proc.emplace(static_cast<uint32_t>(std::stoul(m[1], nullptr, 16)), type, m[3]);
    text_symbols += type == 't' || type == 'T';
  }
  ASSERT_GT(text_symbols, 20000u) << "the guest's /proc/kallsyms was not captured";
  KernelSymbols k = symbols(*shell_);
  for (const KernelSymbol& s : k.all()) ours.emplace(s.address, s.type, s.name);
  EXPECT_EQ(ours.size(), proc.size());
  size_t missing = 0;
  for (const auto& p : proc) {
    if (!ours.count(p) && ++missing <= 10)
      ADD_FAILURE() << "not recovered: " << std::get<2>(p) << " " << std::get<1>(p) << " "
                    << std::hex << std::get<0>(p);
  }
  EXPECT_EQ(missing, 0u);
  // The same symbols are found in the later state.
  EXPECT_EQ(symbols(*panic_).all().size(), k.all().size());
}

TEST_F(DefaultGuestIntrospection, GdbLoadsTheSymbolFile) {
  KernelSymbols k = symbols(*shell_);
  uint32_t panic = *k.address("panic");
  std::string path = tempPath("kernel.elf");
  ASSERT_TRUE(SymbolElfWriter::write(k, path));
  char cmd[512];
  std::snprintf(cmd, sizeof cmd,
                "gdb -batch -nx %s -ex 'info symbol 0x%x' -ex 'info address panic' "
                "-ex 'info address sysrq_handle_crash'",
                path.c_str(), panic + 0x20);
  std::string out = run(cmd);
  std::remove(path.c_str());
  char want[128];
  std::snprintf(want, sizeof want, "Symbol \"panic\" is at 0x%x in a file compiled without debugging",
                panic);
  EXPECT_NE(out.find("panic + 32 in section .text"), std::string::npos) << out;
  EXPECT_NE(out.find(want), std::string::npos) << out;
  EXPECT_NE(out.find("Symbol \"sysrq_handle_crash\" is at 0x"), std::string::npos) << out;
}

TEST_F(DefaultGuestIntrospection, KernelLogIsWhatTheConsoleShowed) {
  KernelSymbols k = symbols(*shell_);
  auto log = PrintkLog::read(view(*shell_), k);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ(log->skipped(), 0u);
  // The console prints records up to level 6 (console_loglevel 7); a
  // record may follow output of /init on the same line.
  std::regex stamped("\\[ *[0-9]+\\.[0-9]{6}\\] .*");
  std::vector<std::string> console;
  for (const std::string& l : lines(shell_->console)) {
    std::smatch m;
    if (std::regex_search(l, m, stamped)) console.push_back(m.str());
  }
  std::vector<std::string> dmesg = lines(log->text(6));
  ASSERT_GT(console.size(), 100u);
  EXPECT_EQ(dmesg, console);
  EXPECT_EQ(log->records().front().text.rfind("Linux version 6.1", 0), 0u);
  for (size_t i = 1; i < log->records().size(); ++i)
    EXPECT_EQ(log->records()[i].seq, log->records()[i - 1].seq + 1);
}

TEST_F(DefaultGuestIntrospection, KernelLogHoldsThePanic) {
  KernelSymbols k = symbols(*panic_);
  auto log = PrintkLog::read(view(*panic_), k);
  ASSERT_TRUE(log) << log.error().message;
  std::string text = log->text();
  EXPECT_NE(text.find("sysrq: Trigger a crash"), std::string::npos);
  EXPECT_NE(text.find("] Kernel panic - not syncing: sysrq triggered crash"), std::string::npos);
  EXPECT_EQ(log->records().back().level, 0) << "the last record is the panic, an emergency";
}

TEST_F(DefaultGuestIntrospection, TaskListHasInitAndTheShell) {
  KernelSymbols k = symbols(*shell_);
  auto tasks = TaskList::read(view(*shell_), k, shell_->cpu);
  ASSERT_TRUE(tasks) << tasks.error().message;
  EXPECT_EQ(tasks->tasks()[0].comm, "swapper/0");
  const TaskInfo* init = tasks->byPid(1);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->comm, "init");
  EXPECT_FALSE(init->kernelThread());
  const TaskInfo* sh = nullptr;
  for (const TaskInfo& t : tasks->tasks())
    if (t.comm == "sh") sh = &t;
  ASSERT_TRUE(sh);
  EXPECT_EQ(sh->ppid, 1);
  EXPECT_EQ(tasks->byPid(2)->comm, "kthreadd");
  EXPECT_TRUE(tasks->byPid(2)->kernelThread());
  ASSERT_TRUE(tasks->current());
  EXPECT_TRUE(tasks->byPid(tasks->current()->pid));
}

TEST_F(DefaultGuestIntrospection, CurrentTaskAtThePanicIsTheOneTheKernelNamed) {
  std::smatch m;
  std::regex who("CPU: 0 PID: ([0-9]+) Comm: (\\S+)");
  ASSERT_TRUE(std::regex_search(panic_->console, m, who));
  KernelSymbols k = symbols(*panic_);
  // The layout found in one state reads another state of the same kernel.
  auto first = TaskList::read(view(*shell_), symbols(*shell_), shell_->cpu);
  ASSERT_TRUE(first) << first.error().message;
  auto tasks = TaskList::read(view(*panic_), k, panic_->cpu, first->layout());
  ASSERT_TRUE(tasks) << tasks.error().message;
  ASSERT_TRUE(tasks->current());
  EXPECT_EQ(tasks->current()->pid, std::stoi(m[1]));
  EXPECT_EQ(tasks->current()->comm, m[2].str());
  auto fresh = TaskList::read(view(*panic_), k, panic_->cpu);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(std::memcmp(&fresh->layout(), &first->layout(), sizeof(TaskLayout)), 0);
}

TEST_F(DefaultGuestIntrospection, BacktraceAtThePanicMatchesTheKernelsOwn) {
  KernelSymbols k = symbols(*panic_);
  Backtrace bt = Backtrace::fromCpu(view(*panic_), k, panic_->cpu);
  std::string ours = bt.format();
  EXPECT_TRUE(bt.contains("panic")) << ours;
  EXPECT_TRUE(bt.contains("sysrq_handle_crash")) << ours;
  EXPECT_TRUE(bt.contains("__handle_sysrq")) << ours;
  EXPECT_TRUE(bt.contains("write_sysrq_trigger")) << ours;
  // Every reliable frame of the kernel's own trace from sysrq_handle_crash
  // down to the system call entry, with the same offsets and sizes.
  std::regex frame("^\\[ *[0-9.]+\\]  ([A-Za-z0-9_.]+\\+0x[0-9a-f]+/0x[0-9a-f]+)$");
  bool started = false;
  size_t compared = 0;
  for (const std::string& l : lines(panic_->console)) {
    std::smatch m;
    if (!std::regex_match(l, m, frame)) continue;
    std::string where = m[1];
    if (where.rfind("sysrq_handle_crash+", 0) == 0) started = true;
    if (!started) continue;
    EXPECT_NE(ours.find(" " + where + "\n"), std::string::npos) << where << " not in\n" << ours;
    ++compared;
  }
  EXPECT_GE(compared, 8u);
}

TEST_F(DefaultGuestIntrospection, CoreOfTheShellLoadsInGdbWithItsRegistersAndStack) {
  KernelSymbols k = symbols(*shell_);
  GuestView v = view(*shell_);
  auto tasks = TaskList::read(v, k, shell_->cpu);
  ASSERT_TRUE(tasks) << tasks.error().message;
  const TaskInfo* sh = nullptr;
  for (const TaskInfo& t : tasks->tasks())
    if (t.comm == "sh") sh = &t;
  ASSERT_TRUE(sh);
  auto image = ProcessImage::capture(v, *tasks, *sh, shell_->cpu);
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->regs().cs, 0x73u);
  EXPECT_FALSE(image->auxv().empty());
  std::string path = tempPath("sh.core");
  ASSERT_TRUE(CoreWriter::write(*image, path));
  std::string out = run("gdb -batch -nx " + *busybox_ + " " + path +
                        " -ex 'info registers eip esp' -ex bt -ex 'x/4xw $sp'");
  std::remove(path.c_str());
  char eip[32], esp[32];
  std::snprintf(eip, sizeof eip, "0x%x", image->regs().eip);
  std::snprintf(esp, sizeof esp, "0x%x", image->regs().esp);
  EXPECT_NE(out.find("Core was generated by `sh'"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("eip            ") + eip), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("esp            ") + esp), std::string::npos) << out;
  // The shell waits in a system call: the vDSO's entry, then busybox code.
  EXPECT_NE(out.find("#0  " + std::string(eip) + " in __kernel_vsyscall"), std::string::npos) << out;
  EXPECT_NE(out.find("#1  0x08"), std::string::npos) << out;
  EXPECT_EQ(out.find("Cannot access memory at address " + std::string(esp)), std::string::npos)
      << out;
}

}  // namespace
}  // namespace tandem
