// Debian's gdb against `tandem gdb` on a bundle: the gdb test guest
// recorded (frozen when it powers off) into a scratch archive, then
// debugged forward and backward from the bundle's snapshot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

class GdbBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tandem-gdb-bundle-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    work_ = dir;
    auto rec = Subprocess::start({TANDEM_BIN, "record", "--kernel", kGdbTestGuest, "--freeze-on-exit",
                                  "--lag", "1ms", "--archive", work_ + "/archive"},
                                 Subprocess::Capture::kStdoutAndStderr);
    ASSERT_TRUE(rec);
    rec->wait(60000);
    std::smatch id;
    const std::string& out = rec->output();
    ASSERT_TRUE(std::regex_search(out, id, std::regex(R"(\b[0-9a-f]{64}\b)"))) << out;
    id_ = id[0];
  }
  void TearDown() override { std::filesystem::remove_all(work_); }

  std::string gdb(const std::vector<std::string>& commands) {
    GdbLiveSession live{GdbLiveSession::Command{
        {"gdb", id_, "--archive", work_ + "/archive", "--once", "--console", "/dev/null"},
        kGdbTestGuest}};
    EXPECT_TRUE(live.serving());
    return live.gdb(commands);
  }

  std::string work_, id_;
};

TEST_F(GdbBundleTest, RunsForwardAndBackThroughTheRecordingAndRefusesWrites) {
  std::string out = gdb({"monitor help", "break *bump_store", "continue", "continue",
                         "x/dw &counter", "reverse-continue", "x/dw &counter", "monitor icount",
                         "reverse-stepi", "monitor icount", "set $eax = 1", "delete", "continue"});
  EXPECT_HAS(out, "target: a replayed bundle");
  EXPECT_MATCHES(out, R"(:\s+1\n[\s\S]*Breakpoint 1, 0x[0-9a-f]+ in bump_store \(\)\n[^\n]*:\s+0\n)");
  std::smatch at;
  ASSERT_TRUE(std::regex_search(out, at, std::regex(R"(icount (\d+)\n[^\n]*\nicount (\d+)\n)")))
      << out;
  EXPECT_EQ(std::stoull(at[2]) + 1, std::stoull(at[1]));
  EXPECT_HAS(out, "read-only");
  // Running on replays the recording to its end: the guest powering off.
  EXPECT_HAS(out, "tandem: the guest powered off at icount 6");
  EXPECT_HAS(out, "exited normally");
}

}  // namespace
}  // namespace tandem::test
