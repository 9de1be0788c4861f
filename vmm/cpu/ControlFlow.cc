// Far jumps, calls and returns (with call gates), IRET and the software
// interrupt instructions.
#include "vmm/cpu/Descriptor.h"
#include "vmm/cpu/OpsControl.h"
#include "vmm/cpu/OpsMove.h"

namespace tandem {

namespace {

void checkTargetInLimit(Cpu& c, uint32_t offset, const Descriptor& cs) {
  if (offset > cs.limit()) c.raise(kGP, 0);
}

// Where a protected-mode far JMP or CALL goes, after the checks both make.
struct FarTarget {
  enum Kind { kCode, kGate, kTask } kind;
  uint16_t sel;      // code segment (kCode, kGate) or TSS (kTask)
  Descriptor desc;   // its descriptor
  uint32_t offset;   // entry point (kCode, kGate)
  Descriptor gate;   // the call gate (kGate)
};

FarTarget resolveFarTarget(Cpu& c, uint16_t sel, uint32_t offset, bool call) {
  if ((sel & ~3u) == 0) c.raise(kGP, 0);
  Descriptor d{c.fetchDescriptor(sel, kGP)};
  unsigned rpl = sel & 3, cpl = c.cpl_;
  uint16_t err = sel & 0xFFFC;
  if (d.code()) {
    if (d.conforming() ? d.dpl() > cpl : (rpl > cpl || d.dpl() != cpl)) c.raise(kGP, err);
    if (!d.present()) c.raise(kNP, err);
    checkTargetInLimit(c, offset, d);
    return FarTarget{FarTarget::kCode, sel, d, offset, Descriptor{0}};
  }
  if (!d.system()) c.raise(kGP, err);
  uint8_t type = d.type();
  bool call_gate = type == desc_type::kCallGate16 || type == desc_type::kCallGate32;
  bool task = type == desc_type::kTaskGate || type == desc_type::kTss16Avail ||
              type == desc_type::kTss32Avail;
  if (!call_gate && !task) c.raise(kGP, err);
  if (d.dpl() < cpl || d.dpl() < rpl) c.raise(kGP, err);
  if (!d.present()) c.raise(kNP, err);
  if (task) {
    if (type != desc_type::kTaskGate) return FarTarget{FarTarget::kTask, sel, d, 0, Descriptor{0}};
    uint16_t tss_sel = d.gateSelector();
    uint64_t raw;
    if ((tss_sel & 4) || !c.readDescriptor(tss_sel, &raw)) c.raise(kGP, tss_sel & 0xFFFC);
    return FarTarget{FarTarget::kTask, tss_sel, Descriptor{raw}, 0, Descriptor{0}};
  }
  uint16_t tsel = d.gateSelector();
  if ((tsel & ~3u) == 0) c.raise(kGP, 0);
  Descriptor t{c.fetchDescriptor(tsel, kGP)};
  // A CALL may go to an inner level through a gate; a JMP stays at its level.
  bool allowed = t.code() && (call || t.conforming() ? t.dpl() <= cpl : t.dpl() == cpl);
  if (!allowed) c.raise(kGP, tsel & 0xFFFC);
  if (!t.present()) c.raise(kNP, tsel & 0xFFFC);
  uint32_t target = type == desc_type::kCallGate32 ? d.gateOffset() : d.gateOffset() & 0xFFFF;
  checkTargetInLimit(c, target, t);
  return FarTarget{FarTarget::kGate, tsel, t, target, d};
}

}  // namespace

void Cpu::farJump(uint16_t sel, uint32_t offset, bool op32) {
  if (!op32) offset &= 0xFFFF;
  if (!protectedMode() || v86()) {
    if (offset > st.seg[CS].limit) raise(kGP, 0);
    loadSegmentReal(CS, sel);
    st.eip = offset;
    return;
  }
  FarTarget t = resolveFarTarget(*this, sel, offset, false);
  if (t.kind == FarTarget::kTask) {
    taskSwitch(t.sel, t.desc.raw, TaskSwitchSource::kJump, false, 0);
    return;
  }
  loadCodeSegment(t.sel, t.desc.raw, cpl_);
  st.eip = t.offset;
}

void Cpu::farCall(uint16_t sel, uint32_t offset, bool op32) {
  if (!op32) offset &= 0xFFFF;
  if (!protectedMode() || v86()) {
    if (offset > st.seg[CS].limit) raise(kGP, 0);
    pushFarReturn(op32 ? 4 : 2);
    loadSegmentReal(CS, sel);
    st.eip = offset;
    return;
  }
  FarTarget t = resolveFarTarget(*this, sel, offset, true);
  if (t.kind == FarTarget::kTask) {
    taskSwitch(t.sel, t.desc.raw, TaskSwitchSource::kCall, false, 0);
    return;
  }
  if (t.kind == FarTarget::kCode) {
    pushFarReturn(op32 ? 4 : 2);
    loadCodeSegment(t.sel, t.desc.raw, cpl_);
    st.eip = t.offset;
    return;
  }
  unsigned gsize = t.gate.type() == desc_type::kCallGate32 ? 4 : 2;
  if (!t.desc.conforming() && t.desc.dpl() < cpl_) {
    // To an inner privilege level: switch stacks and copy parameters.
    unsigned new_cpl = t.desc.dpl();
    uint16_t ss_sel;
    uint32_t esp;
    tssStack(new_cpl, &ss_sel, &esp, 0);
    SegmentCache new_ss = checkedStackSegment(ss_sel, new_cpl, kTS, 0);
    unsigned params = t.gate.gateParamCount();
    uint32_t params_v[32];
    for (unsigned k = 0; k < params; ++k) {
      uint32_t off = st.gpr[ESP] + k * gsize;
      if (!stack32_) off &= 0xFFFF;
      params_v[k] = gsize == 4 ? read<uint32_t>(SS, off) : read<uint16_t>(SS, off);
    }
    uint32_t err = ss_sel & 0xFFFC;
    stackPush(new_ss, esp, st.seg[SS].selector, gsize, err);
    stackPush(new_ss, esp, st.gpr[ESP], gsize, err);
    for (unsigned k = params; k-- > 0;) stackPush(new_ss, esp, params_v[k], gsize, err);
    stackPush(new_ss, esp, st.seg[CS].selector, gsize, err);
    stackPush(new_ss, esp, st.eip, gsize, err);
    st.seg[SS] = new_ss;
    recomputeSegLimits(SS);
    if (new_ss.attr & seg_attr::DB) st.gpr[ESP] = esp;
    else r16(ESP) = static_cast<uint16_t>(esp);
    loadCodeSegment(t.sel, t.desc.raw, new_cpl);
  } else {
    pushFarReturn(gsize);
    loadCodeSegment(t.sel, t.desc.raw, cpl_);
  }
  st.eip = t.offset;
}

// Pushes CS:EIP (the return address) on the current stack, all or nothing.
void Cpu::pushFarReturn(unsigned size) {
  SegmentCache ss = st.seg[SS];
  uint32_t esp = st.gpr[ESP];
  stackPush(ss, esp, st.seg[CS].selector, size, 0);
  stackPush(ss, esp, st.eip, size, 0);
  setSp(esp);
}

void Cpu::farReturn(uint16_t pop_bytes, bool op32) {
  unsigned size = op32 ? 4 : 2;
  auto at = [&](uint32_t off) -> uint32_t {
    return size == 4 ? peek<uint32_t>(off) : peek<uint16_t>(off);
  };
  uint32_t eip = at(0);
  uint16_t sel = static_cast<uint16_t>(at(size));
  if (!protectedMode() || v86()) {
    if (eip > st.seg[CS].limit) raise(kGP, 0);
    loadSegmentReal(CS, sel);
    st.eip = eip;
    addSp(2 * size + pop_bytes);
    return;
  }
  if ((sel & ~3u) == 0) raise(kGP, 0);
  Descriptor d{fetchDescriptor(sel, kGP)};
  unsigned rpl = sel & 3;
  if (rpl < cpl_ || !d.code()) raise(kGP, sel & 0xFFFC);
  if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) raise(kGP, sel & 0xFFFC);
  if (!d.present()) raise(kNP, sel & 0xFFFC);
  if (rpl > cpl_) {
    uint32_t new_esp = at(2 * size + pop_bytes);
    uint16_t ss_sel = static_cast<uint16_t>(at(3 * size + pop_bytes));
    SegmentCache new_ss = checkedStackSegment(ss_sel, rpl, kGP, 0);
    checkTargetInLimit(*this, eip, d);
    loadCodeSegment(sel, d.raw, rpl);
    st.seg[SS] = new_ss;
    recomputeSegLimits(SS);
    updateModeCaches();
    if (stack32_) st.gpr[ESP] = new_esp + pop_bytes;
    else r16(ESP) = static_cast<uint16_t>(new_esp + pop_bytes);
    st.eip = eip;
    nullInaccessibleSegments();
    return;
  }
  checkTargetInLimit(*this, eip, d);
  loadCodeSegment(sel, d.raw, cpl_);
  st.eip = eip;
  addSp(2 * size + pop_bytes);
}

void Cpu::interruptReturn(bool op32) {
  unsigned size = op32 ? 4 : 2;
  auto at = [&](uint32_t off) -> uint32_t {
    return size == 4 ? peek<uint32_t>(off) : peek<uint16_t>(off);
  };
  if (!protectedMode()) {
    uint32_t eip = at(0);
    uint16_t sel = static_cast<uint16_t>(at(size));
    uint32_t flags = at(2 * size);
    if (eip > st.seg[CS].limit) raise(kGP, 0);
    loadSegmentReal(CS, sel);
    st.eip = eip;
    addSp(3 * size);
    uint32_t mask = op32 ? ~(fl::VM | fl::VIP | fl::VIF) : 0xFFFFu;
    setEflags(flags, mask);
    st.nmi_blocked = 0;
    return;
  }
  if (v86()) raise(kGP, 0);  // virtual-8086 mode is not supported
  if (st.eflags & fl::NT) {
    // Return from a nested task to the one named by the back link.
    uint16_t back = readSys<uint16_t>(st.tr.base);
    if (back & 4) raise(kTS, back & 0xFFFC);
    uint64_t raw;
    if (!readDescriptor(back, &raw)) raise(kTS, back & 0xFFFC);
    Descriptor t{raw};
    if (!t.system() || (t.type() != desc_type::kTss16Busy && t.type() != desc_type::kTss32Busy))
      raise(kTS, back & 0xFFFC);
    if (!t.present()) raise(kNP, back & 0xFFFC);
    taskSwitch(back, raw, TaskSwitchSource::kIret, false, 0);
    st.nmi_blocked = 0;
    return;
  }
  uint32_t eip = at(0);
  uint16_t sel = static_cast<uint16_t>(at(size));
  uint32_t flags = at(2 * size);
  if ((flags & fl::VM) && op32 && cpl_ == 0) raise(kGP, 0);  // no virtual-8086 mode
  if ((sel & ~3u) == 0) raise(kGP, 0);
  Descriptor d{fetchDescriptor(sel, kGP)};
  unsigned rpl = sel & 3;
  if (rpl < cpl_ || !d.code()) raise(kGP, sel & 0xFFFC);
  if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) raise(kGP, sel & 0xFFFC);
  if (!d.present()) raise(kNP, sel & 0xFFFC);
  uint32_t mask = popfWritableMask(*this, op32) | (op32 ? fl::RF : 0);
  if (rpl > cpl_) {
    uint32_t new_esp = at(3 * size);
    uint16_t ss_sel = static_cast<uint16_t>(at(4 * size));
    SegmentCache new_ss = checkedStackSegment(ss_sel, rpl, kGP, 0);
    checkTargetInLimit(*this, eip, d);
    loadCodeSegment(sel, d.raw, rpl);
    st.seg[SS] = new_ss;
    recomputeSegLimits(SS);
    setEflags(flags, mask);
    if (stack32_) st.gpr[ESP] = new_esp;
    else r16(ESP) = static_cast<uint16_t>(new_esp);
    st.eip = eip;
    nullInaccessibleSegments();
  } else {
    checkTargetInLimit(*this, eip, d);
    loadCodeSegment(sel, d.raw, cpl_);
    st.eip = eip;
    addSp(3 * size);
    setEflags(flags, mask);
  }
  st.nmi_blocked = 0;
}

// ---- handlers ----

void JMPF_Ap(Cpu& c, const Insn& i) { c.farJump(i.imm2, i.imm, !i.op16()); }

void CALLF_Ap(Cpu& c, const Insn& i) { c.farCall(i.imm2, i.imm, !i.op16()); }

static void readFarPointer(Cpu& c, const Insn& i, uint16_t* sel, uint32_t* off) {
  uint32_t ea = c.ea(i);
  uint32_t sel_at = ea + (i.op16() ? 2 : 4);
  if (i.addr16()) sel_at &= 0xFFFF;
  *off = i.op16() ? c.read<uint16_t>(i.seg, ea) : c.read<uint32_t>(i.seg, ea);
  *sel = c.read<uint16_t>(i.seg, sel_at);
}

void JMPF_Mp(Cpu& c, const Insn& i) {
  uint16_t sel;
  uint32_t off;
  readFarPointer(c, i, &sel, &off);
  c.farJump(sel, off, !i.op16());
}

void CALLF_Mp(Cpu& c, const Insn& i) {
  uint16_t sel;
  uint32_t off;
  readFarPointer(c, i, &sel, &off);
  c.farCall(sel, off, !i.op16());
}

void RETF(Cpu& c, const Insn& i) {
  c.farReturn(i.opcode == 0xCA ? static_cast<uint16_t>(i.imm) : 0, !i.op16());
}

void IRET(Cpu& c, const Insn& i) { c.interruptReturn(!i.op16()); }

void INT3(Cpu& c, const Insn& i) { c.deliver(kBP, Cpu::IntKind::kSoftware, false, 0); }

void INT_Ib(Cpu& c, const Insn& i) {
  c.deliver(static_cast<uint8_t>(i.imm), Cpu::IntKind::kSoftware, false, 0);
}

void INTO(Cpu& c, const Insn& i) {
  if (c.getOF()) c.deliver(kOF, Cpu::IntKind::kSoftware, false, 0);
}

void INT1(Cpu& c, const Insn& i) { c.deliver(kDB, Cpu::IntKind::kIcebp, false, 0); }

}  // namespace tandem
