#include <gtest/gtest.h>

#include <ctime>

#include "vmm/devices/Calendar.h"

namespace tandem {
namespace {

TEST(Calendar, KnownDatesConvertBothWays) {
  struct Case {
    int64_t unix;
    CalendarTime t;
  } cases[] = {
      {0, {1970, 1, 1, 0, 0, 0, 5}},
      {951782400, {2000, 2, 29, 0, 0, 0, 3}},      // leap day of a 400-year leap year
      {1704067200, {2024, 1, 1, 0, 0, 0, 2}},      // a Monday
      {4107542399, {2100, 2, 28, 23, 59, 59, 1}},  // 2100 is not a leap year
      {-1, {1969, 12, 31, 23, 59, 59, 4}},
  };
  for (const Case& c : cases) {
    CalendarTime t = calendarFromUnix(c.unix);
    EXPECT_EQ(t.year, c.t.year) << c.unix;
    EXPECT_EQ(t.month, c.t.month) << c.unix;
    EXPECT_EQ(t.day, c.t.day) << c.unix;
    EXPECT_EQ(t.hour, c.t.hour) << c.unix;
    EXPECT_EQ(t.minute, c.t.minute) << c.unix;
    EXPECT_EQ(t.second, c.t.second) << c.unix;
    EXPECT_EQ(t.weekday, c.t.weekday) << c.unix;
    EXPECT_EQ(unixFromCalendar(c.t), c.unix);
  }
}

TEST(Calendar, AgreesWithTheCLibraryOverTwoCenturies) {
  for (int64_t s = -2208988800; s < 4102444800; s += 86400 * 37 + 3601) {
    time_t tt = static_cast<time_t>(s);
    struct tm tm;
    gmtime_r(&tt, &tm);
    CalendarTime t = calendarFromUnix(s);
    ASSERT_EQ(t.year, tm.tm_year + 1900) << s;
    ASSERT_EQ(t.month, unsigned(tm.tm_mon + 1)) << s;
    ASSERT_EQ(t.day, unsigned(tm.tm_mday)) << s;
    ASSERT_EQ(t.weekday, unsigned(tm.tm_wday + 1)) << s;
    ASSERT_EQ(t.hour, unsigned(tm.tm_hour)) << s;
    ASSERT_EQ(unixFromCalendar(t), s);
  }
}

TEST(Calendar, OutOfRangeFieldsCarryIntoTheNextUnit) {
  EXPECT_EQ(unixFromCalendar({2023, 13, 1, 0, 0, 0, 0}),
            unixFromCalendar({2024, 1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(unixFromCalendar({2024, 3, 0, 0, 0, 0, 0}),
            unixFromCalendar({2024, 2, 29, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace tandem
