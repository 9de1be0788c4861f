#include "replayer/gdb/GdbPacket.h"

#include <gtest/gtest.h>

#include "replayer/gdb/GdbPacketReader.h"

namespace tandem::gdb {
namespace {

std::vector<PacketEvent> feedAll(GdbPacketReader& r, std::string_view bytes) {
  std::vector<PacketEvent> out;
  for (char c : bytes)
    if (auto e = r.feed(static_cast<uint8_t>(c))) out.push_back(std::move(*e));
  return out;
}

TEST(GdbPacket, ChecksumIsTheByteSumModulo256) {
  EXPECT_EQ(packetChecksum(""), 0);
  EXPECT_EQ(packetChecksum("OK"), ('O' + 'K') & 0xFF);
  EXPECT_EQ(framePacket("OK"), "$OK#9a");
  EXPECT_EQ(framePacket("qSupported"), "$qSupported#37");
  EXPECT_EQ(framePacket(""), "$#00");
}

TEST(GdbPacket, EscapesFramingCharactersAndRunLengthMarker) {
  const uint8_t bytes[] = {'a', '#', '$', '}', '*', 0x00, 0xFF};
  std::string out;
  appendEscaped(out, bytes);
  EXPECT_EQ(out, std::string("a}\x03}\x04}]}\x0a\x00\xff", 11));
  auto back = unescapeBinary(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, std::vector<uint8_t>(std::begin(bytes), std::end(bytes)));
}

TEST(GdbPacket, LoneEscapeAtTheEndIsMalformed) {
  EXPECT_FALSE(unescapeBinary("ab}"));
  EXPECT_TRUE(unescapeBinary(""));
}

TEST(GdbPacket, HexRoundTripsAndRejectsOddOrNonHex) {
  const uint8_t bytes[] = {0x00, 0x7f, 0xab, 0xff};
  EXPECT_EQ(toHex(bytes), "007fabff");
  auto back = fromHex("007FabFF");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, std::vector<uint8_t>(std::begin(bytes), std::end(bytes)));
  EXPECT_FALSE(fromHex("abc"));
  EXPECT_FALSE(fromHex("zz"));
  EXPECT_EQ(toHex(std::string_view("OK\n")), "4f4b0a");
}

TEST(GdbPacket, HexNumbersRefuseEmptySignsAndOverflow) {
  EXPECT_EQ(parseHexNumber("0"), 0u);
  EXPECT_EQ(parseHexNumber("C0100000"), 0xC0100000u);
  EXPECT_EQ(parseHexNumber("ffffffffffffffff"), UINT64_MAX);
  EXPECT_FALSE(parseHexNumber(""));
  EXPECT_FALSE(parseHexNumber("-1"));
  EXPECT_FALSE(parseHexNumber("0x10"));
  EXPECT_FALSE(parseHexNumber("10000000000000000"));
}

TEST(GdbPacket, SafeTextReplacesWhatAPlainReplyCannotCarry) {
  EXPECT_EQ(packetSafeText("a#b$c}d*e\nf"), "a?b?c?d?e?f");
  EXPECT_EQ(packetSafeText("fine text"), "fine text");
}

TEST(GdbPacketReader, FramesPacketsAcksAndInterrupts) {
  GdbPacketReader r(64);
  auto ev = feedAll(r, "+$OK#9a-\x03");
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, PacketEvent::Kind::kAck);
  EXPECT_EQ(ev[1].kind, PacketEvent::Kind::kPacket);
  EXPECT_EQ(ev[1].payload, "OK");
  EXPECT_EQ(ev[2].kind, PacketEvent::Kind::kNack);
  EXPECT_EQ(ev[3].kind, PacketEvent::Kind::kInterrupt);
}

TEST(GdbPacketReader, ChecksumDigitsMayBeUpperCase) {
  GdbPacketReader r(64);
  auto ev = feedAll(r, "$OK#9A");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, PacketEvent::Kind::kPacket);
}

TEST(GdbPacketReader, BadChecksumIsReportedWithoutThePayload) {
  GdbPacketReader r(64);
  auto ev = feedAll(r, "$OK#00$OK#zz");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, PacketEvent::Kind::kBadChecksum);
  EXPECT_EQ(ev[1].kind, PacketEvent::Kind::kBadChecksum);
  EXPECT_TRUE(ev[0].payload.empty());
}

TEST(GdbPacketReader, JunkOutsidePacketsIsSkippedAndCounted) {
  GdbPacketReader r(64);
  auto ev = feedAll(r, "hello\x7f\x01$g#67");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "g");
  EXPECT_EQ(r.junkBytes(), 7u);
}

TEST(GdbPacketReader, DollarInsideAPacketStartsANewOne) {
  GdbPacketReader r(64);
  auto ev = feedAll(r, "$m10$g#67");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "g");
  EXPECT_EQ(r.abandonedPackets(), 1u);
  // Also between the '#' and the checksum digits.
  ev = feedAll(r, "$m10#$g#67");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "g");
}

TEST(GdbPacketReader, OverlongPacketIsConsumedWholeAndNotKept) {
  GdbPacketReader r(8);
  std::string big(1000, 'a');
  std::string framed = framePacket(big);
  auto ev = feedAll(r, framed + "$g#67");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, PacketEvent::Kind::kTooLong);
  EXPECT_TRUE(ev[0].payload.empty());
  EXPECT_EQ(ev[1].payload, "g");
  // A corrupted overlong packet is a checksum error, not "too long".
  framed[framed.size() - 1] ^= 1;
  ev = feedAll(r, framed);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, PacketEvent::Kind::kBadChecksum);
}

TEST(GdbPacketReader, PacketOfExactlyTheLimitIsKept) {
  GdbPacketReader r(8);
  auto ev = feedAll(r, framePacket("12345678"));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, PacketEvent::Kind::kPacket);
  EXPECT_EQ(ev[0].payload, "12345678");
}

TEST(GdbPacketReader, EscapedBytesStayEscapedInThePayload) {
  GdbPacketReader r(64);
  std::string payload = "X0,1:}\x03";
  auto ev = feedAll(r, framePacket(payload));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, payload);
}

}  // namespace
}  // namespace tandem::gdb
