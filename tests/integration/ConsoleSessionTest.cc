// The default guest booted to its busybox shell and driven through the
// serial console, as a user would pipe commands in: the kernel and the
// CPU it sees, its interrupts, and a workload with answers known in
// advance. The same session twice must give the same bytes and icount; the
// session saved mid-workload and restored in a new process must finish
// exactly as the uninterrupted one.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/TandemProcess.h"

namespace tandem::test {
namespace {

const std::string kPrompt = "tandem:/# ";
// Each line stays shorter than the terminal, so the echo is not wrapped.
const std::vector<std::string> kCommands = {
    "uname -a",
    "cat /proc/cpuinfo",
    "cat /proc/interrupts",
    "for i in $(seq 3000); do echo \"tandem line $i\"; done >/tmp/t",
    "sha256sum /tmp/t",
    "gzip -9 -c /tmp/t >/tmp/t.gz; gunzip -c /tmp/t.gz | sha256sum",
    "wc -c </tmp/t.gz; wc -c </tmp/t",
    "cat /proc/interrupts",
    "exit",
};
enum Step {
  kUname,
  kCpuinfo,
  kInterrupts,
  kGenerate,
  kSha,
  kGzip,
  kSizes,
  kInterruptsAgain,
  kExit
};
// The file the loop writes, hashed with coreutils on the host:
//   for i in $(seq 3000); do echo "tandem line $i"; done | sha256sum; ... | wc -c
const std::string kFileSha256 = "162eca63cbca137eb272c0e4235422c9c3377fff8aefd42092dab7bb55fe203c";
constexpr uint64_t kFileBytes = 49893;

std::string sessionInput() {
  std::string in;
  for (const auto& c : kCommands) in += c + "\n";
  return in;
}

std::vector<std::string> runArgs() {
  return {"run",      "--clock", "virtual",      "--json",
          "--prompt", kPrompt,   "--max-icount", "60000000000"};
}
const std::vector<std::string> kLogInputLines = {"TANDEM_LOG=console=info"};

struct Exchange {
  std::string command;  // as the shell echoed it
  std::string output;
};

// The console from the boot line on, without carriage returns and the
// line editor's cursor queries, cut at each prompt.
std::vector<Exchange> transcript(const std::string& console) {
  std::string t;
  for (size_t i = 0; i < console.size(); ++i) {
    if (console.compare(i, 4, "\x1b[6n") == 0) {
      i += 3;
    } else if (console[i] != '\r') {
      t += console[i];
    }
  }
  std::vector<Exchange> out;
  size_t pos = t.find(kPrompt, t.find("tandem-guest: booted"));
  while (pos != std::string::npos) {
    size_t start = pos + kPrompt.size();
    size_t next = t.find("\n" + kPrompt, start);
    std::string chunk = t.substr(start, next == std::string::npos ? next : next + 1 - start);
    size_t eol = chunk.find('\n');
    out.push_back({chunk.substr(0, eol), eol == std::string::npos ? "" : chunk.substr(eol + 1)});
    pos = next == std::string::npos ? next : next + 1;
  }
  return out;
}

// "input line N sent at icount I" lines of TANDEM_LOG=console=info.
std::map<int, uint64_t> lineIcounts(const std::string& err) {
  static const std::regex kLine("input line ([0-9]+) sent at icount ([0-9]+)");
  std::map<int, uint64_t> out;
  for (std::sregex_iterator it(err.begin(), err.end(), kLine), end; it != end; ++it)
    out[std::stoi((*it)[1].str())] = std::stoull((*it)[2].str());
  return out;
}

// /proc/interrupts: IRQ number -> (count, name) for the numbered lines.
std::map<int, std::pair<uint64_t, std::string>> interrupts(const std::string& text) {
  static const std::regex kIrq("^ *([0-9]+): +([0-9]+) +\\S+ +(\\S+)");
  std::map<int, std::pair<uint64_t, std::string>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kIrq)) out[std::stoi(m[1])] = {std::stoull(m[2]), m[3]};
  }
  return out;
}

class ConsoleSession : public ::testing::Test {
 protected:
  // The session, twice at once (the machine has two cores).
  static void SetUpTestSuite() {
    TandemProcess a(runArgs(), sessionInput(), kLogInputLines);
    TandemProcess b(runArgs(), sessionInput(), kLogInputLines);
    first_ = new TandemResult(a.wait());
    second_ = new TandemResult(b.wait());
    exchanges_ = new std::vector<Exchange>(transcript(first_->out));
  }
  static void TearDownTestSuite() {
    delete first_;
    delete second_;
    delete exchanges_;
  }

  void SetUp() override {
    ASSERT_EQ(first_->status, 0) << first_->err;
    ASSERT_EQ(exchanges_->size(), kCommands.size()) << first_->out;
  }
  static const Exchange& at(Step s) { return (*exchanges_)[s]; }

  static TandemResult* first_;
  static TandemResult* second_;
  static std::vector<Exchange>* exchanges_;
};
TandemResult* ConsoleSession::first_;
TandemResult* ConsoleSession::second_;
std::vector<Exchange>* ConsoleSession::exchanges_;

TEST_F(ConsoleSession, ShellRunsEveryCommandAndPowersOffOnExit) {
  for (size_t i = 0; i < kCommands.size(); ++i) EXPECT_EQ((*exchanges_)[i].command, kCommands[i]);
  EXPECT_NE(at(kExit).output.find("tandem-guest: powering off"), std::string::npos);
  EXPECT_NE(first_->err.find("{\"exit\":\"power-off\""), std::string::npos) << first_->err;
}

TEST_F(ConsoleSession, UnameNamesTheBootedKernelOnI686) {
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(first_->out, m, std::regex("tandem-guest: booted \\(kernel ([^,]+),")));
  const std::string& out = at(kUname).output;
  EXPECT_EQ(out.rfind("Linux ", 0), 0u) << out;
  EXPECT_NE(out.find(" " + m[1].str() + " "), std::string::npos) << out;
  EXPECT_NE(out.find(" i686 "), std::string::npos) << out;
}

TEST_F(ConsoleSession, CpuinfoShowsWhatCpuidAdvertises) {
  const std::string& out = at(kCpuinfo).output;
  std::map<std::string, std::vector<std::string>> fields;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    fields[key].push_back(line.substr(std::min(line.size(), colon + 2)));
  }
  EXPECT_EQ(fields["processor"].size(), 1u) << out;
  EXPECT_EQ(fields["cpu family"], std::vector<std::string>{"6"});
  EXPECT_EQ(fields["model"], std::vector<std::string>{"8"});
  ASSERT_EQ(fields["flags"].size(), 1u) << out;
  std::set<std::string> flags;
  std::istringstream words(fields["flags"][0]);
  for (std::string w; words >> w;) flags.insert(w);
  for (const char* f : {"fpu", "tsc", "msr", "cx8", "sep", "pge", "cmov", "pse"})
    EXPECT_TRUE(flags.count(f)) << "missing flag " << f << " in: " << fields["flags"][0];
  for (const char* f : {"sse", "sse2", "mmx", "apic", "pae"})
    EXPECT_FALSE(flags.count(f)) << "unexpected flag " << f << " in: " << fields["flags"][0];
}

TEST_F(ConsoleSession, InterruptsCountTheTimerOnIrq0AndTheSerialPortOnIrq4) {
  auto before = interrupts(at(kInterrupts).output);
  auto after = interrupts(at(kInterruptsAgain).output);
  ASSERT_TRUE(before.count(0) && before.count(4)) << at(kInterrupts).output;
  ASSERT_TRUE(after.count(0) && after.count(4)) << at(kInterruptsAgain).output;
  EXPECT_EQ(before[0].second, "timer");
  EXPECT_EQ(before[4].second, "ttyS0");
  EXPECT_GT(before[0].first, 0u);
  EXPECT_GT(before[4].first, 0u);
  EXPECT_GT(after[0].first, before[0].first);
  EXPECT_GT(after[4].first, before[4].first);
}

TEST_F(ConsoleSession, GeneratedFileHasTheKnownSha256) {
  EXPECT_EQ(at(kGenerate).output, "");
  EXPECT_EQ(at(kSha).output, kFileSha256 + "  /tmp/t\n");
}

TEST_F(ConsoleSession, GzipRoundTripGivesTheFileBackSmaller) {
  EXPECT_EQ(at(kGzip).output, kFileSha256 + "  -\n");
  std::istringstream sizes(at(kSizes).output);
  uint64_t packed = 0, plain = 0;
  ASSERT_TRUE(sizes >> packed >> plain) << at(kSizes).output;
  EXPECT_EQ(plain, kFileBytes);
  EXPECT_GT(packed, 0u);
  EXPECT_LT(packed, plain / 4);
}

TEST_F(ConsoleSession, SameSessionTwiceGivesIdenticalConsoleAndIcount) {
  ASSERT_EQ(second_->status, 0) << second_->err;
  ASSERT_TRUE(first_->icount() && second_->icount());
  EXPECT_EQ(*first_->icount(), *second_->icount());
  EXPECT_TRUE(first_->out == second_->out) << "the consoles differ";
  EXPECT_EQ(lineIcounts(first_->err), lineIcounts(second_->err));
}

TEST_F(ConsoleSession, SavedMidWorkloadAndRestoredInANewProcessFinishesTheSame) {
  // Save halfway between sending the loop that writes the file and the
  // next command.
  auto lines = lineIcounts(first_->err);
  ASSERT_TRUE(lines.count(kGenerate + 1) && lines.count(kSha + 1)) << first_->err;
  uint64_t save_at = (lines[kGenerate + 1] + lines[kSha + 1]) / 2;
  ScratchDir dir;
  std::string file = dir.file("session.tsv");
  std::vector<std::string> args = runArgs();
  args.insert(args.end(), {"--save-at", std::to_string(save_at), "--save", file});
  TandemResult saved = runTandem(args, sessionInput(), kLogInputLines);
  ASSERT_EQ(saved.status, 0) << saved.err;
  ASSERT_NE(saved.err.find("{\"exit\":\"saved\""), std::string::npos) << saved.err;
  ASSERT_TRUE(saved.icount());
  EXPECT_GE(*saved.icount(), save_at);
  EXPECT_LT(*saved.icount(), lines[kSha + 1]);
  EXPECT_NE(saved.out.find(kCommands[kGenerate]), std::string::npos);
  EXPECT_EQ(saved.out.find(kFileSha256), std::string::npos);

  TandemResult restored =
      runTandem({"run", "--restore", file, "--clock", "virtual", "--json", "--prompt", kPrompt},
                sessionInput(), kLogInputLines);
  ASSERT_EQ(restored.status, 0) << restored.err;
  ASSERT_TRUE(restored.icount());
  EXPECT_EQ(*restored.icount(), *first_->icount());
  EXPECT_TRUE(saved.out + restored.out == first_->out)
      << "the console before and after the save is not the uninterrupted one";
}

}  // namespace
}  // namespace tandem::test
