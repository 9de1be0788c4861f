// How the inspection commands (symbols, core) reach the guest state they
// read when they are given no bundle: they boot the guest under the virtual
// clock, which makes the state the same on every run, to the default
// guest's shell prompt or to instruction --icount N.
#pragma once

#include <memory>
#include <vector>

#include "tools/Args.h"
#include "tools/HeadlessGuest.h"

namespace tandem::cli {

// The guest options (without --clock: always virtual) and --icount.
std::vector<OptionSpec> guestStateOptionSpecs();

// Boots and runs the guest the options describe. Errors are usage errors
// (bad options or files) or say why the state was not reached.
struct ReachedState {
  std::unique_ptr<HeadlessGuest> guest;
  bool usage_error = false;
  std::string error;
};
ReachedState reachGuestState(const ParsedArgs& args);

}  // namespace tandem::cli
