// The stub's reverse execution against the live target with time travel
// (the gdb test guest on the virtual clock).
#include <gtest/gtest.h>

#include "replayer/TimeTravel.h"
#include "replayer/VirtualClockCheckpoints.h"
#include "replayer/gdb/GdbPacket.h"
#include "replayer/gdb/GdbSession.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "tests/unit/replayer/gdb/GdbTestGuest.h"

namespace tandem::gdb {
namespace {

using test::hex32;
using test::kHigh;

TimeTravelOptions shortStretches() {
  TimeTravelOptions o;
  o.interval = 2'000;
  o.near = 500;
  o.slice = 1'000;
  return o;
}

class GdbReverseSessionTest : public ::testing::Test {
 protected:
  std::string send(std::string_view payload) {
    SessionReply r = session.handle(payload, io);
    return r.payload.value_or("<none>");
  }
  std::string monitor(std::string_view command) {
    io.sent.clear();
    EXPECT_EQ(send("qRcmd," + toHex(command)), "OK");
    return io.consoleText();
  }
  uint32_t eip() { return guest.machine->cpu().st.eip; }
  uint64_t icount() { return guest.machine->icount().value(); }
  std::string packet(const char* fmt, uint32_t address) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, address);
    return buf;
  }
  uint32_t counter() {
    uint32_t v = 0;
    EXPECT_TRUE(guest.machine->memory().read(GuestPhys(guest.symbol("counter")), &v, 4));
    return v;
  }

  test::GdbTestGuest guest;
  VirtualClockCheckpoints clock_state{guest.clock};
  TimeTravel time_travel{*guest.machine, clock_state, nullptr, shortStretches()};
  LiveMachineTarget target{*guest.machine, {}, &time_travel};
  GdbSession session{target, 0x4000};
  test::RecordingIo io;
};

TEST_F(GdbReverseSessionTest, SupportedFeaturesIncludeReverseStepAndContinue) {
  std::string r = send("qSupported:swbreak+;hwbreak+");
  EXPECT_NE(r.find("ReverseStep+"), std::string::npos) << r;
  EXPECT_NE(r.find("ReverseContinue+"), std::string::npos) << r;
}

TEST_F(GdbReverseSessionTest, ReverseStepGoesBackExactlyOneInstruction) {
  std::vector<std::string> regs{send("g")};
  for (int k = 0; k < 40; ++k) {
    ASSERT_EQ(send("s").substr(0, 3), "T05");
    regs.push_back(send("g"));
  }
  ASSERT_EQ(icount(), 40u);
  for (uint64_t at = 39;; --at) {
    EXPECT_EQ(send("bs").substr(0, 3), "T05");
    EXPECT_EQ(icount(), at);
    EXPECT_EQ(send("g"), regs[at]) << "at " << at;
    if (at == 30) break;
  }
}

TEST_F(GdbReverseSessionTest, ReverseStepAtTheStartReportsTheBeginningOfHistory) {
  EXPECT_NE(send("bs").find("replaylog:begin"), std::string::npos);
  EXPECT_EQ(icount(), 0u);
}

TEST_F(GdbReverseSessionTest, ReverseContinueStopsAtEachEarlierBreakpointHit) {
  send("qSupported:swbreak+");
  ASSERT_EQ(send(packet("Z0,%x,1", guest.symbol("bump_store"))), "OK");
  std::vector<uint64_t> hits;
  for (int k = 0; k < 4; ++k) {
    ASSERT_NE(send("c").find("swbreak"), std::string::npos);
    hits.push_back(icount());
  }
  for (int k = 2; k >= 0; --k) {
    std::string r = send("bc");
    EXPECT_NE(r.find("swbreak"), std::string::npos) << r;
    EXPECT_EQ(icount(), hits[k]);
    EXPECT_EQ(eip(), guest.symbol("bump_store"));
    EXPECT_EQ(counter(), static_cast<uint32_t>(k));
  }
  EXPECT_NE(send("bc").find("replaylog:begin"), std::string::npos);
  EXPECT_EQ(icount(), 0u);
  // And forward again, through the same hits.
  send("c");
  EXPECT_EQ(icount(), hits[0]);
}

TEST_F(GdbReverseSessionTest, ReverseWatchStopsBeforeTheWritingInstruction) {
  uint32_t watched = kHigh + guest.symbol("counter");
  ASSERT_EQ(send(packet("Z2,%x,4", watched)), "OK");
  send("c");
  send("c");
  ASSERT_EQ(counter(), 2u);
  std::string r = send("bc");
  EXPECT_NE(r.find(packet("watch:%x;", watched)), std::string::npos) << r;
  EXPECT_EQ(eip(), guest.symbol("bump_store"));
  EXPECT_EQ(counter(), 1u);  // as gdb then shows it: back to its old value
  EXPECT_NE(send("bc").find("watch:"), std::string::npos);
  EXPECT_EQ(counter(), 0u);
}

TEST_F(GdbReverseSessionTest, MonitorSeekGoesToTheIcountEitherWay) {
  EXPECT_NE(monitor("seek 3000").find("at icount 3000;"), std::string::npos);
  EXPECT_EQ(icount(), 3000u);
  std::string at3000 = send("g");
  EXPECT_NE(monitor("seek 1234").find("at icount 1234;"), std::string::npos);
  EXPECT_EQ(icount(), 1234u);
  monitor("seek 3000");
  EXPECT_EQ(send("g"), at3000);
  EXPECT_EQ(monitor("icount"), "icount 3000\n");
  EXPECT_NE(monitor("help").find("history from icount 0 to 3000"), std::string::npos);
}

TEST_F(GdbReverseSessionTest, AWriteBecomesHistoryFromItsInstantOn) {
  ASSERT_EQ(send(packet("Z0,%x,1", guest.symbol("after_loop"))), "OK");
  send("c");
  uint64_t at = icount();
  ASSERT_EQ(counter(), 10u);
  ASSERT_EQ(send(packet("M%x,4:", guest.symbol("counter")) + hex32(77)), "OK");
  // One step back is the old history; stepping forward again arrives at
  // the written memory.
  send("bs");
  EXPECT_EQ(icount(), at - 1);
  EXPECT_EQ(counter(), 10u);
  send("s");
  EXPECT_EQ(icount(), at);
  EXPECT_EQ(counter(), 77u);
}

TEST_F(GdbReverseSessionTest, CtrlCStopsAReverseContinue) {
  ASSERT_NE(monitor("seek 6000").find("at icount 6000;"), std::string::npos);
  ASSERT_EQ(send(packet("Z0,%x,1", 0x300000)), "OK");  // never reached
  io.interrupt_after = 0;
  EXPECT_EQ(send("bc").substr(0, 3), "T02");
  EXPECT_LT(icount(), 6000u);
}

TEST(GdbHistoryEnd, ForwardRunsStopAtTheEndOfHistoryAndSeeksGoNoFurther) {
  test::GdbTestGuest guest;
  VirtualClockCheckpoints clock_state{guest.clock};
  TimeTravel time_travel{*guest.machine, clock_state, nullptr, shortStretches()};
  LiveMachineTarget target{*guest.machine, {.allow_writes = false, .end_icount = 3000},
                           &time_travel};
  GdbSession session{target, 0x4000};
  test::RecordingIo io;
  auto send = [&](std::string_view p) { return session.handle(p, io).payload.value_or(""); };
  EXPECT_NE(send("c").find("replaylog:end"), std::string::npos);
  EXPECT_EQ(guest.machine->icount().value(), 3000u);
  EXPECT_NE(send("s").find("replaylog:end"), std::string::npos);
  EXPECT_EQ(send("bs").substr(0, 3), "T05");
  EXPECT_EQ(guest.machine->icount().value(), 2999u);
  send("qRcmd," + toHex(std::string_view("seek 3001")));
  EXPECT_NE(io.consoleText().find("past the end of history (icount 3000)"), std::string::npos);
}

}  // namespace
}  // namespace tandem::gdb
