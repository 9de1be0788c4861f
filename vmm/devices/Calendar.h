// Conversion between seconds since the Unix epoch and the calendar fields a
// real-time clock keeps (proleptic Gregorian calendar, UTC).
#pragma once

#include <cstdint>

namespace tandem {

struct CalendarTime {
  int64_t year;
  unsigned month;    // 1-12
  unsigned day;      // 1-31
  unsigned hour;     // 0-23
  unsigned minute;   // 0-59
  unsigned second;   // 0-59
  unsigned weekday;  // 1-7, Sunday = 1 (the RTC's day-of-week register)
};

// Division rounding towards minus infinity (for times before 1970).
constexpr int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

CalendarTime calendarFromUnix(int64_t seconds);
// Fields out of range are carried arithmetically (month 13 is January of the
// next year, day 0 the last day of the previous month); `weekday` is ignored.
int64_t unixFromCalendar(const CalendarTime& t);

}  // namespace tandem
