#include "tests/diff/TestCase.h"

#include <cstdio>
#include <cstring>
#include <optional>

#include "tests/diff/FloatValues.h"

namespace tandem::diff {
namespace {

const ClassInfo kClasses[] = {
    {"alu", generateAlu, false, false, 24},       {"shift", generateShift, false, false, 20},
    {"muldiv", generateMulDiv, false, false, 16}, {"divfault", generateDivFault, false, false, 6},
    {"bcd", generateBcd, false, false, 20},       {"bit", generateBit, false, false, 20},
    {"string", generateString, false, false, 10}, {"cond", generateCond, false, false, 24},
    {"stack", generateStack, false, false, 24},   {"misc", generateMisc, false, false, 20},
    {"x87", generateX87, true, false, 20},        {"x87fault", generateX87Fault, true, true, 12},
};
static_assert(sizeof(kClasses) / sizeof(kClasses[0]) == kClassCount);

void randomFpuState(Rng& r, FsaveImage& f) {
  static const uint16_t kPrecision[] = {0, 2, 3};
  const unsigned top = r.below(8);
  f.cw = 0x7F | r.pick(kPrecision) << 8 | r.below(4) << 10;
  // Sticky exception flags and condition codes, TOP; never ES or B, since
  // every exception is masked.
  f.sw = (r.u32() & 0x4700) | (r.chance(30) ? r.below(0x80) : 0) | top << 11;
  const unsigned valid = r.chance(20) ? r.below(9) : 3 + r.below(6);
  uint16_t tw = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned phys = (top + i) & 7;
    randomFloat(r, 10, f.st[i]);
    // Keep the registers from ST(0) upwards filled, the rest empty (with
    // occasional holes).
    const bool full = r.chance(10) ? r.chance(50) : i < valid;
    tw |= (full ? x87Tag(f.st[i]) : 3u) << (2 * phys);
  }
  f.tw = tw;
  f.fip = f.fcs_fop = f.fdp = f.fds = 0;
}

}  // namespace

const ClassInfo& classInfo(TestClass c) { return kClasses[static_cast<unsigned>(c)]; }

std::optional<TestClass> classByName(const std::string& name) {
  for (unsigned i = 0; i < kClassCount; ++i)
    if (name == kClasses[i].name) return static_cast<TestClass>(i);
  return std::nullopt;
}

TestCase makeCase(TestClass cls, uint64_t seed) {
  const ClassInfo& info = classInfo(cls);
  Rng r(seed);
  TestCase c{};
  c.cls = cls;
  c.seed = seed;
  for (uint32_t& g : c.init.gpr) g = r.interesting32();
  const uint32_t esp = kStackLow + 0x80 + r.below(kScratchSize - kStackLow - 0x80 - 16);
  c.init.gpr[ESP] = kScratchAddr + (r.chance(85) ? esp & ~3u : esp);
  c.init.eflags = (r.u32() & (fl::kArith | fl::DF)) | fl::kFixed1 | fl::IF;
  c.init.has_fpu = info.fpu;
  if (info.fpu) randomFpuState(r, c.init.fpu);
  for (uint8_t& byte : c.init.scratch) byte = static_cast<uint8_t>(r.u32());

  SeqBuilder b(r, c.init.gpr[ESP] - kScratchAddr);
  info.generate(b, info.length);
  b.placeAllPending();
  c.code = std::move(b.code());
  c.undef = b.undef();
  c.fpu_undef = b.fpuUndef();
  if (info.fault_anywhere) {
    for (const EmittedInsn& e : c.code) {
      c.undef |= e.undef_after;
      c.fpu_undef |= e.fpu_undef_after;
    }
  }
  c.subjects = b.subjectCount();
  for (const EmittedInsn& e : c.code) c.instructions += e.label ? 0 : 1;
  return c;
}

TestCase snippetCase(const std::string& lines) {
  TestCase c{};
  c.cls = TestClass::kMisc;
  c.init.gpr[ESP] = kScratchAddr + kScratchSize - 64;
  c.init.eflags = fl::kFixed1 | fl::IF;
  c.init.fpu.cw = 0x037F;
  c.init.fpu.tw = 0xFFFF;
  size_t pos = 0;
  while (pos <= lines.size()) {
    size_t end = lines.find(';', pos);
    if (end == std::string::npos) end = lines.size();
    std::string line = lines.substr(pos, end - pos);
    line.erase(0, line.find_first_not_of(" \t"));
    if (!line.empty()) {
      const bool label = line.back() == ':';
      c.code.push_back({line, {}, 0, 0, false, label});
      // FNSTENV/FNSAVE to an absolute address: their pointer fields are
      // model-specific, as in generated cases.
      unsigned addr = 0;
      if ((std::sscanf(line.c_str(), "fnstenv [0x%x]", &addr) == 1 ||
           std::sscanf(line.c_str(), "fnsave [0x%x]", &addr) == 1) &&
          addr >= kScratchAddr && addr + 28 <= kScratchAddr + kScratchSize) {
        c.code.back().mask_offset = addr - kScratchAddr + 16;
        c.code.back().mask_len = 12;
      }
      c.instructions += label ? 0 : 1;
      // x87 mnemonics all begin with F; only then does the driver touch the x87.
      if (line[0] == 'f') c.init.has_fpu = 1;
    }
    pos = end + 1;
  }
  c.subjects = c.instructions;
  return c;
}

}  // namespace tandem::diff
