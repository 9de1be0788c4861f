// tandem replay: run a bundle from its snapshot to the failure, with the
// console as it happened, and say whether the failure reproduced; or, with
// --to, run it to one instant of its window and show the machine there.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "logstore/FailureSignature.h"
#include "replayer/BundleReplay.h"
#include "tools/BundleArg.h"
#include "tools/Commands.h"
#include "tools/Interrupts.h"
#include "tools/Console.h"
#include "tools/ReplayStop.h"

namespace tandem::cli {
namespace {


constexpr int kExitNotReproduced = 7;
// The console --to keeps (the window is seconds of guest time: far less).
constexpr size_t kConsoleKept = 1 << 20;

const char* kSynopsis =
    "tandem replay BUNDLE|ID [--archive DIR] [--quiet] [--json] [--to crash|ICOUNT|+N|-N]\n"
    "Replays a bundle (a file, or the id of a bundle in the archive) from its snapshot to the\n"
    "recorded failure, showing the guest's console from there, and says whether the failure\n"
    "reproduced: the same kind at the same icount with the same machine digest.\n"
    "With --to, replays to one instruction count of the bundle's window instead (crash: the\n"
    "failure's; +N: N after the bundle's start; -N: N before the crash) and shows the\n"
    "console up to there, the registers, the instruction at EIP and the nearest events.\n"
    "Exit status: 0 reproduced (or reached), 7 not reproduced (or diverged on the way),\n"
    "130 interrupted, 1 failure, 2 bad usage or input (an icount outside the window).";

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// Replays to `icount` and shows the machine there.
int replayTo(BundleReplay& r, const ConsoleOutput& console, const std::string& to,
             uint64_t icount, bool json, bool quiet) {
  auto t0 = std::chrono::steady_clock::now();
  Machine& m = r.machine();
  const ClockLine start_clock = r.door().position().clock;
  catchInterrupts();
  MachineExit exit = r.reach(icount, &keepGoing);
  const uint64_t at = m.icount().value();
  if (at != icount) {
    if (interrupted()) {
      std::fprintf(stderr, "tandem replay: interrupted at icount %" PRIu64 "\n", at);
      return kExitInterrupted;
    }
    if (const auto& d = r.door().divergence()) {
      std::fprintf(stderr,
                   "tandem replay: did not reach icount %" PRIu64
                   ": the replay diverged from the recording at icount %" PRIu64 ": %s\n",
                   icount, d->icount, d->what.c_str());
      return kExitNotReproduced;
    }
    std::fprintf(stderr, "tandem replay: did not reach icount %" PRIu64 ": %s at icount %" PRIu64 "\n",
                 icount, machineExitName(exit), at);
    return kExitFailure;
  }
  const std::string& tail = console.tail();
  std::string shown = tail.substr(tail.size() - std::min(tail.size(), kConsoleKept));
  ReplayStop stop(r, start_clock, std::move(shown), console.bytesWritten());
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string out = json ? stop.json(to, wall_s) : stop.text(!quiet);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

int cmdReplay(const Args& argv) {
  std::vector<OptionSpec> specs = bundleArgSpecs();
  specs.push_back({"quiet", false, "do not show the guest's console"});
  specs.push_back({"json", false, "print the result as JSON on stdout"});
  specs.push_back({"to", true, "replay to there and show the machine (crash, ICOUNT, +N, -N)",
                   "WHERE"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("replay", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (args->positional.size() != 1)
    return usageError("replay", "expected one bundle file or archive id");
  auto reader = openBundleArg(args->positional[0], *args);
  if (!reader) return usageError("replay", reader.error().message);

  const bool json = args->has("json");
  const std::optional<std::string> to = args->get("to");
  ConsoleOutput console(args->has("quiet") || json || to ? -1 : STDOUT_FILENO,
                        to ? kConsoleKept : 64 * 1024);
  auto replay = BundleReplay::open(std::move(*reader), console);
  if (!replay) return usageError("replay", replay.error().message);
  BundleReplay& r = **replay;
  const pb::FailureRecord& f = r.failure();
  if (to) {
    auto icount = ReplayStop::resolve(*to, r.startIcount(), r.endIcount());
    if (!icount) return usageError("replay", "--to: " + icount.error().message);
    return replayTo(r, console, *to, *icount, json, args->has("quiet"));
  }
  if (!json)
    std::fprintf(stderr, "tandem replay: %s at icount %" PRIu64 ", replaying from icount %" PRIu64
                 " (%zu events)\n",
                 failureKindName(f.kind()).c_str(), f.icount(), r.startIcount(),
                 r.source().events().size());

  catchInterrupts();
  ReplayOutcome o = r.runToFailure(&keepGoing);
  console.flush();
  if (interrupted() && !o.reproduced) {
    std::fprintf(stderr, "\ntandem replay: interrupted at icount %" PRIu64 "\n", o.icount);
    return kExitInterrupted;
  }
  if (json) {
    std::printf(
        "{\"reproduced\":%s,\"kind\":\"%s\",\"recorded_icount\":%" PRIu64
        ",\"icount\":%" PRIu64 ",\"kind_equal\":%s,\"icount_equal\":%s,\"digest_equal\":%s,"
        "\"diverged\":%s,\"divergence_icount\":%" PRIu64 ",\"last_match_icount\":%" PRIu64
        ",\"instructions\":%" PRIu64 ",\"wall_s\":%.3f,\"verdict\":\"%s\"}\n",
        o.reproduced ? "true" : "false", failureKindName(f.kind()).c_str(), f.icount(), o.icount,
        o.kind_equal ? "true" : "false", o.icount_equal ? "true" : "false",
        !o.digest_equal ? "null" : *o.digest_equal ? "true" : "false",
        o.divergence ? "true" : "false", o.divergence ? o.divergence->icount : 0,
        o.divergence ? o.divergence->last_match : f.last_match_icount(), o.instructions, o.wall_s,
        jsonEscape(o.verdict).c_str());
  } else {
    std::fprintf(stderr, "\ntandem replay: %s (%" PRIu64 " instructions in %.2f s)\n",
                 o.verdict.c_str(), o.instructions, o.wall_s);
  }
  return o.reproduced ? kExitOk : kExitNotReproduced;
}

}  // namespace tandem::cli
