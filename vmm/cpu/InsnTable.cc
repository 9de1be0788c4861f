// Instantiates every handler named in Instructions.def and lists them by
// instruction id.
#include "vmm/cpu/InsnTable.h"

#include <array>
#include <iterator>
#include <utility>

#include "vmm/cpu/Decoder.h"
#include "vmm/cpu/Fpu.h"
#include "vmm/cpu/OpsAlu.h"
#include "vmm/cpu/OpsBit.h"
#include "vmm/cpu/OpsControl.h"
#include "vmm/cpu/OpsMove.h"
#include "vmm/cpu/OpsMulDiv.h"
#include "vmm/cpu/OpsShift.h"
#include "vmm/cpu/OpsString.h"
#include "vmm/cpu/OpsSystem.h"

namespace tandem {
namespace {

// Threaded steps of one handler: the step of an instruction that is not
// last in its block, and of the last one (see InsnTable.h).
template <Handler Fn>
struct Steps {
  static void inner(Cpu& c, const Insn* i);
  static void last(Cpu& c, const Insn* i);
};

// Everything the CPU needs of one instruction form.
struct InsnForms {
  InsnHandlers handlers;
  ThreadedStep steps[4];  // register inner, register last, memory inner, memory last
};

template <Handler R, Handler M>
constexpr InsnForms forms() {
  return InsnForms{{R, M}, {&Steps<R>::inner, &Steps<R>::last, &Steps<M>::inner, &Steps<M>::last}};
}

#define HRM(fn, ...) forms<&fn<__VA_ARGS__ __VA_OPT__(, ) false>, &fn<__VA_ARGS__ __VA_OPT__(, ) true>>()
#define HREGONLY(fn, ...) forms<&fn<__VA_ARGS__ __VA_OPT__(, ) false>, &UD>()
#define HMEMONLY(fn, ...) forms<&UD, &fn<__VA_ARGS__ __VA_OPT__(, ) true>>()
#define HMEMFN(fn) forms<&UD, &fn>()
#define H(...) forms<&__VA_ARGS__, &__VA_ARGS__>()

// An instruction whose handler was chosen at decode time (the x87 unit).
void callDecodedHandler(Cpu& c, const Insn& i) { i.fn(c, i); }

constexpr InsnForms kForms[] = {
    forms<&UD, &UD>(),
#define X(id, mnem, map, op, grp, osz, fmt, ...) __VA_ARGS__,
#include "vmm/cpu/Instructions.def"
#undef X
    forms<&callDecodedHandler, &callDecodedHandler>(),  // x87: resolved by fpuHandler
};
static_assert(std::size(kForms) == static_cast<size_t>(InsnId::kCount));

constexpr std::array<ThreadedStep, 4 * std::size(kForms)> flattenSteps() {
  std::array<ThreadedStep, 4 * std::size(kForms)> a{};
  for (size_t k = 0; k < std::size(kForms); ++k)
    for (size_t j = 0; j < 4; ++j) a[4 * k + j] = kForms[k].steps[j];
  return a;
}
constexpr auto kSteps = flattenSteps();

// Not last in its block: run the instruction, then jump straight to the
// next instruction's step (each step has its own indirect jump, which
// predicts far better than one shared dispatch point).
template <Handler Fn>
[[gnu::flatten]] void Steps<Fn>::inner(Cpu& c, const Insn* i) {
  Fn(c, *i);
  if (__builtin_expect(c.stop_, 0)) return;
  ++i;
  c.cur_ = i;
  return kSteps[i->step](c, i);
}

// The last instruction of a block sees EIP and icount up to date.
template <Handler Fn>
[[gnu::flatten]] void Steps<Fn>::last(Cpu& c, const Insn* i) {
  c.st.eip = c.block_eip_ + i->offset + i->len;
  c.st.icount = c.block_icount_ + static_cast<uint64_t>(i - c.block_insns_);
  Fn(c, *i);
  ++c.st.icount;  // (a repeated string instruction has added its extra iterations)
  // A near branch to a block already linked to this one: enter it directly.
  if ((i->flags & insn_flags::kChainable) && !c.stop_ && --c.link_budget_ != 0) {
    const Block* nb = c.cachedSuccessor();
    if (nb && c.enterBlock(nb)) return kSteps[nb->insns->step](c, nb->insns);
  }
}

}  // namespace

const InsnHandlers& insnHandlers(uint16_t id) { return kForms[id].handlers; }

uint16_t threadedStepIndex(uint16_t id, bool mem, bool last) {
  return static_cast<uint16_t>(4 * id + (mem ? 2 : 0) + (last ? 1 : 0));
}

ThreadedStep threadedStep(uint16_t index) { return kSteps[index]; }

}  // namespace tandem
