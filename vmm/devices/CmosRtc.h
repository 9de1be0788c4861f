// The MC146818-compatible real-time clock and its 128 bytes of CMOS RAM at
// ports 0x70 (index; bit 7 masks NMI) and 0x71 (data). The time is the
// door's power-on epoch plus guest time, so the clock never reads the
// host: seconds, minutes, hours (12 or 24 hour), day of week, date, month,
// year and century (byte 0x32), in BCD or binary; registers A-D with the
// update-in-progress flag (set during the last 244 us before each second),
// SET and divider reset freezing the clock so the guest can set it, and the
// periodic, alarm and update-ended interrupts on IRQ 8. The CMOS RAM holds
// what a BIOS would have left there, including the memory-size bytes.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/Calendar.h"
#include "vmm/devices/DeviceClock.h"
#include "vmm/devices/IrqSink.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct CmosRtcState {
  int64_t offset_ns;         // while running: RTC time (ns since the Unix epoch) minus guest time
  uint64_t events_ns;        // register C holds the events up to this guest time
  uint64_t second_phase_ns;  // the divider's seconds end at guest times of this phase mod 1 s
  uint8_t cmos[128];         // registers and RAM; the time bytes are current only while frozen
  uint8_t index;             // register selected through port 0x70
  uint8_t nmi_masked;        // port 0x70 bit 7
  uint8_t reserved[6];
};
static_assert(kIsPlainState<CmosRtcState>);

class CmosRtc final : public PlainStateDevice<CmosRtcState> {
 public:
  static constexpr unsigned kIrq = 8;
  static constexpr uint64_t kUipWindowNs = 244000;

  // `boot_epoch_seconds`: wall-clock time at power-on (Door::bootEpochSeconds);
  // `ram_bytes`: guest RAM, for the memory-size bytes.
  CmosRtc(DeviceClock& clock, IrqSink& irq, int64_t boot_epoch_seconds, uint64_t ram_bytes);

  Status attach(IoBus& ports);

  const char* name() const override { return "rtc"; }
  // A machine reset clears the interrupt enables and flags; the clock and
  // the battery-backed RAM keep running and keep their contents.
  void reset() override;
  uint64_t nextDeadlineNs() const override;
  void advance(uint64_t now_ns) override;

  bool nmiMasked() const { return s_.nmi_masked; }
  void writeIndex(uint8_t value);
  uint8_t readData();
  void writeData(uint8_t value);

 private:
  std::string checkState(const CmosRtcState& s) const override;
  bool running() const { return running(s_.cmos); }
  static bool running(const uint8_t* cmos);
  int64_t rtcNs(uint64_t now_ns) const { return static_cast<int64_t>(now_ns) + s_.offset_ns; }
  uint8_t encode(unsigned value) const;
  unsigned decode(uint8_t value) const;
  uint8_t encodeHour(unsigned hour) const;
  unsigned decodeHour(uint8_t value) const;
  // Writes the calendar fields of RTC time `seconds` into the time bytes.
  void storeTime(int64_t seconds);
  int64_t loadTime() const;  // the time bytes, as seconds since the epoch
  bool alarmMatches(int64_t seconds) const;
  uint32_t periodicTicks() const;  // 32.768 kHz ticks per periodic interrupt, or 0
  // Brings register C up to guest time `now_ns` and drives IRQ 8.
  void catchUp(uint64_t now_ns);
  void writeControl(unsigned reg, uint8_t value);
  void writeTimeByte(unsigned reg, uint8_t value);

  DeviceClock& clock_;
  IrqSink& irq_;
};

}  // namespace tandem
