#include "vmm/devices/Calendar.h"

namespace tandem {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

bool leapYear(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t daysInYear(int64_t y) {
  return leapYear(y) ? 366 : 365;
}

unsigned daysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leapYear(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to January 1st of `year`. Whole 400-year cycles
// (146097 days) are skipped arithmetically; the rest is at most 399 steps.
int64_t daysBeforeYear(int64_t year) {
  int64_t cycles = floorDiv(year - 1970, 400);
  int64_t days = cycles * 146097;
  for (int64_t y = 1970 + cycles * 400; y < year; y++) days += daysInYear(y);
  return days;
}

}  // namespace

CalendarTime calendarFromUnix(int64_t seconds) {
  int64_t days = floorDiv(seconds, kSecondsPerDay);
  int64_t rest = seconds - days * kSecondsPerDay;
  CalendarTime t{};
  t.hour = static_cast<unsigned>(rest / 3600);
  t.minute = static_cast<unsigned>(rest / 60 % 60);
  t.second = static_cast<unsigned>(rest % 60);
  // 1970-01-01 was a Thursday (weekday 5 with Sunday = 1).
  t.weekday = static_cast<unsigned>((days % 7 + 7 + 4) % 7 + 1);
  int64_t year = 1970 + floorDiv(days, 146097) * 400;
  int64_t left = days - daysBeforeYear(year);
  while (left >= daysInYear(year)) left -= daysInYear(year++);
  t.year = year;
  t.month = 1;
  while (left >= daysInMonth(year, t.month)) left -= daysInMonth(year, t.month++);
  t.day = static_cast<unsigned>(left + 1);
  return t;
}

int64_t unixFromCalendar(const CalendarTime& t) {
  int64_t month0 = static_cast<int64_t>(t.month) - 1;
  int64_t year = t.year + floorDiv(month0, 12);
  month0 -= floorDiv(month0, 12) * 12;
  int64_t days = daysBeforeYear(year);
  for (unsigned m = 1; m <= month0; m++) days += daysInMonth(year, m);
  days += static_cast<int64_t>(t.day) - 1;
  return days * kSecondsPerDay + int64_t{t.hour} * 3600 + int64_t{t.minute} * 60 + t.second;
}

}  // namespace tandem
