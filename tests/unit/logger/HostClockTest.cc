#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "logger/HostClock.h"

namespace tandem {
namespace {

using std::chrono::milliseconds;

struct Pipe {
  int fd[2];
  Pipe() { EXPECT_EQ(pipe(fd), 0); }
  ~Pipe() {
    close(fd[0]);
    if (fd[1] >= 0) close(fd[1]);
  }
  void send(const char* s) { ASSERT_EQ(write(fd[1], s, strlen(s)), ssize_t(strlen(s))); }
  void closeWriter() {
    close(fd[1]);
    fd[1] = -1;
  }
};

uint64_t hostMs() {
  return uint64_t(
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

TEST(HostClock, GuestTimeMeetsTheHostsAtPollsFromPowerOn) {
  HostClock c;
  uint64_t t0 = c.clockNs(Icount(0), ClockRead::kPoll);
  EXPECT_LT(t0, 1000000000u);  // measured from construction
  std::this_thread::sleep_for(milliseconds(30));
  uint64_t t1 = c.clockNs(Icount(0), ClockRead::kPoll);
  EXPECT_GE(t1 - t0, 30000000u);
  EXPECT_LT(t1 - t0, 10000000000u);
}

TEST(HostClock, BetweenPollsGuestTimeGoesOnAtTheInstructionRateMeasured) {
  HostClock c;
  // 100,000 instructions every 2 ms: 20,000 ps per instruction.
  for (uint64_t k = 0; k <= 40; ++k) {
    c.clockNs(Icount(k * 100000), ClockRead::kPoll);
    std::this_thread::sleep_for(milliseconds(2));
  }
  uint32_t ps = c.psPerInstruction();
  EXPECT_GT(ps, 12000u);  // a little under the measured rate, whatever the sleeps' overshoot
  EXPECT_LT(ps, 40000u);
  // Reads between polls cost no host call: they follow the rate exactly.
  uint64_t a = c.clockNs(Icount(4'000'000), ClockRead::kTsc);
  uint64_t b = c.clockNs(Icount(4'001'000), ClockRead::kTsc);
  EXPECT_EQ(b - a, 1000u * ps / 1000);
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(c.clockNs(Icount(4'001'000), ClockRead::kPit), b);
  // The next poll moves guest time on to the host's.
  EXPECT_GE(c.clockNs(Icount(4'001'000), ClockRead::kPoll), b + 15'000'000);
}

TEST(HostClock, TimeTheMonitorHeldTheGuestStillIsLeftOut) {
  HostClock c;
  uint64_t t0 = c.clockNs(Icount(0), ClockRead::kPoll);
  std::this_thread::sleep_for(milliseconds(50));
  c.hostPaused(45'000'000);
  uint64_t t1 = c.clockNs(Icount(0), ClockRead::kIdle);
  EXPECT_GE(t1 - t0, 5'000'000u);
  EXPECT_LT(t1 - t0, 40'000'000u);  // 50 ms passed, 45 of them paused
}

TEST(HostClock, ReadingsNeverDecrease) {
  HostClock c;
  uint64_t last = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t t = c.clockNs(Icount(i), ClockRead::kTsc);
    ASSERT_GE(t, last);
    last = t;
  }
}

TEST(HostClock, BootDateIsTheHostRealTime) {
  HostClock c;
  int64_t now = std::time(nullptr);
  EXPECT_LE(std::abs(c.bootEpochSeconds() - now), 5);
}

TEST(HostClock, SerialInputReturnsWhatIsAvailableWithoutBlocking) {
  Pipe p;
  HostClock c(p.fd[0]);
  uint8_t buf[16];
  uint64_t before = hostMs();
  EXPECT_EQ(c.serialInput(Icount(0), buf, sizeof buf), 0u);
  EXPECT_LT(hostMs() - before, 1000u);
  p.send("ls\n");
  EXPECT_EQ(c.serialInput(Icount(0), buf, 2), 2u);
  EXPECT_EQ(c.serialInput(Icount(0), buf + 2, sizeof buf), 1u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 3), "ls\n");
}

TEST(HostClock, EndOfInputIsNoticedAndNotReadAgain) {
  Pipe p;
  HostClock c(p.fd[0]);
  p.closeWriter();
  uint8_t buf[4];
  EXPECT_EQ(c.serialInput(Icount(0), buf, sizeof buf), 0u);
  EXPECT_TRUE(c.inputClosed());
  // A closed input no longer wakes an idle wait early.
  uint64_t deadline = c.clockNs(Icount(0), ClockRead::kIdle) + 20000000;
  c.idleUntil(Icount(0), deadline);
  EXPECT_GE(c.clockNs(Icount(0), ClockRead::kIdle), deadline);
}

TEST(HostClock, IdleWaitSleepsUntilTheDeadline) {
  HostClock c;
  uint64_t deadline = c.clockNs(Icount(0), ClockRead::kIdle) + 25000000;
  c.idleUntil(Icount(0), deadline);
  EXPECT_GE(c.clockNs(Icount(0), ClockRead::kIdle), deadline);
}

TEST(HostClock, IdleWaitEndsEarlyWhenInputArrives) {
  Pipe p;
  HostClock c(p.fd[0]);
  std::thread typist([&] {
    std::this_thread::sleep_for(milliseconds(20));
    p.send("x");
  });
  uint64_t start = c.clockNs(Icount(0), ClockRead::kIdle);
  c.idleUntil(Icount(0), start + 60ull * 1000000000);
  typist.join();
  EXPECT_LT(c.clockNs(Icount(0), ClockRead::kIdle) - start, 30ull * 1000000000);
  uint8_t b;
  EXPECT_EQ(c.serialInput(Icount(0), &b, 1), 1u);
  EXPECT_EQ(b, 'x');
}

TEST(HostClock, IdleWithNothingToWaitForReturnsAtOnce) {
  HostClock c;
  uint64_t before = hostMs();
  c.idleUntil(Icount(0), UINT64_MAX);
  EXPECT_LT(hostMs() - before, 1000u);
}

}  // namespace
}  // namespace tandem
