#include "tools/Interrupts.h"

#include <csignal>

namespace tandem::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void onSignal(int) { g_interrupted = 1; }

}  // namespace

void catchInterrupts(bool hangup) {
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (hangup) sigaction(SIGHUP, &sa, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

bool keepGoing() { return !interrupted(); }

}  // namespace tandem::cli
