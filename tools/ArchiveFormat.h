// How `tandem archive` prints entries and summaries, as text for people and
// as JSON for programs.
#pragma once

#include <cstdint>
#include <string>

#include "logstore/ArchiveSummary.h"
#include "logstore/BundleReader.h"
#include "logstore/tandem.pb.h"
#include "tools/Json.h"

namespace tandem::cli {

// "2023-11-14T22:13:20Z"; "-" for 0.
std::string formatTime(int64_t ns);
// "512 B", "4.1 MiB".
std::string formatBytes(uint64_t bytes);

std::string listHeader();
std::string listLine(const pb::ArchiveEntry& e);
void entryJson(JsonWriter& w, const pb::ArchiveEntry& e);

// `reader` (the bundle read through the archive) adds snapshots and sections.
std::string showText(const pb::ArchiveEntry& e, const BundleReader& reader);
void showJson(JsonWriter& w, const pb::ArchiveEntry& e, const BundleReader& reader);

std::string summaryText(const ArchiveSummary& s);
void summaryJson(JsonWriter& w, const ArchiveSummary& s);
// The nightly summary as one self-contained HTML page: a row per
// signature with a bar for its count in the window, new ones marked.
std::string summaryHtml(const ArchiveSummary& s);

}  // namespace tandem::cli
