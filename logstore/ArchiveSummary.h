// The nightly summary of an archive: for a time window (e.g. the last 24
// hours), how many failures of each signature were seen, when each
// signature was first and last seen over the archive's whole history, and
// which signatures are new (first seen inside the window).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logstore/tandem.pb.h"

namespace tandem {

struct SignatureSummary {
  std::string signature;
  std::string kind;          // failureKindName()
  std::string message;       // first line of the latest failure's message
  uint64_t in_window = 0;    // failures seen inside the window
  uint64_t total = 0;        // failures in the whole archive
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  bool is_new = false;       // first seen inside the window
  std::string latest_id;     // short id of the latest bundle
};

struct ArchiveSummary {
  int64_t window_start_ns = 0;
  int64_t now_ns = 0;
  uint64_t failures = 0;                  // inside the window
  std::vector<SignatureSummary> signatures;  // those seen inside the window, most frequent first
};

// The entry's failure: as diagnosis refined it (kind, message, frames,
// signature) when replaying the bundle reproduced it, else as recorded.
const pb::FailureRecord& entryFailure(const pb::ArchiveEntry& e);
// The archive's grouping key: entryFailure()'s signature, or one computed
// from it when the bundle did not carry one.
std::string entrySignature(const pb::ArchiveEntry& e);

ArchiveSummary summarize(const std::vector<pb::ArchiveEntry>& entries, int64_t now_ns, uint64_t window_ns);

}  // namespace tandem
