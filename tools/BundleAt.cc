#include "tools/BundleAt.h"

#include <cinttypes>
#include <cstdio>

#include "tools/BundleArg.h"
#include "tools/Commands.h"
#include "tools/Interrupts.h"
#include "tools/ReplayStop.h"

namespace tandem::cli {

BundleAt replayBundleTo(const ParsedArgs& args, const std::string& command,
                        const std::string& fallback) {
  BundleAt out;
  auto failed = [&](int exit) {
    out.exit = exit;
    return std::move(out);
  };
  auto usage = [&](const std::string& message) { return failed(usageError(command, message)); };
  auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "tandem %s: %s\n", command.c_str(), message.c_str());
    return failed(kExitFailure);
  };
  auto reader = openBundleArg(args.positional[0], args);
  if (!reader) return usage(reader.error().message);
  out.console = std::make_unique<ConsoleOutput>(-1, 0);
  auto replay = BundleReplay::open(std::move(*reader), *out.console);
  if (!replay) return usage(replay.error().message);
  BundleReplay& r = **replay;
  auto icount = ReplayStop::resolve(args.get("at").value_or(fallback), r.startIcount(), r.endIcount());
  if (!icount) return usage("--at: " + icount.error().message);
  catchInterrupts();
  MachineExit exit = r.reach(*icount, &keepGoing);
  const uint64_t at = r.machine().icount().value();
  if (at == *icount) {
    out.replay = std::move(*replay);
    return out;
  }
  if (interrupted()) {
    std::fprintf(stderr, "tandem %s: interrupted at icount %" PRIu64 "\n", command.c_str(), at);
    return failed(kExitInterrupted);
  }
  if (const auto& d = r.door().divergence())
    return fail("did not reach icount " + std::to_string(*icount) +
                ": the replay diverged from the recording at icount " + std::to_string(d->icount) +
                ": " + d->what);
  return fail("did not reach icount " + std::to_string(*icount) + ": " + machineExitName(exit) +
              " at icount " + std::to_string(at));
}

}  // namespace tandem::cli
