#include "tools/GuestState.h"

#include "tools/GuestOptions.h"

namespace tandem::cli {
namespace {
// The default guest's shell prompt, and how long to wait for it (the
// guest reaches it after about 7e9 instructions).
constexpr std::string_view kPrompt = "tandem:/# ";
constexpr uint64_t kPromptLimit = 40'000'000'000ull;
}  // namespace

std::vector<OptionSpec> guestStateOptionSpecs() {
  std::vector<OptionSpec> specs;
  for (OptionSpec& s : guestOptionSpecs())
    if (s.name != "clock") specs.push_back(std::move(s));
  specs.push_back({"icount", true,
                   "run the guest to this instruction count (default: to the default guest's "
                   "shell prompt)",
                   "N"});
  return specs;
}

ReachedState reachGuestState(const ParsedArgs& args) {
  ReachedState out;
  auto fail = [&](bool usage, std::string message) {
    out.usage_error = usage;
    out.error = std::move(message);
    return std::move(out);
  };
  auto opts = parseGuestOptions(args, ClockMode::kVirtual);
  if (!opts) return fail(true, opts.error().message);
  std::optional<uint64_t> icount;
  if (auto v = args.get("icount")) {
    auto n = parseUint("icount", *v);
    if (!n) return fail(true, n.error().message);
    icount = *n;
  }
  bool shell = opts->default_guest && args.get("workload").value_or("shell") == "shell";
  if (!icount && !shell)
    return fail(true, "--icount is needed unless the guest is the default guest's shell");
  auto guest = HeadlessGuest::boot(opts->guest, opts->ram_bytes);
  if (!guest) return fail(true, guest.error().message);
  if (icount) {
    MachineExit exit = (*guest)->runUntilExit(*icount);
    if (exit != MachineExit::kLimit)
      return fail(false, std::string("the guest stopped (") + machineExitName(exit) +
                             ") before icount " + std::to_string(*icount));
  } else {
    auto at = (*guest)->runUntilOutput(kPrompt, 0, kPromptLimit);
    if (!at) return fail(false, at.error().message);
  }
  out.guest = std::move(*guest);
  return out;
}

}  // namespace tandem::cli
