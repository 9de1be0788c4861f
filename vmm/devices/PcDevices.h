// Every device of the PC platform, wired by one builder: the PIC pair, the
// PIT and port 0x61, the RTC/CMOS, COM1, the i8042, port 0x92, the PCI
// configuration ports with reset control at 0xCF9, and port 0x80. The board
// supplies the wires (time, the CPU's INTR pin, the console, machine
// control) and the port bus; it then drives the devices through the list
// here: reset, deadlines, save and restore as named plain-data blobs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vmm/IoBus.h"
#include "vmm/devices/CmosRtc.h"
#include "vmm/devices/I8042.h"
#include "vmm/devices/PciHostBridge.h"
#include "vmm/devices/PicPair.h"
#include "vmm/devices/Pit8254.h"
#include "vmm/devices/PostCodePort.h"
#include "vmm/devices/ResetControl.h"
#include "vmm/devices/SystemControlPortA.h"
#include "vmm/devices/SystemControlPortB.h"
#include "vmm/devices/Uart16550.h"

namespace tandem {

// What the devices need from the board; every reference must outlive them.
struct PcWiring {
  DeviceClock& clock;
  InterruptOutput& cpu_intr;
  ConsoleSink& console;
  MachineControl& machine;
};

struct PcDeviceConfig {
  int64_t boot_epoch_seconds;  // the RTC's date at power-on (Door::bootEpochSeconds)
  uint64_t ram_bytes;          // guest RAM, reported in CMOS
};

// One device's state in a snapshot.
struct DeviceBlob {
  std::string name;
  std::vector<uint8_t> state;
};

class PcDevices {
 public:
  static constexpr uint16_t kCom1Base = 0x3F8;
  static constexpr unsigned kCom1Irq = 4;

  // Creates the devices and maps their ports on `ports`.
  static Result<std::unique_ptr<PcDevices>> build(IoBus& ports, const PcWiring& wiring,
                                                  const PcDeviceConfig& config);

  // The CPU's interrupt acknowledge cycle.
  uint8_t acknowledgeInterrupt() { return pic.acknowledge(); }
  // A20 is enabled while the keyboard controller or port 0x92 enables it.
  bool a20Enabled() const { return i8042.a20Enabled() || port92.a20Enabled(); }

  // Every device, in a fixed order.
  const std::vector<Device*>& all() const { return all_; }
  void resetAll();
  // The earliest deadline of any device, or kNoDeadline.
  uint64_t nextDeadlineNs() const;
  void advance(uint64_t now_ns);
  std::vector<DeviceBlob> saveAll() const;
  // Restores every device from `blobs`, which must name each device exactly
  // once. On any error no device is changed.
  Status restoreAll(const std::vector<DeviceBlob>& blobs);

  PicPair pic;
  Pit8254 pit;
  SystemControlPortB port61;
  CmosRtc rtc;
  Uart16550 com1;
  I8042 i8042;
  SystemControlPortA port92;
  ResetControl reset_control;
  PciHostBridge pci;
  PostCodePort post;

 private:
  PcDevices(const PcWiring& wiring, const PcDeviceConfig& config);
  Status attach(IoBus& ports);

  std::vector<Device*> all_;
};

}  // namespace tandem
