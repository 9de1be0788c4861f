#include "logstore/ArchiveSummary.h"

#include <algorithm>
#include <map>

#include "logstore/Archive.h"
#include "logstore/FailureSignature.h"

namespace tandem {

const pb::FailureRecord& entryFailure(const pb::ArchiveEntry& e) {
  // A failure the replay did not reach was diagnosed at the wrong point.
  if (e.has_diagnosis() && e.diagnosis().reproduced()) return e.diagnosis().failure();
  return e.manifest().failure();
}

std::string entrySignature(const pb::ArchiveEntry& e) {
  const pb::FailureRecord& f = entryFailure(e);
  return f.signature().empty() ? failureSignature(f) : f.signature();
}

ArchiveSummary summarize(const std::vector<pb::ArchiveEntry>& entries, int64_t now_ns, uint64_t window_ns) {
  ArchiveSummary out;
  out.now_ns = now_ns;
  out.window_start_ns = now_ns - static_cast<int64_t>(std::min<uint64_t>(window_ns, INT64_MAX));
  std::map<std::string, SignatureSummary> by_sig;
  for (const pb::ArchiveEntry& e : entries) {
    std::string sig = entrySignature(e);
    SignatureSummary& s = by_sig[sig];
    int64_t seen = seenNs(e);
    if (s.total == 0 || seen < s.first_seen_ns) s.first_seen_ns = seen;
    if (s.total == 0 || seen >= s.last_seen_ns) {
      s.last_seen_ns = seen;
      s.latest_id = shortId(e.bundle_sha256());
      s.kind = failureKindName(entryFailure(e).kind());
      const std::string& m = entryFailure(e).message();
      s.message = m.substr(0, std::min<size_t>(m.find('\n'), 200));
    }
    s.signature = sig;
    ++s.total;
    if (seen >= out.window_start_ns && seen <= now_ns) {
      ++s.in_window;
      ++out.failures;
    }
  }
  for (auto& [sig, s] : by_sig) {
    if (s.in_window == 0) continue;
    s.is_new = s.first_seen_ns >= out.window_start_ns;
    out.signatures.push_back(s);
  }
  std::sort(out.signatures.begin(), out.signatures.end(), [](const SignatureSummary& a, const SignatureSummary& b) {
    if (a.in_window != b.in_window) return a.in_window > b.in_window;
    return a.signature < b.signature;
  });
  return out;
}

}  // namespace tandem
