// tandem replay: run a bundle from its snapshot to the failure, with the
// console as it happened, and say whether the failure reproduced.
#include <signal.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "logstore/FailureSignature.h"
#include "replayer/BundleReplay.h"
#include "tools/BundleArg.h"
#include "tools/Commands.h"
#include "tools/Console.h"

namespace tandem::cli {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void onSignal(int) {
  g_interrupted = 1;
}
bool keepGoing() {
  return !g_interrupted;
}

constexpr int kExitNotReproduced = 7;

const char* kSynopsis =
    "tandem replay BUNDLE|ID [--archive DIR] [--quiet] [--json]\n"
    "Replays a bundle (a file, or the id of a bundle in the archive) from its snapshot to the\n"
    "recorded failure, showing the guest's console from there, and says whether the failure\n"
    "reproduced: the same kind at the same icount with the same machine digest.\n"
    "Exit status: 0 reproduced, 7 not reproduced, 130 interrupted, 1 failure, 2 bad usage or\n"
    "input.";

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

}  // namespace

int cmdReplay(const Args& argv) {
  std::vector<OptionSpec> specs = bundleArgSpecs();
  specs.push_back({"quiet", false, "do not show the guest's console"});
  specs.push_back({"json", false, "print the result as JSON on stdout"});
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
  ConsoleOutput console(args->has("quiet") || json ? -1 : STDOUT_FILENO);
  auto replay = BundleReplay::open(std::move(*reader), console);
  if (!replay) return usageError("replay", replay.error().message);
  BundleReplay& r = **replay;
  const pb::FailureRecord& f = r.failure();
  if (!json)
    std::fprintf(stderr, "tandem replay: %s at icount %" PRIu64 ", replaying from icount %" PRIu64
                 " (%zu events)\n",
                 failureKindName(f.kind()).c_str(), f.icount(), r.startIcount(),
                 r.source().events().size());

  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ReplayOutcome o = r.runToFailure(&keepGoing);
  console.flush();
  if (g_interrupted && !o.reproduced) {
    std::fprintf(stderr, "\ntandem replay: interrupted at icount %" PRIu64 "\n", o.icount);
    return 130;
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
