#include "vmm/devices/CmosRtc.h"

#include <algorithm>

#include "vmm/devices/ClockTicks.h"

namespace tandem {
namespace {

constexpr int64_t kSecondNs = kNsPerSecond;  // signed: RTC times may precede 1970
constexpr uint64_t kRtcHz = 32768;

// Register numbers.
enum : unsigned {
  kSeconds = 0x00,
  kSecondsAlarm = 0x01,
  kMinutes = 0x02,
  kMinutesAlarm = 0x03,
  kHours = 0x04,
  kHoursAlarm = 0x05,
  kWeekday = 0x06,
  kDay = 0x07,
  kMonth = 0x08,
  kYear = 0x09,
  kRegA = 0x0A,
  kRegB = 0x0B,
  kRegC = 0x0C,
  kRegD = 0x0D,
  kCentury = 0x32,
};
// Register A: bit 7 UIP, bits 6-4 divider (010 = running from 32.768 kHz),
// bits 3-0 periodic rate.
constexpr uint8_t kUip = 0x80, kDividerMask = 0x70, kDividerRunning = 0x20, kRateMask = 0x0F;
// Register B.
constexpr uint8_t kSet = 0x80, kPie = 0x40, kAie = 0x20, kUie = 0x10, kSqwe = 0x08, kBinary = 0x04,
                  k24Hour = 0x02;
// Register C.
constexpr uint8_t kIrqf = 0x80, kPf = 0x40, kAf = 0x20, kUf = 0x10;
// Register D: valid RAM and time.
constexpr uint8_t kVrt = 0x80;
// An alarm byte with both top bits set matches any value.
constexpr uint8_t kAlarmDontCare = 0xC0;

bool isTimeByte(unsigned reg) {
  return reg == kSeconds || reg == kMinutes || reg == kHours || reg == kWeekday || reg == kDay ||
         reg == kMonth || reg == kYear || reg == kCentury;
}

uint64_t rtcTicksAt(uint64_t ns) {
  return ticksAtNs(ns, kRtcHz);
}
uint64_t nsAtRtcTick(uint64_t tick) {
  return nsAtTicks(tick, kRtcHz);
}

void putWord(uint8_t* cmos, unsigned at, uint64_t value) {
  uint16_t v = static_cast<uint16_t>(std::min<uint64_t>(value, 0xFFFF));
  cmos[at] = static_cast<uint8_t>(v);
  cmos[at + 1] = static_cast<uint8_t>(v >> 8);
}

}  // namespace

CmosRtc::CmosRtc(DeviceClock& clock, IrqSink& irq, int64_t boot_epoch_seconds, uint64_t ram_bytes)
    : clock_(clock), irq_(irq) {
  s_.offset_ns = boot_epoch_seconds * kSecondNs;
  uint8_t* c = s_.cmos;
  c[kRegA] = kDividerRunning | 0x06;  // 1024 Hz periodic rate, as firmware leaves it
  c[kRegB] = k24Hour;                 // BCD, 24-hour
  c[kRegD] = kVrt;
  c[0x14] = 0x02;         // equipment: math coprocessor, VGA, no floppy
  putWord(c, 0x15, 640);  // base memory in KiB
  uint64_t mib = 1 << 20;
  uint64_t extended_kib = ram_bytes > mib ? (ram_bytes - mib) / 1024 : 0;
  putWord(c, 0x17, extended_kib);
  putWord(c, 0x30, extended_kib);
  putWord(c, 0x34, ram_bytes > 16 * mib ? (ram_bytes - 16 * mib) / 65536 : 0);
  unsigned sum = 0;
  for (unsigned i = 0x10; i <= 0x2D; i++) sum += c[i];
  c[0x2E] = static_cast<uint8_t>(sum >> 8);
  c[0x2F] = static_cast<uint8_t>(sum);
}

Status CmosRtc::attach(IoBus& ports) {
  Status s = ports.map(
      "rtc-index", 0x70, 1, [](uint64_t, unsigned) -> uint32_t { return 0xFF; },
      [this](uint64_t, unsigned, uint32_t v) { writeIndex(uint8_t(v)); });
  if (!s) return s;
  return ports.map(
      "rtc-data", 0x71, 1, [this](uint64_t, unsigned) { return readData(); },
      [this](uint64_t, unsigned, uint32_t v) { writeData(uint8_t(v)); });
}

void CmosRtc::reset() {
  s_.cmos[kRegB] &= ~(kPie | kAie | kUie | kSqwe);
  s_.cmos[kRegC] = 0;
}

std::string CmosRtc::checkState(const CmosRtcState& s) const {
  if (s.index >= 128 || s.nmi_masked > 1) return "bad index register";
  if (s.second_phase_ns >= uint64_t(kSecondNs)) return "divider phase of a second or more";
  for (uint8_t b : s.reserved)
    if (b) return "reserved bytes set";
  return {};
}

bool CmosRtc::running(const uint8_t* cmos) {
  return (cmos[kRegA] & kDividerMask) == kDividerRunning && !(cmos[kRegB] & kSet);
}

uint8_t CmosRtc::encode(unsigned value) const {
  if (s_.cmos[kRegB] & kBinary) return static_cast<uint8_t>(value);
  return static_cast<uint8_t>((value / 10 % 10) << 4 | value % 10);
}

unsigned CmosRtc::decode(uint8_t value) const {
  if (s_.cmos[kRegB] & kBinary) return value;
  return (value >> 4) * 10 + (value & 0x0F);
}

uint8_t CmosRtc::encodeHour(unsigned hour) const {
  if (s_.cmos[kRegB] & k24Hour) return encode(hour);
  unsigned h12 = hour % 12 == 0 ? 12 : hour % 12;
  return static_cast<uint8_t>(encode(h12) | (hour >= 12 ? 0x80 : 0));
}

unsigned CmosRtc::decodeHour(uint8_t value) const {
  if (s_.cmos[kRegB] & k24Hour) return decode(value);
  return decode(value & 0x7F) % 12 + ((value & 0x80) ? 12 : 0);
}

void CmosRtc::storeTime(int64_t seconds) {
  CalendarTime t = calendarFromUnix(seconds);
  uint8_t* c = s_.cmos;
  c[kSeconds] = encode(t.second);
  c[kMinutes] = encode(t.minute);
  c[kHours] = encodeHour(t.hour);
  c[kWeekday] = encode(t.weekday);
  c[kDay] = encode(t.day);
  c[kMonth] = encode(t.month);
  c[kYear] = encode(static_cast<unsigned>(t.year % 100));
  c[kCentury] = encode(static_cast<unsigned>(t.year / 100));
}

int64_t CmosRtc::loadTime() const {
  const uint8_t* c = s_.cmos;
  CalendarTime t{};
  t.year = int64_t{decode(c[kCentury])} * 100 + decode(c[kYear]);
  t.month = decode(c[kMonth]);
  t.day = decode(c[kDay]);
  t.hour = decodeHour(c[kHours]);
  t.minute = decode(c[kMinutes]);
  t.second = decode(c[kSeconds]);
  return unixFromCalendar(t);
}

bool CmosRtc::alarmMatches(int64_t seconds) const {
  int64_t of_day = seconds - floorDiv(seconds, 86400) * 86400;
  auto matches = [&](unsigned reg, unsigned value, bool hour) {
    uint8_t a = s_.cmos[reg];
    if ((a & kAlarmDontCare) == kAlarmDontCare) return true;
    return (hour ? decodeHour(a) : decode(a)) == value;
  };
  return matches(kSecondsAlarm, unsigned(of_day % 60), false) &&
         matches(kMinutesAlarm, unsigned(of_day / 60 % 60), false) &&
         matches(kHoursAlarm, unsigned(of_day / 3600), true);
}

uint32_t CmosRtc::periodicTicks() const {
  if ((s_.cmos[kRegA] & kDividerMask) != kDividerRunning) return 0;
  unsigned rate = s_.cmos[kRegA] & kRateMask;
  if (rate == 0) return 0;
  // Rates 1 and 2 repeat rates 8 and 9 (256 and 128 Hz).
  return rate <= 2 ? 1u << (rate + 6) : 1u << (rate - 1);
}

void CmosRtc::catchUp(uint64_t now_ns) {
  if (now_ns <= s_.events_ns) return;
  uint8_t flags = 0;
  if (uint32_t period = periodicTicks()) {
    if (rtcTicksAt(now_ns) / period > rtcTicksAt(s_.events_ns) / period) flags |= kPf;
  }
  if (running()) {
    int64_t from = floorDiv(rtcNs(s_.events_ns), kSecondNs);
    int64_t to = floorDiv(rtcNs(now_ns), kSecondNs);
    if (to > from) {
      flags |= kUf;
      // Within one day every alarm that can match does; check each second.
      int64_t first = std::max(from + 1, to - 86399);
      for (int64_t sec = first; sec <= to; sec++) {
        if (alarmMatches(sec)) {
          flags |= kAf;
          break;
        }
      }
    }
  }
  s_.events_ns = now_ns;
  uint8_t& c = s_.cmos[kRegC];
  bool was_raised = c & kIrqf;
  c |= flags;
  if (c & s_.cmos[kRegB] & (kPf | kAf | kUf)) c |= kIrqf;
  if ((c & kIrqf) && !was_raised) irq_.setIrqLevel(kIrq, true);
}

uint64_t CmosRtc::nextDeadlineNs() const {
  uint8_t b = s_.cmos[kRegB];
  // While IRQF is set the line is already high; further events are
  // collected when register C is read.
  if (s_.cmos[kRegC] & kIrqf) return kNoDeadline;
  uint64_t deadline = kNoDeadline;
  uint32_t period = periodicTicks();
  if ((b & kPie) && period)
    deadline = nsAtRtcTick((rtcTicksAt(s_.events_ns) / period + 1) * period);
  if ((b & (kUie | kAie)) && running()) {
    int64_t next_second = (floorDiv(rtcNs(s_.events_ns), kSecondNs) + 1) * kSecondNs;
    int64_t at = next_second - s_.offset_ns;
    if (at > 0) deadline = std::min(deadline, static_cast<uint64_t>(at));
  }
  return deadline;
}

void CmosRtc::advance(uint64_t now_ns) {
  catchUp(now_ns);
}

void CmosRtc::writeIndex(uint8_t value) {
  s_.index = value & 0x7F;
  s_.nmi_masked = value >> 7;
}

uint8_t CmosRtc::readData() {
  unsigned reg = s_.index;
  if (isTimeByte(reg) && running()) {
    uint64_t now = clock_.nowNs(ClockRead::kRtc);
    storeTime(floorDiv(rtcNs(now), kSecondNs));
    return s_.cmos[reg];
  }
  switch (reg) {
    case kRegA: {
      uint8_t a = s_.cmos[kRegA];
      if (!running()) return a;
      uint64_t now = clock_.nowNs(ClockRead::kRtc);
      int64_t into_second = rtcNs(now) - floorDiv(rtcNs(now), kSecondNs) * kSecondNs;
      return into_second >= kSecondNs - int64_t{kUipWindowNs} ? a | kUip : a;
    }
    case kRegC: {
      catchUp(clock_.nowNs(ClockRead::kRtc));
      uint8_t c = s_.cmos[kRegC];
      s_.cmos[kRegC] = 0;
      if (c & kIrqf) irq_.setIrqLevel(kIrq, false);
      return c;
    }
    case kRegD:
      return kVrt;
    default:
      return s_.cmos[reg];
  }
}

void CmosRtc::writeData(uint8_t value) {
  unsigned reg = s_.index;
  if (reg == kRegA || reg == kRegB)
    writeControl(reg, value);
  else if (isTimeByte(reg))
    writeTimeByte(reg, value);
  else if (reg != kRegC && reg != kRegD)
    s_.cmos[reg] = value;  // C and D are read-only
}

void CmosRtc::writeTimeByte(unsigned reg, uint8_t value) {
  if (!running()) {
    s_.cmos[reg] = value;
    return;
  }
  // Setting a field of a running clock keeps its place within the second.
  uint64_t now = clock_.nowNs(ClockRead::kRtc);
  int64_t rtc = rtcNs(now);
  int64_t second = floorDiv(rtc, kSecondNs);
  storeTime(second);
  s_.cmos[reg] = value;
  s_.offset_ns = loadTime() * kSecondNs + (rtc - second * kSecondNs) - int64_t(now);
}

void CmosRtc::writeControl(unsigned reg, uint8_t value) {
  uint64_t now = clock_.nowNs(ClockRead::kRtc);
  catchUp(now);  // events so far count under the old settings
  bool was_running = running();
  if (was_running) storeTime(floorDiv(rtcNs(now), kSecondNs));
  uint8_t old_a = s_.cmos[kRegA];
  if (reg == kRegA) {
    s_.cmos[kRegA] = value & ~kUip;
  } else {
    if (value & kSet) value &= ~kUie;  // setting SET clears UIE
    s_.cmos[kRegB] = value;
  }
  bool divider_was_reset = (old_a & kDividerMask) != kDividerRunning;
  if (divider_was_reset && (s_.cmos[kRegA] & kDividerMask) == kDividerRunning) {
    // The divider chain restarts; its first second ends 500 ms later.
    s_.second_phase_ns = (now + kSecondNs / 2) % kSecondNs;
  }
  if (!was_running && running()) {
    // The clock restarts from the time bytes, in step with the divider.
    uint64_t into_second = (now + kSecondNs - s_.second_phase_ns) % kSecondNs;
    s_.offset_ns = loadTime() * kSecondNs + int64_t(into_second) - int64_t(now);
  }
  // Enabling an interrupt whose flag is already set raises it.
  uint8_t& c = s_.cmos[kRegC];
  if (!(c & kIrqf) && (c & s_.cmos[kRegB] & (kPf | kAf | kUf))) {
    c |= kIrqf;
    irq_.setIrqLevel(kIrq, true);
  }
}

}  // namespace tandem
