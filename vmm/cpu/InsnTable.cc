// Instantiates every handler named in Instructions.def and lists them by
// instruction id.
#include "vmm/cpu/InsnTable.h"

#include <iterator>

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

#define HRM(fn, ...) \
  InsnHandlers { &fn<__VA_ARGS__ __VA_OPT__(, ) false>, &fn<__VA_ARGS__ __VA_OPT__(, ) true> }
#define HREGONLY(fn, ...) \
  InsnHandlers { &fn<__VA_ARGS__ __VA_OPT__(, ) false>, &UD }
#define HMEMONLY(fn, ...) \
  InsnHandlers { &UD, &fn<__VA_ARGS__ __VA_OPT__(, ) true> }
#define HMEMFN(fn) \
  InsnHandlers { &UD, &fn }
#define H(...) \
  InsnHandlers { &__VA_ARGS__, &__VA_ARGS__ }

const InsnHandlers kHandlers[] = {
    {&UD, &UD},
#define X(id, mnem, map, op, grp, osz, fmt, ...) __VA_ARGS__,
#include "vmm/cpu/Instructions.def"
#undef X
    {&UD, &UD},  // x87: resolved by fpuHandler
};
static_assert(std::size(kHandlers) == static_cast<size_t>(InsnId::kCount));

}  // namespace

const InsnHandlers& insnHandlers(uint16_t id) { return kHandlers[id]; }

}  // namespace tandem
