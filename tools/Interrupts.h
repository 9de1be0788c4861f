// How the long-running commands notice ^C (SIGINT), SIGTERM and, for those
// on a terminal, SIGHUP: the signal sets a flag that their run loops look
// at between slices, so they stop cleanly (and say where) instead of dying.
#pragma once

namespace tandem::cli {

// From now on the signals set the flag (SIGHUP too when `hangup`).
void catchInterrupts(bool hangup = false);
// Whether one of them arrived.
bool interrupted();
// !interrupted(): the keep_going test of BundleReplay's run functions.
bool keepGoing();

}  // namespace tandem::cli
