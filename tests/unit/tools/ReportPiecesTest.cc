// The parts of the HTML pages and the event tap, on their own.
#include <gtest/gtest.h>

#include "logger/VirtualClock.h"
#include "tools/EventTap.h"
#include "tools/Html.h"
#include "tools/TimelineChart.h"

namespace tandem::cli {
namespace {

TEST(Html, GuestTextCannotMakeMarkup) {
  EXPECT_EQ(htmlEscape("<b>\"x\" & 'y'</b>"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
  EXPECT_EQ(htmlEscape(std::string("a\x01\x7f\xe9", 4)), "a&#x2401;&#x2421;&#xE9;");
  EXPECT_EQ(htmlEscape("line\n"), "line\n");
}

TEST(TimelineChart, EachLaneIsDrawnInItsColourUpToTheFailureLine) {
  std::vector<Event> ev;
  for (uint64_t i = 0; i < 500; ++i) ev.push_back({Icount(i * 4'000'000), 0, InterruptDeliveryEvent{0x30}});
  ev.push_back({Icount(1'500'000'000), 0, SerialInputEvent{{'l', 's', '\n'}}});
  for (uint64_t i = 0; i < 20000; ++i)
    ev.push_back({Icount(1'000'000'000 + i * 50'000), 0, ClockReadingEvent{ClockRead::kTsc, 1'000'000'000 + i * 50'000}});
  std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.icount < b.icount; });
  Timeline t = Timeline::build(ev, 2'000'000'000, 2'000'000'000);
  std::string svg = TimelineChart::svg(t);
  for (const char* colour : {TimelineChart::kInterruptColour, TimelineChart::kInputColour, TimelineChart::kClockColour,
                             TimelineChart::kFailureColour})
    EXPECT_NE(svg.find(colour), std::string::npos) << colour;
  EXPECT_NE(svg.find(">interrupt 0x30</text>"), std::string::npos);
  EXPECT_NE(svg.find(">500</text>"), std::string::npos);
  // 20,500 events, a few hundred shapes.
  size_t rects = 0;
  for (size_t at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1)) ++rects;
  EXPECT_LT(rects, 400u);
  EXPECT_LT(svg.size(), 40000u);
}

TEST(EventTap, KeepsWhatTheDoorAnsweredAndTheInterrupts) {
  VirtualClock clock;
  EventTap tap(clock, nullptr, 3);
  clock.feedInput(std::vector<uint8_t>{'h', 'i'});
  uint8_t buf[8];
  EXPECT_EQ(tap.serialInput(Icount(5), buf, sizeof buf), 2u);
  EXPECT_EQ(tap.serialInput(Icount(6), buf, sizeof buf), 0u);  // nothing: no event
  uint64_t ns = tap.clockNs(Icount(1000), ClockRead::kTsc);
  tap.onInterrupt(Icount(1001), 0xC1000000, 0x30);
  std::vector<Event> ev = tap.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(std::get<SerialInputEvent>(ev[0].body).data, (std::vector<uint8_t>{'h', 'i'}));
  EXPECT_EQ(std::get<ClockReadingEvent>(ev[1].body).value_ns, ns);
  EXPECT_EQ(ev[2].eip, 0xC1000000u);
  // At most three: the oldest goes.
  tap.onInterrupt(Icount(2000), 0, 0x31);
  ev = tap.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev.back().icount, Icount(2000));
  EXPECT_TRUE(std::holds_alternative<ClockReadingEvent>(ev[0].body));
}

}  // namespace
}  // namespace tandem::cli
