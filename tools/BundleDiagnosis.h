// A bundle replayed to its failure and diagnosed, as `tandem report` and the
// archive (for its grouping key) do it. The replay stops on the way where
// the kernel's report began (the failure record's report_icount), keeps the
// CPU and a copy of RAM there for the backtrace, the saved exception state
// and the task, then goes on to the failure, where the kernel's log is
// complete. Where the machine stops makes no difference to the guest
// (vmm/Machine.h), so the replay reaches the failure as it would have.
#pragma once

#include <string>

#include "analysis/Diagnosis.h"
#include "logstore/Archive.h"
#include "replayer/BundleReplay.h"

namespace tandem::cli {

struct DiagnosedBundle {
  Diagnosis diagnosis;
  ReplayOutcome outcome;
};

// `replay` must stand at the bundle's start.
DiagnosedBundle diagnoseBundle(BundleReplay& replay, bool (*keep_going)() = nullptr);

// What the archive keeps of a diagnosis (pb::ArchiveDiagnosis).
pb::ArchiveDiagnosis archiveDiagnosis(const DiagnosedBundle& d, const pb::FailureRecord& recorded,
                                      int64_t now_ns);

// Replays and diagnoses the archived bundle `id` and keeps the result with
// its entry. Errors: the bundle cannot be read or replayed, or the archive
// cannot be written.
Result<pb::ArchiveDiagnosis> diagnoseArchived(Archive& archive, const Sha256Digest& id, int64_t now_ns);

}  // namespace tandem::cli
