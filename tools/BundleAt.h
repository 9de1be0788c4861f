// A bundle replayed to where the user asked (--at WHERE): what `tandem
// core` and `tandem symbols` read their machine state from.
#pragma once

#include <memory>
#include <string>

#include "replayer/BundleReplay.h"
#include "tools/Args.h"
#include "tools/Console.h"

namespace tandem::cli {

struct BundleAt {
  std::unique_ptr<ConsoleOutput> console;  // the replay's console: discarded
  std::unique_ptr<BundleReplay> replay;    // standing at the icount asked for; null on error
  int exit = 0;                            // the command's exit code when `replay` is null
};

// Opens the bundle named by the first positional argument and replays it
// to --at: "crash" (the failure), ICOUNT, +N after the bundle's start, -N
// before the failure; `fallback` when --at is absent. Errors are printed as
// "tandem COMMAND: ..." (a bad bundle or --at is a usage error; a replay
// that cannot get there, or an interrupt, is not).
BundleAt replayBundleTo(const ParsedArgs& args, const std::string& command,
                        const std::string& fallback);

}  // namespace tandem::cli
