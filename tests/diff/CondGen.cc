// Condition class: CMOVcc, SETcc and Jcc (short and near, forward within the
// sequence) for all 16 conditions, plus unconditional short and near JMP,
// fed by flag-setting ALU instructions. A condition is never evaluated on a
// flag the SDM leaves undefined at that point.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

struct Condition {
  const char* name;
  uint32_t reads;
};
const Condition kConditions[16] = {
    {"o", fl::OF},  {"no", fl::OF}, {"b", fl::CF},  {"ae", fl::CF},
    {"e", fl::ZF},  {"ne", fl::ZF}, {"be", fl::CF | fl::ZF}, {"a", fl::CF | fl::ZF},
    {"s", fl::SF},  {"ns", fl::SF}, {"p", fl::PF},  {"np", fl::PF},
    {"l", fl::SF | fl::OF}, {"ge", fl::SF | fl::OF}, {"le", fl::ZF | fl::SF | fl::OF},
    {"g", fl::ZF | fl::SF | fl::OF}};

struct PendingLabel {
  std::string label;
  unsigned after;  // place it once this many more instructions are emitted
};

}  // namespace

void generateCond(SeqBuilder& b, unsigned count) {
  Rng& r = b.rng();
  std::vector<PendingLabel> pending;
  while (b.subjectCount() < count) {
    const Condition& c = kConditions[r.below(16)];
    const Effect reads{c.reads, 0, 0};
    switch (r.below(8)) {
      case 0:
      case 1: {
        const unsigned w = r.chance(50) ? 16 : 32;
        const std::string src = r.chance(50) ? b.mem(w / 8).text : SeqBuilder::regName(w, r.below(8));
        b.insn(strf("cmov%s %s, %s", c.name, SeqBuilder::regName(w, b.pickReg(w)).c_str(), src.c_str()),
               reads);
        break;
      }
      case 2:
      case 3: {
        const std::string dst = r.chance(40) ? b.mem(1).text : SeqBuilder::regName(8, b.pickReg(8));
        b.insn(strf("set%s %s", c.name, dst.c_str()), reads);
        break;
      }
      case 4:
      case 5: {
        const std::string label = b.newLabel();
        const bool uncond = r.chance(10);
        const char* dist = r.chance(50) ? "short" : "near";
        if (uncond) b.branch(strf("jmp %s %s", dist, label.c_str()), label, {});
        else b.branch(strf("j%s %s %s", c.name, dist, label.c_str()), label, reads);
        pending.push_back({label, r.below(5)});
        break;
      }
      default:
        emitRandomAluOnRegs(b);
        break;
    }
    for (size_t i = 0; i < pending.size();) {
      if (pending[i].after-- == 0) {
        b.place(pending[i].label);
        pending.erase(pending.begin() + i);
      } else {
        ++i;
      }
    }
  }
  for (const PendingLabel& p : pending) b.place(p.label);
}

}  // namespace tandem::diff
