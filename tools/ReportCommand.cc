// tandem report: what happened, from a machine stopped at its failure.
#include <cstdio>

#include "analysis/Diagnosis.h"
#include "analysis/FailureWatch.h"
#include "tools/Commands.h"
#include "tools/GuestOptions.h"
#include "tools/HeadlessGuest.h"
#include "tools/Html.h"
#include "tools/Json.h"
#include "tools/ReportFormat.h"
#include "tools/ReportHtml.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem report BUNDLE|ID [--json] [--html FILE]\n"
    "tandem report --boot [--kernel FILE [--initrd FILE] [--append CMDLINE] | --workload NAME]\n"
    "                     [--mem SIZE] [--max-icount N] [--hang N] [--json] [--html FILE]\n"
    "Diagnoses a failure: its kind and cause, its signature, the exception and faulting\n"
    "address of an oops, the task, the backtrace, the kernel's last log lines and the events\n"
    "before it, as text, as JSON (--json) and as a self-contained HTML page (--html FILE).\n"
    "--boot boots the guest now under the virtual clock and diagnoses its first failure (a\n"
    "panic, an unexpected reset, a triple fault, or a hang: interrupts disabled and none\n"
    "delivered for N instructions, default 1e9), e.g. the default guest's crash workload:\n"
    "  tandem report --boot --workload crash --append tandem.crash=null --html null.html\n"
    "Exit status: 0 a report was written, 1 no failure or an error, 2 bad usage or input.";

constexpr uint64_t kDefaultMaxIcount = 100'000'000'000ull;
constexpr size_t kConsoleTail = 64 * 1024;

int fail(const std::string& message) {
  std::fprintf(stderr, "tandem report: %s\n", message.c_str());
  return kExitFailure;
}

}  // namespace

int cmdReport(const Args& argv) {
  std::vector<OptionSpec> specs;
  for (OptionSpec& s : guestOptionSpecs())
    if (s.name != "clock") specs.push_back(std::move(s));
  specs.push_back({"boot", false, "boot the guest now and diagnose its first failure"});
  specs.push_back({"max-icount", true, "with --boot: give up after this many instructions", "N"});
  specs.push_back({"hang", true, "with --boot: instructions without interrupts that make a hang", "N"});
  specs.push_back({"json", false, "print the report as JSON"});
  specs.push_back({"html", true, "also write the report as an HTML page", "FILE"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("report", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (!args->has("boot")) {
    if (args->positional.size() != 1) return usageError("report", "needs one BUNDLE or ID (or --boot)");
    return fail("'" + args->positional[0] +
                "': reading a bundle needs its replay to the failure, which this build does not "
                "have yet; --boot diagnoses a guest booted now");
  }
  if (!args->positional.empty())
    return usageError("report", "--boot takes no BUNDLE or ID ('" + args->positional[0] + "')");
  auto opts = parseGuestOptions(*args, ClockMode::kVirtual);
  if (!opts) return usageError("report", opts.error().message);
  uint64_t max_icount = kDefaultMaxIcount, hang = FailureWatch::kDefaultHangInstructions;
  for (auto [name, value] : {std::pair{"max-icount", &max_icount}, std::pair{"hang", &hang}}) {
    if (auto text = args->get(name)) {
      auto v = parseUint(name, *text);
      if (!v) return usageError("report", v.error().message);
      if (*v == 0) return usageError("report", std::string("--") + name + ": must be above 0");
      *value = *v;
    }
  }

  auto guest = HeadlessGuest::boot(opts->guest, opts->ram_bytes);
  if (!guest) return usageError("report", guest.error().message);
  HeadlessGuest& g = **guest;
  WatchOutcome out;
  {
    FailureWatch watch(g.machine(), hang, &g.events());
    out = watch.run(max_icount);
  }
  if (!out.failure)
    return fail(std::string("the guest did not fail: ") + machineExitName(out.exit) + " at icount " +
                std::to_string(g.machine().icount().value()));
  const std::string& console = g.console();
  out.failure->set_console_tail(console.substr(console.size() - std::min(console.size(), kConsoleTail)));
  Machine& m = g.machine();
  Diagnosis d = Diagnosis::make(m.memory(), m.cpu().saveState(), *out.failure, g.events().events());
  std::string source = "booted under the virtual clock: " + opts->guest.cmdline;

  if (auto html = args->get("html")) {
    std::string page = reportHtml(d, source);
    if (Status s = writeHtmlFile(*html, page); !s)
      return usageError("report", "--html: " + s.error().message);
  }
  if (args->has("json")) {
    JsonWriter w;
    reportJson(w, d, source);
    std::printf("%s\n", w.str().c_str());
  } else {
    std::fputs(reportText(d, source).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace tandem::cli
