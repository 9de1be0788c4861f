#include <gtest/gtest.h>

#include "logger/VirtualClock.h"
#include "tools/PromptGate.h"

namespace tandem::cli {
namespace {

struct Rig {
  explicit Rig(const std::string& input) : out(-1), gate(clock, out, "$ ") {
    clock.feedInput(std::span(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
  }
  void print(const std::string& s) {
    for (char c : s) out.consoleWrite(static_cast<uint8_t>(c));
  }
  std::string take(size_t max = 16) {
    uint8_t buf[64];
    size_t n = gate.serialInput(Icount(0), buf, max);
    return std::string(reinterpret_cast<char*>(buf), n);
  }
  VirtualClock clock;
  ConsoleOutput out;
  PromptGate gate;
};

TEST(PromptGate, HoldsInputUntilThePromptThenSendsOneLine) {
  Rig r("ls\npwd\n");
  EXPECT_EQ(r.take(), "");
  r.print("booting...\n");
  EXPECT_EQ(r.take(), "");
  r.print("$ ");
  EXPECT_EQ(r.take(), "ls\n");
  EXPECT_EQ(r.take(), "");  // the same prompt does not answer twice
  r.print("ls\r\nbin etc\r\n$ ");
  EXPECT_EQ(r.take(), "pwd\n");
  EXPECT_EQ(r.gate.released(), 7u);
  EXPECT_EQ(r.gate.held(), 0u);
}

TEST(PromptGate, CursorQueriesAfterThePromptAreNotPartOfIt) {
  Rig r("uname\n");
  r.print("$ \x1b[6n");
  EXPECT_EQ(r.take(), "uname\n");
}

TEST(PromptGate, LineLongerThanTheRoomGoesOnWithoutANewPrompt) {
  Rig r("abcdefg\nnext\n");
  r.print("$ ");
  EXPECT_EQ(r.take(3), "abc");
  EXPECT_TRUE(r.gate.promptSeen());
  EXPECT_EQ(r.take(3), "def");
  EXPECT_EQ(r.take(3), "g\n");
  EXPECT_FALSE(r.gate.promptSeen());
  EXPECT_EQ(r.take(3), "");
  EXPECT_EQ(r.gate.held(), 5u);
}

TEST(PromptGate, AssumedPromptSendsTheFirstLineAtOnce) {
  Rig r("one\ntwo\n");
  r.gate.assumePrompt();
  EXPECT_TRUE(r.gate.promptSeen());
  EXPECT_EQ(r.take(), "one\n");
  EXPECT_EQ(r.take(), "");
}

TEST(PromptGate, InputHeldBackStillCountsAsPossibleInput) {
  Rig r("x\n");
  EXPECT_TRUE(r.gate.inputPossible());
  r.take();  // drains the clock into the gate
  EXPECT_FALSE(r.clock.inputPossible());
  EXPECT_TRUE(r.gate.inputPossible());
}

}  // namespace
}  // namespace tandem::cli
