#include "tools/GuestOptions.h"

#include <sys/stat.h>

#include "vmm/boot/DefaultGuest.h"

namespace tandem::cli {

std::vector<OptionSpec> guestOptionSpecs() {
  return {
      {"kernel", true, "guest kernel: a Linux bzImage or a multiboot ELF (default: the default guest)", "FILE"},
      {"initrd", true, "initial ramdisk for a Linux kernel", "FILE"},
      {"append", true, "kernel command line", "CMDLINE"},
      {"workload", true, "default guest only: the workload to run (shell, selftest, bench, panic, ...)", "NAME"},
      {"mem", true, "guest RAM (default 128M)", "SIZE"},
      {"clock", true, "virtual (derived from instruction count) or host (wall time)", "MODE"},
      {"decompress-in-guest", false, "run the bzImage's own decompressor in the guest (default: decompress on the host)"},
  };
}

namespace {

Result<uint64_t> parseMem(const std::string& mem) {
  auto bytes = parseSize("mem", mem);
  if (!bytes) return bytes.error();
  if (*bytes < (4ull << 20) || *bytes > (3ull << 30))
    return makeError("--mem: '" + mem + "' is outside 4M..3G");
  return *bytes;
}

Result<ClockMode> parseClock(const std::string& clock) {
  if (clock == "virtual") return ClockMode::kVirtual;
  if (clock == "host") return ClockMode::kHost;
  return makeError("--clock: '" + clock + "' is not 'virtual' or 'host'");
}

}  // namespace

Result<GuestOptions> parseGuestOptions(const ParsedArgs& args, ClockMode default_clock) {
  GuestOptions o;
  o.clock = default_clock;
  if (auto mem = args.get("mem")) {
    auto bytes = parseMem(*mem);
    if (!bytes) return bytes.error();
    o.ram_bytes = *bytes;
  }
  if (auto clock = args.get("clock")) {
    auto mode = parseClock(*clock);
    if (!mode) return mode.error();
    o.clock = *mode;
  }
  auto kernel = args.get("kernel");
  if (!kernel) {
    if (args.get("initrd")) return makeError("--initrd needs --kernel");
    auto guest = DefaultGuest::find();
    if (!guest) return guest.error();
    o.default_guest = true;
    o.guest.kernel = guest->kernel;
    o.guest.initrd = guest->initrd;
    std::string workload = args.get("workload").value_or("shell");
    for (char c : workload)
      if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
        return makeError("--workload: '" + workload + "' is not a workload name");
    o.guest.cmdline = "console=ttyS0 panic=-1 nokaslr tandem.workload=" + workload;
    if (auto extra = args.get("append")) o.guest.cmdline += " " + *extra;
  } else {
    if (args.get("workload")) return makeError("--workload applies to the default guest only");
    o.guest.kernel = *kernel;
    o.guest.initrd = args.get("initrd").value_or("");
    o.guest.cmdline = args.get("append").value_or("");
  }
  o.guest.decompress_in_guest = args.has("decompress-in-guest");
  for (const std::string* f : {&o.guest.kernel, &o.guest.initrd}) {
    if (f->empty()) continue;
    struct stat sb;
    if (::stat(f->c_str(), &sb) != 0) return makeError(*f + ": no such file");
    if (!S_ISREG(sb.st_mode)) return makeError(*f + ": not a regular file");
  }
  if (Status s = checkGuest(o.guest, o.ram_bytes); !s) return s.error();
  return o;
}

Status checkSavedGuest(const ParsedArgs& args, uint64_t ram_bytes, ClockMode clock,
                       const std::string& cmdline) {
  if (auto mem = args.get("mem")) {
    auto bytes = parseMem(*mem);
    if (!bytes) return bytes.error();
    if (*bytes != ram_bytes)
      return makeError("--mem: the saved machine has " + std::to_string(ram_bytes >> 20) +
                       "M of RAM, not " + *mem);
  }
  if (auto c = args.get("clock")) {
    auto mode = parseClock(*c);
    if (!mode) return mode.error();
    if (*mode != clock)
      return makeError(std::string("--clock: the machine was saved with --clock ") +
                       clockModeName(clock));
  }
  for (const char* name : {"kernel", "initrd", "append", "workload"}) {
    if (!args.has(name)) continue;
    auto opts = parseGuestOptions(args, clock);
    if (!opts) return opts.error();
    if (opts->guest.cmdline != cmdline)
      return makeError("the saved machine was booted with the command line '" + cmdline +
                       "', not '" + opts->guest.cmdline + "'");
    break;
  }
  return {};
}

}  // namespace tandem::cli
