#include "tools/ReportHtml.h"

#include <cstdio>

#include "logstore/FailureSignature.h"
#include "tools/Html.h"
#include "tools/ReportFormat.h"
#include "tools/TimelineChart.h"

namespace tandem::cli {
namespace {

std::string code(const std::string& s) { return "<code>" + htmlEscape(s) + "</code>"; }

std::string summaryTable(const Diagnosis& d, const ReportSource& source) {
  std::string s = "<table>\n";
  s += htmlRow("signature", code(d.signature));
  if (!d.panic_message.empty() && d.panic_message != d.message) s += htmlRow("panic", code(d.panic_message));
  s += htmlRow("at", "icount " + std::to_string(d.icount) + ", guest time " +
                         htmlEscape(formatGuestTime(d.timeline.failureNs())));
  if (d.task)
    s += htmlRow("task", "pid " + std::to_string(d.task->pid) + " " + code(d.task->comm) +
                             ((d.task->address && d.task->kernelThread()) ? " (a kernel thread)" : ""));
  if (d.trap) {
    s += htmlRow("exception", htmlEscape(trapSummary(*d.trap)));
    s += htmlRow("eip", code(hexAddress(d.trap->eip) + " " + d.trap->where));
    s += htmlRow("registers", "<pre>" + htmlEscape(trapRegisters(*d.trap)) + "</pre>");
  }
  if (!d.modules.empty()) {
    std::string m;
    for (const std::string& name : d.modules) m += (m.empty() ? "" : " ") + name;
    s += htmlRow("modules", code(m));
  }
  s += htmlRow("source", htmlEscape(source.what));
  if (source.reproduced)
    s += htmlRow("replay", std::string(*source.reproduced ? "<strong>" : "<strong class=\"new\">") +
                               htmlEscape(replayLine(source)) + "</strong>");
  return s + "</table>\n";
}

std::string backtraceTable(const Diagnosis& d) {
  std::string s = "<table class=\"grid mono\">\n<tr><th>#</th><th>address</th><th>function</th></tr>\n";
  for (size_t i = 0; i < d.backtrace.size(); ++i) {
    const BacktraceFrame& f = d.backtrace[i];
    s += std::string(i == d.culprit_frame ? "<tr class=\"culprit\">" : "<tr>") + "<td>" + std::to_string(i) +
         "</td><td>" + hexAddress(f.pc) + "</td><td>" + htmlEscape(f.where) +
         (f.exception ? " <em>(interrupted)</em>" : "") + "</td></tr>\n";
  }
  return s + "</table>\n<p class=\"sub\">Read " + htmlEscape(stateWhere(d)) + ". The walk ended: " +
         htmlEscape(d.backtrace_end) +
         ". The highlighted frame is where the failing code starts.</p>\n";
}

std::string eventsTable(const Timeline& t) {
  std::string s = "<table class=\"grid mono\">\n<tr><th>before the failure</th><th>icount</th><th>lane</th>"
                  "<th>event</th></tr>\n";
  for (const TimelineRun& r : t.latestRuns(kReportEvents)) {
    const TimelineEntry& e = t.entries()[r.last];
    s += "<tr><td>" + beforeFailure(t, e) + "</td><td>" + std::to_string(e.icount) + "</td><td>" +
         htmlEscape(t.lanes()[e.lane].name) + "</td><td>" + htmlEscape(runText(t, r)) + "</td></tr>\n";
  }
  return s + "</table>\n";
}

}  // namespace

std::string reportHtml(const Diagnosis& d, const ReportSource& source) {
  std::string title = failureTitle(d);
  std::string s = htmlPageBegin("tandem report: " + title);
  s += "<h1><span class=\"kind\">" + htmlEscape(failureKindName(d.kind)) + "</span> " +
       htmlEscape(d.cause) + "</h1>\n";
  s += "<div class=\"sub\">" + htmlEscape(d.message) + "</div>\n";
  s += summaryTable(d, source);
  s += "<h2>Events before the failure</h2>\n<p class=\"sub\">" + htmlEscape(timelineSource(d.timeline)) +
       "</p>\n";
  s += TimelineChart::svg(d.timeline);
  s += "<h2>Backtrace</h2>\n" + backtraceTable(d);
  s += "<h2>Kernel log</h2>\n<pre>";
  for (const std::string& l : d.log) s += htmlEscape(l) + "\n";
  s += "</pre>\n";
  s += "<h2>The latest events</h2>\n" + eventsTable(d.timeline);
  if (!d.notes.empty()) {
    s += "<h2>Notes</h2>\n<ul>\n";
    for (const std::string& n : d.notes) s += "<li class=\"note\">" + htmlEscape(n) + "</li>\n";
    s += "</ul>\n";
  }
  return s + htmlPageEnd();
}

}  // namespace tandem::cli
