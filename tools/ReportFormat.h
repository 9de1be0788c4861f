// How `tandem report` writes a diagnosis (analysis/Diagnosis.h): as text
// for people and as JSON for programs (tools/ReportHtml.h writes the HTML
// page).
#pragma once

#include <optional>
#include <string>

#include "analysis/Diagnosis.h"
#include "tools/Json.h"

namespace tandem::cli {

// What was diagnosed, and what replaying it said.
struct ReportSource {
  std::string what;                 // "bundle 3fa2c1d0"
  std::optional<bool> reproduced;   // unset when the failure was not replayed
  std::string verdict;              // the replay's one-line verdict
};

// Runs of timeline events listed (the latest ones).
constexpr size_t kReportEvents = 40;
// How long before the failure an entry was: "12.345678 ms".
std::string beforeFailure(const Timeline& t, const TimelineEntry& e);
// A run's last event, and how many there were since when: "tsc 6.7 s
// (37 from 0.000804 ms before)".
std::string runText(const Timeline& t, const TimelineRun& r);
// "0xc8806012".
std::string hexAddress(uint32_t v);

std::string reportText(const Diagnosis& d, const ReportSource& source);
void reportJson(JsonWriter& w, const Diagnosis& d, const ReportSource& source);
// "reproduced: ..." or "did not reproduce: ...", or "" when not replayed.
std::string replayLine(const ReportSource& source);

// "oops: NULL pointer dereference", "panic: sysrq triggered crash".
std::string failureTitle(const Diagnosis& d);
// "#14 page fault, error code 0x0000, address 0x00000000", "interrupt, vector 0x30"
std::string trapSummary(const TrapFrame& t);
// "eax=00000026 ebx=... " over two lines.
std::string trapRegisters(const TrapFrame& t);
// Where the backtrace, trap frame and task were read: "at icount N, where
// the kernel's report began" or "at the failure".
std::string stateWhere(const Diagnosis& d);
// "lane: count" rows and the source of the times.
std::string timelineSource(const Timeline& t);

}  // namespace tandem::cli
