#include "vmm/devices/PcDevices.h"

#include <algorithm>

namespace tandem {

PcDevices::PcDevices(const PcWiring& w, const PcDeviceConfig& config)
    : pic(w.cpu_intr),
      pit(w.clock, pic),
      port61(w.clock, pit),
      rtc(w.clock, pic, config.boot_epoch_seconds, config.ram_bytes),
      com1("com1", kCom1Irq, w.clock, pic, w.console),
      i8042(pic, w.machine),
      port92(w.machine),
      reset_control(w.machine),
      pci(reset_control),
      all_{&pic, &pit, &port61, &rtc, &com1, &i8042, &port92, &reset_control, &pci, &post} {}

Result<std::unique_ptr<PcDevices>> PcDevices::build(IoBus& ports, const PcWiring& wiring,
                                                    const PcDeviceConfig& config) {
  std::unique_ptr<PcDevices> d(new PcDevices(wiring, config));
  if (Status s = d->attach(ports); !s) return s.error();
  return d;
}

Status PcDevices::attach(IoBus& ports) {
  for (Status s : {pic.attach(ports), pit.attach(ports), port61.attach(ports), rtc.attach(ports),
                   com1.attach(ports, kCom1Base), i8042.attach(ports), port92.attach(ports),
                   pci.attach(ports), post.attach(ports)}) {
    if (!s) return s;
  }
  return {};
}

void PcDevices::resetAll() {
  for (Device* d : all_) d->reset();
}

uint64_t PcDevices::nextDeadlineNs() const {
  uint64_t deadline = kNoDeadline;
  for (const Device* d : all_) deadline = std::min(deadline, d->nextDeadlineNs());
  return deadline;
}

void PcDevices::advance(uint64_t now_ns) {
  for (Device* d : all_) {
    if (d->nextDeadlineNs() <= now_ns) d->advance(now_ns);
  }
}

std::vector<DeviceBlob> PcDevices::saveAll() const {
  std::vector<DeviceBlob> blobs;
  for (const Device* d : all_) blobs.push_back({d->name(), d->saveState()});
  return blobs;
}

Status PcDevices::restoreAll(const std::vector<DeviceBlob>& blobs) {
  std::vector<const DeviceBlob*> ordered;
  for (const Device* d : all_) {
    auto same = [d](const DeviceBlob& b) { return b.name == d->name(); };
    auto it = std::find_if(blobs.begin(), blobs.end(), same);
    if (it == blobs.end()) return makeError(std::string("no state for device ") + d->name());
    if (std::count_if(blobs.begin(), blobs.end(), same) > 1)
      return makeError(std::string("two states for device ") + d->name());
    ordered.push_back(&*it);
  }
  if (blobs.size() != all_.size()) {
    for (const DeviceBlob& b : blobs) {
      auto named = [&b](const Device* d) { return b.name == d->name(); };
      if (std::none_of(all_.begin(), all_.end(), named))
        return makeError("state for unknown device " + b.name);
    }
  }
  std::vector<DeviceBlob> before = saveAll();
  for (size_t i = 0; i < all_.size(); i++) {
    if (Status s = all_[i]->restoreState(ordered[i]->state); !s) {
      for (size_t j = 0; j < i; j++) (void)all_[j]->restoreState(before[j].state);
      return s;
    }
  }
  return {};
}

}  // namespace tandem
