// Debian's gdb against `tandem gdb` on a bundle of the default guest's
// sysrq panic (recorded by the sysrq_bundle fixture, tests/replayto), with
// the kernel's symbols that `tandem symbols` recovered from the bundle:
// registers, a breakpoint in panic and the backtrace to the sysrq handler,
// one instruction back, an earlier breakpoint found backwards, a watch on
// jiffies both ways, a seek into the window, the recorded events, and
// leaving the replay to run live.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

const std::string kDir = TANDEM_SYSRQ_BUNDLE_DIR;
// A few seconds each on an idle machine; far more on a loaded one.
constexpr int kTimeoutMs = 240000;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// gdb's value history: "$N = VALUE" lines, by N.
std::string printed(const std::string& out, int n) {
  std::smatch m;
  std::regex re("\\$" + std::to_string(n) + " = ([^\n]*)\n");
  return std::regex_search(out, m, re) ? m[1].str() : "<$" + std::to_string(n) + " not printed>";
}

class GdbSysrqPanic : public ::testing::Test {
 protected:
  void SetUp() override {
    id_ = readFile(kDir + "/id");
    while (!id_.empty() && id_.back() == '\n') id_.pop_back();
    ASSERT_EQ(id_.size(), 64u) << "no bundle in " << kDir << " (the sysrq_bundle fixture)";
    std::smatch m;
    std::string record = readFile(kDir + "/record.json");
    ASSERT_TRUE(std::regex_search(record, m, std::regex(R"("icount":(\d+))"))) << record;
    crash_ = std::stoull(m[1]);
  }

  std::string gdb(const std::vector<std::string>& commands) {
    GdbLiveSession live{GdbLiveSession::Command{
        {"gdb", id_, "--archive", kDir + "/archive", "--once", "--console", "/dev/null"},
        kDir + "/kernel.elf"}};
    EXPECT_TRUE(live.serving());
    auto g = live.startGdb(commands);
    if (!g) return "<gdb did not start>";
    g->wait(kTimeoutMs);
    return g->output();
  }

  // `tandem replay --to WHERE --json`.
  std::string replayTo(const std::string& where) {
    auto p = Subprocess::start({TANDEM_BIN, "replay", id_, "--archive", kDir + "/archive", "--to",
                                where, "--json"},
                               Subprocess::Capture::kStdoutAndStderr);
    if (!p) return "<tandem did not start>";
    p->wait(kTimeoutMs);
    return p->output();
  }

  std::string id_;
  uint64_t crash_ = 0;
};

TEST_F(GdbSysrqPanic, BreakInPanicBacktraceToTheSysrqHandlerAndGoBack) {
  std::string out = gdb({"info registers", "break panic", "continue", "bt", "monitor icount",
                         "p/u (unsigned long)$pc", "reverse-stepi", "monitor icount", "break __handle_sysrq",
                         "reverse-continue", "monitor icount", "kill"});
  // The registers at the bundle's start: the kernel's, in its code segment.
  EXPECT_MATCHES(out, R"(\neip\s+0xc[0-9a-f]{7}\s+0xc[0-9a-f]{7} <[a-z_]\w*\+\d+>\n)");
  EXPECT_MATCHES(out, R"(\ncs\s+0x60\s+96\n)");
  EXPECT_MATCHES(out, R"(\neflags\s+0x[0-9a-f]+\s+\[ [A-Z ]+\]\n)");
  // Stopped in panic: the whole way from the shell's write(2), every frame
  // named (the symbol file's call frame information, analysis/KernelFrames),
  // through the SYSENTER entry's pt_regs to the shell's user-mode EIP.
  EXPECT_MATCHES(out, R"(Breakpoint 1, 0xc[0-9a-f]{7} in panic \(\)\n)");
  EXPECT_MATCHES(out, R"(\n#0  0xc[0-9a-f]{7} in panic \(\)\n)"
                      R"(#1  0xc[0-9a-f]{7} in sysrq_handle_crash \(\)\n)"
                      R"(#2  0xc[0-9a-f]{7} in __handle_sysrq[.\w]* \(\)\n)"
                      R"(#3  0xc[0-9a-f]{7} in write_sysrq_trigger \(\)\n)"
                      R"(#4  0xc[0-9a-f]{7} in proc_reg_write \(\)\n)"
                      R"(#5  0xc[0-9a-f]{7} in vfs_write \(\)\n)"
                      R"(#6  0xc[0-9a-f]{7} in ksys_write \(\)\n)"
                      R"(#7  0xc[0-9a-f]{7} in __ia32_sys_write \(\)\n)"
                      R"((#\d+ +0xc[0-9a-f]{7} in [a-z_]\w* \(\)\n)+)"
                      R"(#\d+ +0xc[0-9a-f]{7} in do_SYSENTER_32 \(\)\n)"
                      R"(#\d+ +<signal handler called>\n)"
                      R"(#\d+ +0x[0-9a-b][0-9a-f]{7} in \?\? \(\)\n)");
  EXPECT_NO_MATCH(out, R"(\n#\d+ +0xc[0-9a-f]{7} in \?\? \(\))");
  std::vector<uint64_t> at = monitorIcounts(out);
  ASSERT_EQ(at.size(), 3u) << out;
  const uint64_t in_panic = at[0];
  EXPECT_LT(in_panic, crash_);
  EXPECT_EQ(at[1], in_panic - 1);  // reverse-stepi: exactly one instruction
  // The sysrq handler ran before panic: found going back.
  EXPECT_MATCHES(out, R"(Breakpoint 2, 0xc[0-9a-f]{7} in __handle_sysrq \(\)\n)");
  EXPECT_LT(at[2], at[1]);

  // `tandem replay --to` the same instant: the same EIP, and the console
  // up to there ends with the line the sysrq handler printed before panic.
  std::string json = replayTo(std::to_string(in_panic));
  EXPECT_NE(json.find("\"icount\":" + std::to_string(in_panic) + ","), std::string::npos) << json;
  EXPECT_NE(json.find("\"eip\":" + printed(out, 1) + ","), std::string::npos) << json;
  EXPECT_MATCHES(json, R"(sysrq: Trigger a crash\\r\\n","console_bytes")");
  EXPECT_EQ(json.find("Kernel panic"), std::string::npos) << json;
}

// jiffies is data, which kallsyms does not list on Debian's kernel: its
// address is taken from do_timer's `add %eax, jiffies_64`.
TEST_F(GdbSysrqPanic, WatchOnJiffiesStopsAtTheWritingInstructionBothWays) {
  std::string out = gdb({"break panic", "continue", "delete",
                         "set $jiffies = *(unsigned long *)((char *)do_timer + 10)",
                         "x/i (char *)do_timer + 8", "p/x $jiffies",
                         "watch *(unsigned long *)$jiffies", "reverse-continue",
                         "p $pc == (char *)do_timer + 8", "reverse-continue",
                         "p $pc == (char *)do_timer + 8", "monitor icount",
                         "p *(unsigned long *)$jiffies", "continue",
                         "p $pc == (char *)do_timer + 14", "monitor icount",
                         "p *(unsigned long *)$jiffies", "reverse-stepi",
                         "p $pc == (char *)do_timer + 8", "p *(unsigned long *)$jiffies", "stepi",
                         "p *(unsigned long *)$jiffies", "kill"});
  std::smatch add;
  ASSERT_TRUE(std::regex_search(out, add, std::regex(R"(<do_timer\+8>:\s+add\s+%eax,(0xc[0-9a-f]{7})\n)")))
      << out;
  EXPECT_EQ(printed(out, 1), add[1].str());
  // Backwards: before the add, twice (the last two ticks before panic).
  EXPECT_MATCHES(out, R"(Hardware watchpoint 2: [^\n]*\n\nOld value = (\d+)\nNew value = \d+\n0x[0-9a-f]+ in do_timer \(\)\n\$2 = 1\n)");
  EXPECT_EQ(printed(out, 3), "1");
  const uint64_t old_value = std::stoull(printed(out, 4));
  // Forward: stopped right after the add, which wrote the new value.
  EXPECT_MATCHES(out, "\nOld value = " + std::to_string(old_value) + "\nNew value = " +
                          std::to_string(old_value + 1) + "\n0x[0-9a-f]+ in do_timer \\(\\)\n\\$5 = 1\n");
  EXPECT_EQ(printed(out, 6), std::to_string(old_value + 1));
  std::vector<uint64_t> at = monitorIcounts(out);
  ASSERT_EQ(at.size(), 2u) << out;
  EXPECT_EQ(at[1], at[0] + 1);
  // One instruction back, the value is the old one again; one forward, the new.
  EXPECT_EQ(printed(out, 7), "1");
  EXPECT_EQ(printed(out, 8), std::to_string(old_value));
  EXPECT_EQ(printed(out, 9), std::to_string(old_value + 1));
}

TEST_F(GdbSysrqPanic, SeekIntoTheWindowListEventsAndDivergeToWrite) {
  std::string start = replayTo("+0");
  std::smatch window;
  ASSERT_TRUE(std::regex_search(start, window, std::regex(R"("start_icount":(\d+))"))) << start;
  const uint64_t middle = (std::stoull(window[1]) + crash_) / 2;
  std::string out = gdb({"monitor seek " + std::to_string(middle), "maintenance flush register-cache",
                         "monitor icount", "p/u (unsigned long)$pc", "monitor events 5", "set $eax = 0x1234",
                         "monitor diverge", "set $eax = 0x1234", "p/x $eax", "stepi",
                         "monitor icount", "kill"});
  EXPECT_HAS(out, "at icount " + std::to_string(middle) + "; gdb's registers are stale");
  std::vector<uint64_t> at = monitorIcounts(out);
  ASSERT_EQ(at.size(), 2u) << out;
  EXPECT_EQ(at[0], middle);
  // The same instant as `tandem replay --to` shows it.
  std::string json = replayTo(std::to_string(middle));
  EXPECT_NE(json.find("\"eip\":" + printed(out, 1) + ","), std::string::npos) << json;
  // The next five recorded events, in order, none before the seek.
  std::smatch events;
  ASSERT_TRUE(std::regex_search(out, events, std::regex(R"(events \d+\.\.\d+ of \d+ \(next first\):\n((  [^\n]+ at icount \d+ eip [0-9a-f]{8}\n){5}))")))
      << out;
  std::regex at_icount(R"(at icount (\d+))");
  std::string listed = events[1];
  uint64_t last = middle;
  for (auto it = std::sregex_iterator(listed.begin(), listed.end(), at_icount);
       it != std::sregex_iterator(); ++it) {
    EXPECT_GE(std::stoull((*it)[1]), last) << listed;
    last = std::stoull((*it)[1]);
  }
  // Writes: refused while replaying, accepted once the guest runs live.
  EXPECT_HAS(out, "read-only");
  EXPECT_HAS(out, "the guest runs live from icount " + std::to_string(middle));
  EXPECT_EQ(printed(out, 2), "0x1234");
  EXPECT_EQ(at[1], middle + 1);
}

}  // namespace
}  // namespace tandem::test
