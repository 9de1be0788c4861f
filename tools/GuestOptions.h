// Options shared by the commands that boot a guest (run, record): which
// kernel, initrd and command line, how much memory, which clock.
#pragma once

#include <string>
#include <vector>

#include "tools/Args.h"
#include "vmm/boot/GuestLoader.h"

namespace tandem::cli {

enum class ClockMode { kVirtual, kHost };

struct GuestOptions {
  GuestSpec guest;
  uint64_t ram_bytes = 128ull << 20;
  ClockMode clock = ClockMode::kVirtual;
  bool default_guest = false;
};

// The option specs: --kernel --initrd --append --workload --mem --clock.
std::vector<OptionSpec> guestOptionSpecs();

// Reads the guest options. With no --kernel, the default guest (fetched by
// guest/fetch-default-guest.sh) with `console=ttyS0 panic=-1 nokaslr` and
// the workload of --workload (default "shell").
Result<GuestOptions> parseGuestOptions(const ParsedArgs& args, ClockMode default_clock);

}  // namespace tandem::cli
