// Time travel on the default guest with the virtual clock: runs a window of
// guest time forward (checkpoints taken on the way, within the budget),
// then seeks to random icounts in it and steps back one instruction from
// each, timing both (and one step back at the end of the forward run).
// Prints one JSON line:
//   replay_bench [--window-s S] [--seeks N] [--checkpoint-budget SIZE]
//                [--seed N] [guest options: --workload NAME, --kernel FILE, ...]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "logger/VirtualClock.h"
#include "replayer/HistoryConsole.h"
#include "replayer/TimeTravel.h"
#include "replayer/VirtualClockCheckpoints.h"
#include "tools/Args.h"
#include "tools/GuestOptions.h"
#include "vmm/boot/GuestLoader.h"

namespace {

using namespace tandem;
using Clock = std::chrono::steady_clock;

class NullConsole : public ConsoleSink {
 public:
  void consoleWrite(uint8_t) override {}
};

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int fail(const std::string& message) {
  std::fprintf(stderr, "replay_bench: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<cli::OptionSpec> specs = cli::guestOptionSpecs();
  specs.push_back({"window-s", true, "guest seconds to run and seek in (default 30)", "S"});
  specs.push_back({"seeks", true, "random seeks (default 20)", "N"});
  specs.push_back({"checkpoint-budget", true, "memory for checkpoints (default 256M)", "SIZE"});
  specs.push_back({"seed", true, "seed of the random icounts (default 1)", "N"});
  specs.push_back({"interval", true, "instructions between checkpoints (default: time travel's)", "N"});
  auto args = cli::parseArgs(std::vector<std::string>(argv + 1, argv + argc), specs);
  if (!args) return fail(args.error().message);
  auto opts = cli::parseGuestOptions(*args, cli::ClockMode::kVirtual);
  if (!opts) return fail(opts.error().message);
  if (opts->clock != cli::ClockMode::kVirtual) return fail("time travel needs --clock virtual");
  uint64_t window_s = 30, seeks = 20, seed = 1;
  TimeTravelOptions tt_options;
  for (auto [name, out] : {std::pair{"window-s", &window_s}, {"seeks", &seeks}, {"seed", &seed},
                           {"interval", &tt_options.interval}}) {
    if (auto v = args->get(name)) {
      auto n = cli::parseUint(name, *v);
      if (!n) return fail(n.error().message);
      *out = *n;
    }
  }
  if (auto b = args->get("checkpoint-budget")) {
    auto n = cli::parseSize("checkpoint-budget", *b);
    if (!n) return fail(n.error().message);
    tt_options.budget_bytes = *n;
  }

  VirtualClock clock;
  VirtualClockCheckpoints clock_state(clock);
  NullConsole null_console;
  HistoryConsole console(null_console);
  auto machine = Machine::create(MachineConfig{opts->ram_bytes}, clock, console);
  if (!machine) return fail(machine.error().message);
  Machine& m = **machine;
  auto loaded = loadGuest(opts->guest, m.memory());
  if (!loaded) return fail(loaded.error().message);
  m.cpu().loadState(loaded->entry.cpuState());
  TimeTravel tt(m, clock_state, &console, tt_options);

  // Forward through the window.
  auto t0 = Clock::now();
  const uint64_t window_ns = window_s * 1'000'000'000ull;
  MachineExit exit = MachineExit::kLimit;
  while (clock.clockNs(m.icount(), ClockRead::kPoll) < window_ns && exit == MachineExit::kLimit)
    exit = tt.run(tt.now() + 1'000'000);  // fine steps: an idle guest skips seconds
  double forward_s = since(t0);
  uint64_t end = tt.now();
  double guest_s = clock.clockNs(m.icount(), ClockRead::kPoll) / 1e9;

  // One step back at the end of the run, where the nearest checkpoint is
  // the last regular one.
  auto never = [] { return false; };
  auto t1 = Clock::now();
  if (tt.seek(end - 1, never) != MachineExit::kLimit) return fail("reverse step failed");
  double step_at_end_s = since(t1);

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> pick(tt.start() + 1, end);
  std::vector<double> seek_s, step_s;
  for (uint64_t k = 0; k < seeks; ++k) {
    uint64_t target = pick(rng);
    auto t = Clock::now();
    if (tt.seek(target, never) != MachineExit::kLimit || tt.now() != target)
      return fail("seek to " + std::to_string(target) + " did not land there");
    seek_s.push_back(since(t));
    t = Clock::now();
    if (tt.seek(target - 1, never) != MachineExit::kLimit) return fail("reverse step failed");
    step_s.push_back(since(t));
  }
  std::printf(
      "{\"bench\":\"replay\",\"workload\":\"%s\",\"window_guest_s\":%.3f,\"window_icount\":%llu,"
      "\"end\":\"%s\",\"forward_s\":%.3f,\"forward_mips\":%.1f,\"seeks\":%llu,"
      "\"seek_median_s\":%.4f,\"seek_max_s\":%.4f,\"reverse_stepi_s\":%.4f,"
      "\"reverse_stepi_max_s\":%.4f,\"reverse_stepi_at_end_s\":%.4f,\"checkpoints\":%zu,\"checkpoint_bytes\":%llu,"
      "\"checkpoint_budget\":%llu,\"interval\":%llu}\n",
      args->get("workload").value_or(opts->default_guest ? "shell" : "kernel").c_str(), guest_s,
      static_cast<unsigned long long>(end), machineExitName(exit), forward_s,
      forward_s > 0 ? end / forward_s / 1e6 : 0.0, static_cast<unsigned long long>(seeks),
      median(seek_s), seek_s.empty() ? 0 : *std::max_element(seek_s.begin(), seek_s.end()),
      median(step_s), step_s.empty() ? 0 : *std::max_element(step_s.begin(), step_s.end()),
      step_at_end_s,
      tt.checkpoints().size(), static_cast<unsigned long long>(tt.checkpoints().bytes()),
      static_cast<unsigned long long>(tt.checkpoints().budget()),
      static_cast<unsigned long long>(tt_options.interval));
  return 0;
}
