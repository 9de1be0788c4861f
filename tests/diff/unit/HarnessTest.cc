// Tests of the differential-test harness itself: generation is reproducible
// and self-consistent, the host program reports registers and faults, the
// comparison masks exactly the undefined flags, and stepping works.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/diff/Comparator.h"
#include "tests/diff/ElfImage.h"
#include "tests/diff/Lockstep.h"
#include "tests/diff/NativeRunner.h"
#include "tests/diff/ProgramWriter.h"
#include "tests/diff/TandemRun.h"
#include "tests/diff/TestCase.h"

namespace tandem::diff {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/difftest-unit-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ResultRecord runNatively(const TestCase& c, const std::string& dir, bool labels = false) {
  auto path = ProgramWriter::build({c}, dir, "t", labels);
  EXPECT_TRUE(path.ok()) << path.error().message;
  auto out = NativeRunner::run(*path, kRecordSize);
  EXPECT_TRUE(out.ok()) << out.error().message;
  ResultRecord r{};
  if (out.ok()) std::memcpy(&r, out->data(), kRecordSize);
  return r;
}

TEST(DiffGenerator, SameSeedGivesTheSameCase) {
  for (unsigned k = 0; k < kClassCount; ++k) {
    const TestCase a = makeCase(static_cast<TestClass>(k), 42);
    const TestCase b = makeCase(static_cast<TestClass>(k), 42);
    ASSERT_EQ(a.code.size(), b.code.size());
    for (size_t i = 0; i < a.code.size(); ++i) EXPECT_EQ(a.code[i].text, b.code[i].text);
    EXPECT_EQ(std::memcmp(&a.init, &b.init, sizeof a.init), 0);
  }
}

// The generator asserts that no instruction consumes an undefined flag;
// many cases of every class exercise that check.
TEST(DiffGenerator, EveryClassGeneratesWithoutConsumingUndefinedFlags) {
  for (unsigned k = 0; k < kClassCount; ++k) {
    for (uint64_t seed = 0; seed < 300; ++seed) {
      const TestCase c = makeCase(static_cast<TestClass>(k), seed);
      EXPECT_GT(c.subjects, 0u);
      EXPECT_GE(c.instructions, c.subjects);
    }
  }
}

TEST(DiffHostProgram, StoresRegistersAndFlagsAfterTheSequence) {
  TempDir dir;
  const ResultRecord r = runNatively(snippetCase("mov eax, 0x1234; mov ebx, 0xffffffff; add ebx, 1"), dir.path());
  EXPECT_EQ(r.gpr[EAX], 0x1234u);
  EXPECT_EQ(r.gpr[EBX], 0u);
  EXPECT_EQ(r.eflags & (fl::ZF | fl::CF), fl::ZF | fl::CF);
  EXPECT_EQ(r.fault_vector, kNoFault);
}

TEST(DiffHostProgram, ReportsADivideErrorWithTheFaultingEip) {
  TempDir dir;
  const TestCase c = snippetCase("mov eax, 7; xor ecx, ecx; div ecx; mov eax, 9");
  const ResultRecord r = runNatively(c, dir.path(), true);
  auto elf = ElfImage::load(dir.path() + "/t");
  ASSERT_TRUE(elf.ok());
  EXPECT_EQ(r.fault_vector, 0u);
  EXPECT_EQ(r.fault_eip, *elf->symbol("case_0.i2"));
  EXPECT_EQ(r.gpr[EAX], 7u);  // the state at the fault, before the last MOV
}

TEST(DiffComparator, MasksOnlyTheFlagsLeftUndefined) {
  TestCase c = snippetCase("nop");
  c.undef = fl::AF;
  ResultRecord host{}, tandem{};
  tandem.eflags = fl::AF;
  EXPECT_TRUE(Comparator::compare(c, host, tandem).empty());
  tandem.eflags = fl::CF;
  EXPECT_EQ(Comparator::compare(c, host, tandem).size(), 1u);
  tandem.eflags = 0;
  tandem.scratch[17] = 1;
  EXPECT_EQ(Comparator::compare(c, host, tandem).size(), 1u);
}

TEST(DiffLockstep, HostTraceStepsEachRepIteration) {
  TempDir dir;
  const TestCase c = snippetCase("cld; mov ecx, 3; mov esi, 0x8000; mov edi, 0x8100; rep movsb; nop");
  auto trace = Lockstep::traceHost(c, dir.path());
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  size_t reps = 0;
  for (size_t p = trace->find("rep movsb"); p != std::string::npos; p = trace->find("rep movsb", p + 1)) ++reps;
  EXPECT_EQ(reps, 3u);
}

TEST(DiffLockstep, TandemAgreesWithTheHostOnASimpleSequence) {
  TempDir dir;
  auto r = Lockstep::run(snippetCase("mov eax, 5; add eax, 0x7ffffffd; sub ecx, eax; xor edx, edx"), dir.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Lockstep::kAgreed);
}

// Whatever tandem does with a wild jump (today: it crashes the process), the
// cases around it still get their results.
TEST(DiffTandemRun, CasesAroundAWildJumpStillGetResults) {
  TempDir dir;
  const std::vector<TestCase> cases = {snippetCase("mov eax, 11"), snippetCase("mov eax, 0xffffffff; jmp eax"),
                                       snippetCase("mov eax, 33")};
  auto path = ProgramWriter::build(cases, dir.path(), "t", false);
  ASSERT_TRUE(path.ok()) << path.error().message;
  auto elf = ElfImage::load(*path);
  ASSERT_TRUE(elf.ok());
  auto results = TandemRun::run(*elf, 3);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ResultRecord r0, r2;
  std::memcpy(&r0, results->table.data(), kRecordSize);
  std::memcpy(&r2, results->table.data() + 2 * kRecordSize, kRecordSize);
  EXPECT_EQ(r0.gpr[EAX], 11u);
  EXPECT_EQ(r2.gpr[EAX], 33u);
  EXPECT_EQ(results->aborted.count(0) + results->aborted.count(2), 0u);
}

}  // namespace
}  // namespace tandem::diff
