#include "tests/diff/DiffRunner.h"

#include <cstring>
#include <map>

#include "tests/diff/Comparator.h"
#include "tests/diff/ElfImage.h"
#include "tests/diff/Lockstep.h"
#include "tests/diff/NativeRunner.h"
#include "tests/diff/ProgramWriter.h"
#include "tests/diff/Strf.h"
#include "tests/diff/TandemRun.h"

namespace tandem::diff {
namespace {

}  // namespace

uint64_t DiffRunner::caseSeed(TestClass cls, uint64_t seed, unsigned index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + (uint64_t{static_cast<unsigned>(cls)} << 40) + index;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Result<BatchResult> DiffRunner::runBatch(TestClass cls, uint64_t seed, unsigned max_cases,
                                         uint64_t min_instructions) {
  BatchResult out;
  out.cls = cls;
  out.seed = seed;
  std::vector<TestCase> cases;
  for (unsigned i = 0; i < max_cases && (min_instructions == 0 || out.instructions < min_instructions); ++i) {
    cases.push_back(makeCase(cls, caseSeed(cls, seed, i)));
    out.instructions += cases.back().instructions;
    out.subjects += cases.back().subjects;
  }
  const unsigned ncases = static_cast<unsigned>(cases.size());
  out.cases = ncases;
  const std::string name = classInfo(cls).name;
  auto path = ProgramWriter::build(cases, workdir_, name, false);
  if (!path) return path.error();
  auto host = NativeRunner::run(*path, size_t{ncases} * kRecordSize);
  if (!host) return host.error();
  auto elf = ElfImage::load(*path);
  if (!elf) return elf.error();
  auto tandem = TandemRun::run(*elf, ncases);
  if (!tandem) return makeError(name + ": " + tandem.error().message);
  const std::vector<uint8_t>& guest = tandem->table;
  const std::map<unsigned, std::string>& aborted = tandem->aborted;

  for (unsigned i = 0; i < ncases; ++i) {
    ResultRecord h, t;
    std::memcpy(&h, host->data() + size_t{i} * kRecordSize, kRecordSize);
    std::memcpy(&t, guest.data() + size_t{i} * kRecordSize, kRecordSize);
    out.host_faults += h.fault_vector != kNoFault;
    auto d = Comparator::compare(cases[i], h, t);
    if (auto a = aborted.find(i); a != aborted.end()) d.insert(d.begin(), a->second);
    if (d.empty()) continue;
    Mismatch mm{i, std::move(d), {}};
    if (out.mismatches.size() < diagnose_limit_) {
      mm.diagnosis = Lockstep::runContained(cases[i], workdir_);
      if (mm.diagnosis == Lockstep::kAgreed)
        mm.diagnosis += "    so the difference arises in the driver (loading the case, PUSHFD, FNSAVE or the result "
                        "copy), or depends on where the case lies in the batch program\n";
    }
    out.mismatches.push_back(std::move(mm));
  }
  return out;
}

}  // namespace tandem::diff
