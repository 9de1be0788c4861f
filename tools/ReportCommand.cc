// tandem report: what happened, from a bundle replayed to its failure.
#include <unistd.h>

#include <cstdio>

#include "tools/BundleArg.h"
#include "tools/BundleDiagnosis.h"
#include "tools/Commands.h"
#include "tools/Console.h"
#include "tools/Html.h"
#include "tools/Json.h"
#include "tools/ReportFormat.h"
#include "tools/ReportHtml.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem report BUNDLE|ID [--archive DIR] [--json] [--html FILE]\n"
    "Replays a bundle (a file, or the id of a bundle in the archive) to its failure and\n"
    "diagnoses it from the guest's memory: the failure's kind and cause, its signature, the\n"
    "exception and faulting address of an oops, the task, the backtrace, the kernel's last\n"
    "log lines, the events before the failure, and whether the replay reproduced the\n"
    "failure exactly (deterministic: a software bug) or not (the primary left the\n"
    "deterministic path first: a transient fault). As text, as JSON (--json), and as a\n"
    "self-contained HTML page with the events drawn as a chart (--html FILE).\n"
    "Exit status: 0 a report was written, 1 failure of tandem itself, 2 bad usage or input.";

}  // namespace

int cmdReport(const Args& argv) {
  std::vector<OptionSpec> specs = bundleArgSpecs();
  specs.push_back({"json", false, "print the report as JSON"});
  specs.push_back({"html", true, "also write the report as an HTML page", "FILE"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("report", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (args->positional.size() != 1) return usageError("report", "expected one bundle file or archive id");
  auto reader = openBundleArg(args->positional[0], *args);
  if (!reader) return usageError("report", reader.error().message);
  ConsoleOutput console(-1);
  auto replay = BundleReplay::open(std::move(*reader), console);
  if (!replay) return usageError("report", replay.error().message);
  BundleReplay& r = **replay;
  if (isatty(STDERR_FILENO))
    std::fprintf(stderr, "tandem report: replaying %zu events to the failure...\n", r.source().events().size());
  DiagnosedBundle diagnosed = diagnoseBundle(r);
  const Diagnosis& d = diagnosed.diagnosis;
  ReportSource source{"bundle " + args->positional[0], diagnosed.outcome.reproduced, diagnosed.outcome.verdict};

  if (auto html = args->get("html")) {
    if (Status s = writeHtmlFile(*html, reportHtml(d, source)); !s)
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
