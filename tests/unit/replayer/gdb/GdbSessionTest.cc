#include "replayer/gdb/GdbSession.h"

#include <gtest/gtest.h>

#include "replayer/gdb/GdbPacket.h"
#include "replayer/gdb/GdbTargetXml.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "tests/unit/replayer/gdb/GdbTestGuest.h"

namespace tandem::gdb {
namespace {

using test::hex32;
using test::kHigh;

class GdbSessionTest : public ::testing::Test {
 protected:
  explicit GdbSessionTest(LiveTargetOptions options = {})
      : target(*guest.machine, options), session(target, 0x4000) {}

  std::string send(std::string_view payload) {
    SessionReply r = session.handle(payload, io);
    return r.payload.value_or("<none>");
  }
  uint32_t eip() { return guest.machine->cpu().st.eip; }
  uint64_t icount() { return guest.machine->icount().value(); }
  std::string breakAt(const char* sym, uint32_t offset = 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "Z0,%x,1", guest.symbol(sym) + offset);
    return send(buf);
  }
  uint32_t peek32(const char* sym) {
    uint32_t v = 0;
    EXPECT_TRUE(guest.machine->memory().read(GuestPhys(guest.symbol(sym)), &v, 4));
    return v;
  }
  void poke32(const char* sym, uint32_t v) {
    char req[64];
    std::snprintf(req, sizeof req, "M%x,4:%s", guest.symbol(sym), hex32(v).c_str());
    EXPECT_EQ(send(req), "OK");
  }

  test::GdbTestGuest guest;
  LiveMachineTarget target;
  GdbSession session;
  test::RecordingIo io;
};

class ReadOnlyGdbSessionTest : public GdbSessionTest {
 protected:
  ReadOnlyGdbSessionTest() : GdbSessionTest(LiveTargetOptions{.allow_writes = false}) {}
};

TEST_F(GdbSessionTest, SupportedFeaturesOfALiveTargetLeaveOutReverse) {
  std::string r = send("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
  EXPECT_NE(r.find("PacketSize=4000"), std::string::npos);
  EXPECT_NE(r.find("qXfer:features:read+"), std::string::npos);
  EXPECT_NE(r.find("QStartNoAckMode+"), std::string::npos);
  EXPECT_NE(r.find("swbreak+"), std::string::npos);
  EXPECT_EQ(r.find("Reverse"), std::string::npos);
}

TEST_F(GdbSessionTest, TargetXmlReadsInPiecesAndEndsWithL) {
  std::string xml = i386TargetXml(), got;
  for (size_t offset = 0;;) {
    char req[64];
    std::snprintf(req, sizeof req, "qXfer:features:read:target.xml:%zx,100", offset);
    std::string r = send(req);
    ASSERT_FALSE(r.empty());
    ASSERT_TRUE(r[0] == 'm' || r[0] == 'l') << r;
    auto data = unescapeBinary(std::string_view(r).substr(1));
    ASSERT_TRUE(data);
    got.append(data->begin(), data->end());
    offset += data->size();
    if (r[0] == 'l') break;
  }
  EXPECT_EQ(got, xml);
  EXPECT_EQ(send("qXfer:features:read:other.xml:0,100"), "E00");
  EXPECT_EQ(send("qXfer:features:read:target.xml:zz,100"), "E01");
  EXPECT_EQ(send("qXfer:threads:read::0,100"), "");
}

TEST_F(GdbSessionTest, RegistersShowTheMultibootEntry) {
  std::string g = send("g");
  ASSERT_EQ(g.size(), kRegisterFileBytes * 2);
  EXPECT_EQ(g.substr(0, 8), hex32(0x2BADB002));  // eax: the multiboot magic
  EXPECT_EQ(send("p8"), hex32(guest.symbol("_start")));
  EXPECT_EQ(send("p8"), g.substr(8 * 8, 8));
  EXPECT_EQ(send("p20"), "E01");  // one past the last register
  EXPECT_EQ(send("pzz"), "E01");
}

TEST_F(GdbSessionTest, StopReplyCarriesThreadAndExpeditedRegisters) {
  std::string r = send("?");
  EXPECT_EQ(r.substr(0, 3), "T05");
  EXPECT_NE(r.find("thread:1;"), std::string::npos);
  EXPECT_NE(r.find("08:" + hex32(guest.symbol("_start")) + ";"), std::string::npos);
}

TEST_F(GdbSessionTest, StepRunsExactlyOneInstruction) {
  uint64_t before = icount();
  EXPECT_EQ(send("s").substr(0, 3), "T05");
  EXPECT_EQ(icount(), before + 1);
  EXPECT_EQ(send("vCont;s:1;c").substr(0, 3), "T05");
  EXPECT_EQ(icount(), before + 2);
}

TEST_F(GdbSessionTest, BreakpointStopsWhenEipReachesIt) {
  send("qSupported:swbreak+;hwbreak+");
  EXPECT_EQ(breakAt("paging_on"), "OK");
  std::string r = send("c");
  EXPECT_NE(r.find("swbreak:;"), std::string::npos) << r;
  EXPECT_EQ(eip(), guest.symbol("paging_on"));
  // Memory is untouched: no int3 was written.
  uint8_t byte = 0;
  ASSERT_TRUE(guest.machine->memory().read(GuestPhys(guest.symbol("paging_on")), &byte, 1));
  EXPECT_NE(byte, 0xCC);
}

TEST_F(GdbSessionTest, BreakpointAtAnInterruptHandlerStopsBeforeItsFirstInstruction) {
  // The CPU checks for breakpoints after it delivers the interrupt.
  breakAt("timer_handler");
  send("c");
  EXPECT_EQ(eip(), guest.symbol("timer_handler"));
  EXPECT_EQ(peek32("ticks"), 0u);
  send("c");
  EXPECT_EQ(eip(), guest.symbol("timer_handler"));
  EXPECT_EQ(peek32("ticks"), 1u);
}

TEST_F(GdbSessionTest, HandlerBreakpointIsSeenWhenTheInterruptComesMidStep) {
  // The interrupt that ends the HLT is delivered within a step.
  breakAt("timer_wait", 1);
  breakAt("timer_handler");
  send("c");
  EXPECT_EQ(eip(), guest.symbol("timer_wait") + 1);
  uint64_t at_hlt = icount();
  // The HLT retires; the CPU waits in it with EIP on the next instruction.
  send("s");
  EXPECT_EQ(eip(), guest.symbol("timer_wait") + 2);
  EXPECT_EQ(icount(), at_hlt + 1);
  // The next step delivers the interrupt and stops before the handler runs.
  send("s");
  EXPECT_EQ(eip(), guest.symbol("timer_handler"));
  EXPECT_EQ(peek32("ticks"), 0u);
  EXPECT_EQ(icount(), at_hlt + 1);
  send("c");
  EXPECT_EQ(eip(), guest.symbol("timer_wait") + 1);  // back on the HLT for the next tick
  EXPECT_EQ(peek32("ticks"), 1u);
}

TEST_F(GdbSessionTest, BreakpointFarFromTheRunningCodeIsReached) {
  poke32("spin_iterations", 200000);
  breakAt("far_function");
  send("c");
  EXPECT_EQ(eip(), guest.symbol("far_function"));
  EXPECT_GT(icount(), 400000u);
  EXPECT_EQ(peek32("far_calls"), 0u);
}

TEST_F(GdbSessionTest, ContinueFromABreakpointMovesOnToTheNextHit) {
  char req[64];
  std::snprintf(req, sizeof req, "Z1,%x,1", guest.symbol("bump"));
  EXPECT_EQ(send(req), "OK");
  send("c");
  EXPECT_EQ(eip(), guest.symbol("bump"));
  uint64_t first = icount();
  send("c");
  EXPECT_EQ(eip(), guest.symbol("bump"));
  EXPECT_GT(icount(), first);
  std::snprintf(req, sizeof req, "z1,%x,1", guest.symbol("bump"));
  EXPECT_EQ(send(req), "OK");
}

TEST_F(GdbSessionTest, WriteWatchpointStopsRightAfterTheWritingInstruction) {
  char req[64];
  std::snprintf(req, sizeof req, "Z2,%x,4", kHigh + guest.symbol("counter"));
  EXPECT_EQ(send(req), "OK");
  std::string r = send("c");
  char want[32];
  std::snprintf(want, sizeof want, "watch:%x;", kHigh + guest.symbol("counter"));
  EXPECT_NE(r.find(want), std::string::npos) << r;
  // bump_store is a 5-byte MOV [moffs32], EAX; EIP is on the next one.
  EXPECT_EQ(eip(), guest.symbol("bump_store") + 5);
}

TEST_F(GdbSessionTest, ReadWatchpointIgnoresWritesAndAccessWatchpointSeesBoth) {
  char req[64];
  std::snprintf(req, sizeof req, "Z3,%x,4", kHigh + guest.symbol("counter"));
  EXPECT_EQ(send(req), "OK");
  EXPECT_NE(send("c").find("rwatch:"), std::string::npos);
  // The read is bump's first instruction (a 5-byte MOV EAX, [moffs32]).
  EXPECT_EQ(eip(), guest.symbol("bump") + 5);
  std::snprintf(req, sizeof req, "z3,%x,4", kHigh + guest.symbol("counter"));
  EXPECT_EQ(send(req), "OK");
  std::snprintf(req, sizeof req, "Z4,%x,1", kHigh + guest.symbol("counter") + 1);
  EXPECT_EQ(send(req), "OK");
  std::string r = send("c");
  char want[32];
  std::snprintf(want, sizeof want, "awatch:%x;", kHigh + guest.symbol("counter") + 1);
  EXPECT_NE(r.find(want), std::string::npos) << r;
  EXPECT_EQ(eip(), guest.symbol("bump_store") + 5);
}

TEST_F(GdbSessionTest, MemoryReadsGoThroughThePageTables) {
  breakAt("paging_on");
  send("c");
  char req[64];
  std::snprintf(req, sizeof req, "m%x,4", kHigh + guest.symbol("read_me"));
  EXPECT_EQ(send(req), hex32(0x600DF00D));
  std::snprintf(req, sizeof req, "m%x,4", guest.symbol("read_me"));
  EXPECT_EQ(send(req), hex32(0x600DF00D));
  // Unmapped: nothing there.
  EXPECT_EQ(send("m80000000,4"), "E14");
  // A read that runs off the mapped area returns the part that is mapped.
  std::snprintf(req, sizeof req, "m%x,8", kHigh + 0x400000 - 4);
  EXPECT_EQ(send(req).size(), 8u);
}

TEST_F(GdbSessionTest, MemoryReadIsCappedToThePacketSize) {
  std::string r = send("m100000,100000");
  EXPECT_EQ(r.size(), 0x4000u);
  EXPECT_EQ(send("m100000000,4"), "E14");
  EXPECT_EQ(send("mfffffffe,100"), "E14");  // paging is off: beyond RAM
}

TEST_F(GdbSessionTest, LiveTargetAcceptsMemoryAndRegisterWrites) {
  uint32_t counter = guest.symbol("counter");
  char req[64];
  std::snprintf(req, sizeof req, "M%x,4:%s", counter, hex32(0x1234).c_str());
  EXPECT_EQ(send(req), "OK");
  std::snprintf(req, sizeof req, "m%x,4", counter);
  EXPECT_EQ(send(req), hex32(0x1234));
  std::snprintf(req, sizeof req, "X%x,1:}\x03", counter);  // an escaped '#'
  EXPECT_EQ(send(req), "OK");
  std::snprintf(req, sizeof req, "m%x,1", counter);
  EXPECT_EQ(send(req), "23");
  EXPECT_EQ(send("P0=" + hex32(77)), "OK");
  EXPECT_EQ(guest.machine->cpu().st.gpr[EAX], 77u);
  EXPECT_EQ(send("Pa=" + hex32(0x08)).substr(0, 2), "E.");  // cs
}

TEST_F(ReadOnlyGdbSessionTest, WritesAreRefusedWithTheTargetsReason) {
  std::string r = send("P0=" + hex32(1));
  EXPECT_EQ(r.substr(0, 2), "E.");
  EXPECT_NE(r.find("read-only"), std::string::npos) << r;
  EXPECT_EQ(send("M100000,1:00").substr(0, 2), "E.");
  EXPECT_EQ(send("X100000,1:a").substr(0, 2), "E.");
  EXPECT_EQ(send("G" + send("g")).substr(0, 2), "E.");
  EXPECT_EQ(send("X100000,0:"), "OK");  // gdb's probe writes nothing
  EXPECT_EQ(send("c100000").substr(0, 2), "E.");
}

TEST_F(GdbSessionTest, MonitorOutputComesAsConsolePackets) {
  EXPECT_EQ(send("qRcmd," + toHex(std::string_view("icount"))), "OK");
  EXPECT_EQ(io.consoleText(), "icount 0\n");
  io.sent.clear();
  send("qRcmd," + toHex(std::string_view("seek 100")));
  EXPECT_NE(io.consoleText().find("has no time travel"), std::string::npos);
  io.sent.clear();
  send("qRcmd," + toHex(std::string_view("phys 0x100000 4")));
  EXPECT_EQ(io.consoleText(), "00100000: 02 b0 ad 1b\n");
  io.sent.clear();
  send("qRcmd," + toHex(std::string_view("frobnicate")));
  EXPECT_NE(io.consoleText().find("unknown monitor command"), std::string::npos);
  EXPECT_EQ(send("qRcmd,zz"), "E01");
}

TEST_F(GdbSessionTest, DigestChangesWhenTheMachineRuns) {
  send("qRcmd," + toHex(std::string_view("digest")));
  std::string before = io.consoleText();
  io.sent.clear();
  send("qRcmd," + toHex(std::string_view("digest")));
  EXPECT_EQ(io.consoleText(), before);
  io.sent.clear();
  send("s");
  send("qRcmd," + toHex(std::string_view("digest")));
  EXPECT_NE(io.consoleText(), before);
}

TEST_F(GdbSessionTest, ReverseExecutionIsRefusedWithoutTimeTravel) {
  std::string r = send("bs");
  EXPECT_EQ(r.substr(0, 2), "E.");
  EXPECT_NE(r.find("has no time travel"), std::string::npos);
  EXPECT_EQ(send("bc").substr(0, 2), "E.");
  EXPECT_EQ(icount(), 0u);
}

TEST_F(GdbSessionTest, PowerOffIsReportedAsExitAndStaysSo) {
  std::string r = send("c");
  EXPECT_EQ(r, "W00");
  EXPECT_NE(io.consoleText().find("powered off"), std::string::npos);
  EXPECT_EQ(guest.console, "PASS\n");
  EXPECT_EQ(send("?"), "W00");
  EXPECT_EQ(send("s"), "W00");
}

TEST_F(GdbSessionTest, InterruptStopsAContinueWithSigint) {
  poke32("spin_iterations", 0xFFFFFFFF);
  io.interrupt_after = 2;
  EXPECT_EQ(send("c").substr(0, 3), "T02");
  EXPECT_EQ(io.polls, 3);
  EXPECT_EQ(eip() - guest.symbol("spin") <= 2, true);
}

TEST(GdbStopReply, NamesEachReasonTheWayGdbReadsIt) {
  I386Registers regs{};
  regs.gpr[ESP] = 0x1000;
  regs.eip = 0xC0100000;
  using Kind = StopEvent::Kind;
  GdbSession::StopFeatures both{true, true}, none{};
  StopEvent e;
  EXPECT_EQ(GdbSession::formatStopReply(e, regs, both),
            "T05thread:1;04:00100000;05:00000000;08:000010c0;");
  e.kind = Kind::kBreakpoint;
  e.breakpoint = BreakKind::kHardware;
  EXPECT_NE(GdbSession::formatStopReply(e, regs, both).find("T05thread:1;hwbreak:;"),
            std::string::npos);
  // A client that did not ask for swbreak/hwbreak gets a plain SIGTRAP.
  EXPECT_EQ(GdbSession::formatStopReply(e, regs, none).find("break"), std::string::npos);
  e.kind = Kind::kWatchpoint;
  e.watch = WatchKind::kAccess;
  e.watch_address = 0xC0101004;
  EXPECT_NE(GdbSession::formatStopReply(e, regs, none).find("awatch:c0101004;"), std::string::npos);
  e.kind = Kind::kHistoryBegin;
  EXPECT_NE(GdbSession::formatStopReply(e, regs, none).find("T05thread:1;replaylog:begin;"),
            std::string::npos);
  e.kind = Kind::kHistoryEnd;
  EXPECT_NE(GdbSession::formatStopReply(e, regs, none).find("replaylog:end;"), std::string::npos);
  e.kind = Kind::kSignal;
  e.signal = gdb_signal::kSegv;
  EXPECT_EQ(GdbSession::formatStopReply(e, regs, none).substr(0, 3), "T0b");
  e.kind = Kind::kExited;
  e.exit_code = 3;
  EXPECT_EQ(GdbSession::formatStopReply(e, regs, none), "W03");
}

TEST_F(GdbSessionTest, MonitorEventsCountIsBounded) {
  send("qRcmd," + toHex(std::string_view("events 100000")));
  EXPECT_NE(io.consoleText().find("usage: events [N]"), std::string::npos);
}

TEST_F(GdbSessionTest, ThreadQueriesDescribeOneThread) {
  EXPECT_EQ(send("qC"), "QC1");
  EXPECT_EQ(send("qfThreadInfo"), "m1");
  EXPECT_EQ(send("qsThreadInfo"), "l");
  EXPECT_EQ(send("qAttached"), "1");
  EXPECT_EQ(send("Hg0"), "OK");
  EXPECT_EQ(send("Hc-1"), "OK");
  EXPECT_EQ(send("Hgp1.1"), "OK");
  EXPECT_EQ(send("Hg2"), "E02");
  EXPECT_EQ(send("T1"), "OK");
  EXPECT_EQ(send("T2"), "E02");
}

TEST_F(GdbSessionTest, UnknownPacketsGetAnEmptyReply) {
  EXPECT_EQ(send("qTStatus"), "");
  EXPECT_EQ(send("vMustReplyEmpty"), "");
  EXPECT_EQ(send("!"), "");
  EXPECT_EQ(send(""), "");
  EXPECT_EQ(send("Z9,0,0"), "");
  EXPECT_EQ(send("vCont;r1000,2000"), "E01");
  EXPECT_EQ(send(std::string("\xff\x00\x01", 3)), "");
}

TEST_F(GdbSessionTest, MalformedArgumentsGetE01) {
  for (const char* p : {"m", "m10", "mzz,1", "m10,", "M10,2:00", "M10,1:zz", "M10,1", "X10,2:a",
                        "Z0", "Z0,", "Z0,zz,1", "Z2,100,0", "P", "P0", "P0=12", "Pzz=00000000",
                        "G12", "Cxx", "S", "H", "vCont;", "vCont;x", "vCont;s:2"})
    EXPECT_EQ(send(p), "E01") << p;
  EXPECT_EQ(icount(), 0u);
}

TEST_F(GdbSessionTest, DetachAndKillEndTheSession) {
  SessionReply d = session.handle("D", io);
  EXPECT_EQ(d.payload, "OK");
  EXPECT_EQ(d.then, SessionReply::Then::kDetach);
  SessionReply k = session.handle("k", io);
  EXPECT_FALSE(k.payload);
  EXPECT_EQ(k.then, SessionReply::Then::kKill);
  SessionReply vk = session.handle("vKill;1", io);
  EXPECT_EQ(vk.then, SessionReply::Then::kKill);
  EXPECT_TRUE(session.handle("QStartNoAckMode", io).start_no_ack);
}

}  // namespace
}  // namespace tandem::gdb
