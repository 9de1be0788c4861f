// An archive must survive its writers dying at any moment: whatever point
// an ingest is killed at, the archive afterwards verifies clean and holds
// the bundle whole or not at all. Ingests run in child processes killed
// with SIGKILL after random delays spread over the ingest's duration.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "logstore/Archive.h"
#include "logstore/ArchiveVerifier.h"
#include "tests/support/SampleBundle.h"
#include "tests/support/TempDir.h"

namespace tandem {
namespace {

using Clock = std::chrono::steady_clock;

pid_t ingestInChild(const std::string& dir, const std::string& bundle) {
  pid_t pid = fork();
  if (pid == 0) {
    auto a = Archive::open(dir, true);
    if (!a) _exit(3);
    auto r = (*a)->ingest(bundle, 1);
    _exit(r ? 0 : 4);
  }
  return pid;
}

int waitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

class ArchiveCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    archive_ = dir_.file("archive");
    testing::SampleBundleSpec small;
    small.memory_bytes = 1 << 20;
    base_ = dir_.file("base.tandem");
    ASSERT_TRUE(testing::writeSampleBundle(base_, small).ok());
    testing::SampleBundleSpec big;
    big.memory_bytes = 16 << 20;
    big.seed = 2;
    big.events = 20000;
    victim_ = dir_.file("victim.tandem");
    ASSERT_TRUE(testing::writeSampleBundle(victim_, big).ok());
    victim_id_ = *sha256File(victim_);
    auto a = Archive::open(archive_, true);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE((*a)->ingest(base_, 1).ok());
  }

  // The archive verifies clean, still holds the base bundle, and holds the
  // victim exactly or not at all. Returns whether it holds the victim.
  bool checkArchive() {
    auto a = Archive::open(archive_, false);
    EXPECT_TRUE(a.ok()) << a.error().message;
    if (!a) return false;
    auto v = verifyArchive(**a);
    EXPECT_TRUE(v.ok()) << v.error().message;
    if (v) {
      for (const auto& p : v->problems) ADD_FAILURE() << p;
      EXPECT_TRUE(v->bundles == 1 || v->bundles == 2);
    }
    EXPECT_TRUE((*a)->exportBundle(*sha256File(base_), dir_.file("base.out")).ok());
    EXPECT_EQ(testing::readFileBytes(dir_.file("base.out")), testing::readFileBytes(base_));
    if (!(*a)->entry(victim_id_).ok()) return false;
    EXPECT_TRUE((*a)->exportBundle(victim_id_, dir_.file("victim.out")).ok());
    EXPECT_EQ(testing::readFileBytes(dir_.file("victim.out")), testing::readFileBytes(victim_));
    EXPECT_TRUE((*a)->remove(victim_id_).ok());  // start the next round without it
    return true;
  }

  testing::TempDir dir_;
  std::string archive_, base_, victim_;
  Sha256Digest victim_id_{};
};

TEST_F(ArchiveCrash, AnIngestKilledAtRandomPointsLeavesTheBundleWholeOrAbsent) {
  // How long an undisturbed ingest takes, to spread the kills over it.
  auto t0 = Clock::now();
  ASSERT_EQ(waitFor(ingestInChild(archive_, victim_)), 0);
  auto full = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
  ASSERT_TRUE(checkArchive());

  std::mt19937 rng(20240601);
  int killed = 0, completed = 0;
  // Rounds until 30 ingests were killed mid-way (about 60 when the machine
  // runs at an even pace; more when the host's speed changes under it).
  constexpr int kKills = 30, kMaxRounds = 300;
  for (int round = 0; killed < kKills && round < kMaxRounds; ++round) {
    // Mostly inside the ingest; every fifth round well after it could end.
    uint64_t limit = static_cast<uint64_t>(full.count()) * (round % 5 == 4 ? 3 : 1);
    auto delay = std::chrono::microseconds(std::uniform_int_distribution<uint64_t>(0, limit)(rng));
    pid_t pid = ingestInChild(archive_, victim_);
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    int status = waitFor(pid);
    bool died = WIFSIGNALED(status);
    ASSERT_TRUE(died || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << "round " << round;
    bool present = checkArchive();
    if (died) {
      ++killed;
    } else {
      ++completed;
      EXPECT_TRUE(present) << "round " << round << ": a finished ingest lost its bundle";
    }
    if (HasFailure()) FAIL() << "round " << round << " after " << delay.count() << " us";
  }
  std::printf("%d ingests killed, %d completed (an undisturbed one takes %lld us)\n", killed, completed,
              static_cast<long long>(full.count()));
  EXPECT_GE(killed, kKills);
}

TEST_F(ArchiveCrash, TwoIngestsAtOnceBothSucceed) {
  testing::SampleBundleSpec other;
  other.memory_bytes = 16 << 20;
  other.seed = 3;
  std::string second = dir_.file("second.tandem");
  ASSERT_TRUE(testing::writeSampleBundle(second, other).ok());
  pid_t a = ingestInChild(archive_, victim_);
  pid_t b = ingestInChild(archive_, second);
  EXPECT_EQ(waitFor(a), 0);
  EXPECT_EQ(waitFor(b), 0);
  auto arch = Archive::open(archive_, false);
  ASSERT_TRUE(arch.ok());
  auto entries = (*arch)->entries();
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 3u);
  auto v = verifyArchive(**arch);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->problems.empty());
}

}  // namespace
}  // namespace tandem
