// Options shared by the commands that boot a guest (run, record): which
// kernel, initrd and command line, how much memory, which clock.
#pragma once

#include <string>
#include <vector>

#include "tools/Args.h"
#include "tools/RunClock.h"
#include "vmm/boot/GuestLoader.h"

namespace tandem::cli {

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

// For a machine restored from a file, which holds the guest already: the
// guest options given must agree with what the file records (RAM, clock,
// kernel command line); those left out are taken from the file.
Status checkSavedGuest(const ParsedArgs& args, uint64_t ram_bytes, ClockMode clock,
                       const std::string& cmdline);

}  // namespace tandem::cli
