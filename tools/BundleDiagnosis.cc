#include "tools/BundleDiagnosis.h"

#include <cstring>
#include <memory>
#include <optional>

#include "tools/Console.h"

namespace tandem::cli {

DiagnosedBundle diagnoseBundle(BundleReplay& replay, bool (*keep_going)()) {
  Machine& m = replay.machine();
  const pb::FailureRecord& f = replay.failure();
  const uint64_t report = f.report_icount();
  std::optional<CpuState> report_cpu;
  std::unique_ptr<PhysMemory> report_ram;
  std::string why_not;
  if (report != 0 && report < replay.startIcount()) {
    why_not = "the bundle's window starts at icount " + std::to_string(replay.startIcount()) +
              ", after the kernel's report began";
  } else if (report != 0) {
    replay.reach(report, keep_going);
    if (m.icount().value() == report && !replay.door().divergence()) {
      report_cpu = m.cpu().saveState();
      report_ram = std::make_unique<PhysMemory>(m.memory().size());
      std::memcpy(report_ram->base(), m.memory().base(), m.memory().size());
    } else {
      why_not = "the replay stopped at icount " + std::to_string(m.icount().value()) +
                " before the report's start";
    }
  }
  ReplayOutcome outcome = replay.runToFailure(keep_going);
  outcome.instructions = outcome.icount - replay.startIcount();
  CpuState cpu = m.cpu().saveState();
  std::optional<GuestMoment> at_report;
  if (report_cpu) at_report.emplace(GuestMoment{*report_ram, *report_cpu});
  DiagnosedBundle out{Diagnosis::make(GuestMoment{m.memory(), cpu}, at_report ? &*at_report : nullptr, f,
                                      replay.source().events()),
                      std::move(outcome)};
  if (!why_not.empty()) out.diagnosis.notes.push_back(why_not);
  return out;
}

pb::ArchiveDiagnosis archiveDiagnosis(const DiagnosedBundle& d, const pb::FailureRecord& recorded,
                                      int64_t now_ns) {
  pb::ArchiveDiagnosis a;
  *a.mutable_failure() = d.diagnosis.record(recorded);
  a.set_reproduced(d.outcome.reproduced);
  a.set_verdict(d.outcome.verdict);
  a.set_diagnosed_ns(now_ns);
  return a;
}

Result<pb::ArchiveDiagnosis> diagnoseArchived(Archive& archive, const Sha256Digest& id, int64_t now_ns) {
  pb::ArchiveDiagnosis a;
  {
    // The archived bundle is read in place: done with it before writing.
    auto reader = archive.openBundle(id);
    if (!reader) return reader.error();
    ConsoleOutput console(-1);
    auto replay = BundleReplay::open(std::move(*reader), console);
    if (!replay) return replay.error();
    a = archiveDiagnosis(diagnoseBundle(**replay), (*replay)->failure(), now_ns);
  }
  if (Status s = archive.setDiagnosis(id, a); !s) return s.error();
  return a;
}

}  // namespace tandem::cli
