#include <cstdio>
#include <cstring>
#include <string>

#include "tests/diff/NativeRunner.h"
#include "tests/diff/ProgramWriter.h"
#include "tests/diff/TestCase.h"

using namespace tandem::diff;

int main(int argc, char** argv) {
  const std::string cls = argc > 1 ? argv[1] : "alu";
  const int n = argc > 2 ? atoi(argv[2]) : 100;
  std::vector<TestCase> cases;
  for (int i = 0; i < n; ++i) cases.push_back(makeCase(*classByName(cls), 1000 + i));
  auto p = ProgramWriter::build(cases, "/tmp/dt", cls, false);
  if (!p) { fprintf(stderr, "%s\n", p.error().message.c_str()); return 1; }
  auto res = NativeRunner::run(*p, cases.size() * kRecordSize);
  if (!res) { fprintf(stderr, "%s\n", res.error().message.c_str()); return 1; }
  unsigned faults = 0;
  for (int i = 0; i < n; ++i) {
    ResultRecord rr;
    memcpy(&rr, res->data() + i * kRecordSize, kRecordSize);
    if (rr.fault_vector != kNoFault) { faults++; if (faults < 5) printf("case %d fault %u at %x\n", i, rr.fault_vector, rr.fault_eip); }
    if (i < 2) printf("case %d eax=%08x esp=%08x efl=%08x fcw=%04x fsw=%04x ftw=%04x\n", i, rr.gpr[0], rr.gpr[4], rr.eflags, rr.fpu.cw, rr.fpu.sw, rr.fpu.tw);
  }
  printf("%s: %d cases, %u faults\n", cls.c_str(), n, faults);
}
