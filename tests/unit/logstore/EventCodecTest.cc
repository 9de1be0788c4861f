#include "logstore/EventCodec.h"

#include <gtest/gtest.h>

#include "tests/support/WireRoundTrip.h"

namespace tandem {
namespace {

std::vector<Event> oneOfEachKind() {
  return {
      Event{Icount(1000), 0xC0100000, ClockReadingEvent{ClockRead::kTsc, 123456789}},
      Event{Icount(1000), 0xC0100002, InterruptRaiseEvent{0}},
      Event{Icount(1500), 0xC0100010, InterruptDeliveryEvent{0x30}},
      Event{Icount(90000), 0x08048000, SerialInputEvent{{'l', 's', '\n'}}},
      Event{Icount(1ull << 40), 0xC0200000, MachineDigestEvent{std::vector<uint8_t>(32, 0xAB)}},
  };
}

TEST(EventCodec, EveryKindRoundTripsThroughTheWireFormat) {
  auto events = oneOfEachKind();
  pb::EventChunk chunk;
  encodeEventChunk(events, chunk);
  auto back = decodeEventChunk(testing::throughTheWire(chunk));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, events);
}

TEST(EventCodec, IcountsAreStoredAsDeltas) {
  auto events = oneOfEachKind();
  pb::EventChunk chunk;
  encodeEventChunk(events, chunk);
  EXPECT_EQ(chunk.first_icount(), 1000u);
  EXPECT_EQ(chunk.events(0).icount_delta(), 0u);
  EXPECT_EQ(chunk.events(1).icount_delta(), 0u);
  EXPECT_EQ(chunk.events(2).icount_delta(), 500u);
  EXPECT_EQ(chunk.events(3).icount_delta(), 88500u);
}

TEST(EventCodec, AnEventOfAKindFromANewerVersionReadsAsUnknown) {
  pb::EventChunk chunk;
  chunk.set_first_icount(5);
  chunk.add_events()->set_eip(1);  // no kind set: what an older reader sees
  auto back = decodeEventChunk(chunk);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::holds_alternative<UnknownEvent>((*back)[0].body));
}

TEST(EventCodec, OutOfRangeFieldsAreRefusedWithThePosition) {
  pb::EventChunk chunk;
  chunk.set_first_icount(5);
  chunk.add_events()->mutable_interrupt_raise()->set_irq(3);
  chunk.add_events()->mutable_interrupt_raise()->set_irq(16);
  auto r = decodeEventChunk(chunk);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("event 1"), std::string::npos);
  pb::EventChunk serial;
  serial.add_events()->mutable_serial_input()->set_data(std::string(5000, 'x'));
  EXPECT_FALSE(decodeEventChunk(serial).ok());
  pb::EventChunk overflow;
  overflow.set_first_icount(~0ull);
  overflow.add_events()->set_icount_delta(1);
  EXPECT_FALSE(decodeEventChunk(overflow).ok());
}

}  // namespace
}  // namespace tandem
