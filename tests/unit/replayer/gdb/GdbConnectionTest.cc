#include "replayer/gdb/GdbConnection.h"

#include <gtest/gtest.h>

#include "replayer/gdb/BufferChannel.h"
#include "replayer/gdb/GdbPacket.h"
#include "replayer/gdb/LiveMachineTarget.h"
#include "tests/unit/replayer/gdb/GdbTestGuest.h"

namespace tandem::gdb {
namespace {

using test::hex32;

// Runs a connection over `input` (read `chunk` bytes at a time) and
// returns what the stub sent.
struct Served {
  std::string output;
  GdbConnection::End end;
  GdbConnection::Stats stats;
};

class GdbConnectionTest : public ::testing::Test {
 protected:
  GdbConnectionTest() : target(*guest.machine, LiveTargetOptions{}) {}

  Served run(const std::string& input, size_t chunk = 4096) {
    BufferChannel channel(std::span(reinterpret_cast<const uint8_t*>(input.data()), input.size()),
                          chunk);
    GdbConnection c(channel, target);
    GdbConnection::End end = c.serve();
    return {channel.output(), end, c.stats()};
  }

  test::GdbTestGuest guest;
  LiveMachineTarget target;
};

TEST_F(GdbConnectionTest, AcknowledgesEachPacketBeforeItsReply) {
  Served r = run("+" + framePacket("qC") + "+" + framePacket("qAttached") + "+");
  EXPECT_EQ(r.output, "+" + framePacket("QC1") + "+" + framePacket("1"));
  EXPECT_EQ(r.end, GdbConnection::End::kClosed);
  EXPECT_EQ(r.stats.packets, 2u);
}

TEST_F(GdbConnectionTest, BadChecksumGetsANackAndNoReply) {
  Served r = run("$qC#00" + framePacket("qC"));
  EXPECT_EQ(r.output, "-+" + framePacket("QC1"));
  EXPECT_EQ(r.stats.bad_checksums, 1u);
}

TEST_F(GdbConnectionTest, NackResendsTheLastReplyABoundedNumberOfTimes) {
  Served r = run(framePacket("qC") + "-");
  EXPECT_EQ(r.output, "+" + framePacket("QC1") + framePacket("QC1"));
  std::string many(50, '-');
  r = run(framePacket("qC") + many);
  std::string want = "+";
  for (unsigned i = 0; i <= GdbConnection::kMaxResends; ++i) want += framePacket("QC1");
  EXPECT_EQ(r.output, want);
  // A nack with nothing sent yet is ignored.
  EXPECT_EQ(run("---").output, "");
}

TEST_F(GdbConnectionTest, NoAckModeStopsAcknowledgementsAfterItsOk) {
  Served r = run(framePacket("QStartNoAckMode") + "+" + framePacket("qC") + "-" + "$qC#00" +
              framePacket("qfThreadInfo"));
  EXPECT_EQ(r.output, "+" + framePacket("OK") + framePacket("QC1") + framePacket("m1"));
  EXPECT_EQ(r.stats.bad_checksums, 1u);
}

TEST_F(GdbConnectionTest, OverlongPacketGetsAnErrorAndTheStreamGoesOn) {
  std::string big = "m" + std::string(GdbConnection::kPacketSize * 3, '0');
  Served r = run(framePacket(big) + framePacket("qC"));
  EXPECT_EQ(r.output, "+" + framePacket("E01") + "+" + framePacket("QC1"));
  EXPECT_EQ(r.stats.too_long, 1u);
}

TEST_F(GdbConnectionTest, BinaryJunkBetweenPacketsIsIgnored) {
  std::string junk;
  for (int i = 0; i < 256; ++i)
    if (i != '$' && i != '+' && i != '-' && i != 3) junk += static_cast<char>(i);
  Served r = run(junk + framePacket("qC") + junk);
  EXPECT_EQ(r.output, "+" + framePacket("QC1"));
}

TEST_F(GdbConnectionTest, MonitorOutputPrecedesTheOk) {
  Served r = run(framePacket("qRcmd," + toHex(std::string_view("icount"))));
  EXPECT_EQ(r.output,
            "+" + framePacket("O" + toHex(std::string_view("icount 0\n"))) + framePacket("OK"));
}

TEST_F(GdbConnectionTest, InterruptByteStopsARunningTarget) {
  char poke[64];
  std::snprintf(poke, sizeof poke, "M%x,4:%s", guest.symbol("spin_iterations"),
                hex32(0xFFFFFFFF).c_str());
  // Ctrl-C arrives right behind the continue, one byte per read.
  Served r = run(framePacket(poke) + framePacket("c") + "\x03" + framePacket("qC"), 1);
  std::string stop = r.output.substr(r.output.find(framePacket("OK")) + 6);
  EXPECT_EQ(stop.substr(0, 5), "+$T02") << r.output;
  EXPECT_NE(r.output.find(framePacket("QC1")), std::string::npos);
  EXPECT_LT(guest.machine->icount().value(), 3 * LiveTargetOptions{}.slice);
}

TEST_F(GdbConnectionTest, PacketsFloodingARunAreBoundedAndTheInterruptStillSeen) {
  char poke[64];
  std::snprintf(poke, sizeof poke, "M%x,4:%s", guest.symbol("spin_iterations"),
                hex32(0xFFFFFFFF).c_str());
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += framePacket("qC");
  Served r = run(framePacket(poke) + framePacket("c") + flood + "\x03");
  EXPECT_NE(r.output.find("$T02"), std::string::npos);
  EXPECT_EQ(r.stats.dropped_while_running, 1000 - GdbConnection::kMaxPending);
  EXPECT_EQ(r.stats.packets, 2 + GdbConnection::kMaxPending);
}

TEST_F(GdbConnectionTest, InterruptWhileStoppedIsIgnored) {
  Served r = run("\x03" + framePacket("qC"));
  EXPECT_EQ(r.output, "+" + framePacket("QC1"));
  EXPECT_EQ(guest.machine->icount().value(), 0u);
}

TEST_F(GdbConnectionTest, ClientGoingAwayStopsARun) {
  char poke[64];
  std::snprintf(poke, sizeof poke, "M%x,4:%s", guest.symbol("spin_iterations"),
                hex32(0xFFFFFFFF).c_str());
  Served r = run(framePacket(poke) + framePacket("c"));
  EXPECT_EQ(r.end, GdbConnection::End::kClosed);
  EXPECT_LT(guest.machine->icount().value(), 3 * LiveTargetOptions{}.slice);
}

TEST_F(GdbConnectionTest, DetachAndKillEndTheConnection) {
  Served r = run(framePacket("D") + framePacket("qC"));
  EXPECT_EQ(r.output, "+" + framePacket("OK"));
  EXPECT_EQ(r.end, GdbConnection::End::kDetached);
  r = run(framePacket("k") + framePacket("qC"));
  EXPECT_EQ(r.output, "+");
  EXPECT_EQ(r.end, GdbConnection::End::kKilled);
}

TEST_F(GdbConnectionTest, ErrorTextIsMadeSafeToFrame) {
  // A read-only refusal contains no framing characters, but an error from
  // a target may: the reply must still frame.
  Served r = run(framePacket("Pa=" + hex32(8)));
  ASSERT_GE(r.output.size(), 5u);
  std::string framed = r.output.substr(1);
  EXPECT_EQ(framed.find('#'), framed.size() - 3);
  EXPECT_EQ(framed.substr(0, 3), "$E.");
}

}  // namespace
}  // namespace tandem::gdb
