// Interrupt and exception delivery: the IVT in real mode, IDT gates in
// protected mode, privilege changes through the TSS, and the double- and
// triple-fault rules.
#include "vmm/Log.h"
#include "vmm/cpu/CpuInline.h"
#include "vmm/cpu/Descriptor.h"

namespace tandem {
namespace {

enum class FaultClass { kBenign, kContributory, kPageFault, kDoubleFault };

FaultClass classify(uint8_t v) {
  switch (v) {
    case kDE:
    case kTS:
    case kNP:
    case kSS:
    case kGP:
      return FaultClass::kContributory;
    case kPF:
      return FaultClass::kPageFault;
    case kDF:
      return FaultClass::kDoubleFault;
    default:
      return FaultClass::kBenign;
  }
}

bool makesDoubleFault(uint8_t first, uint8_t second) {
  FaultClass a = classify(first), b = classify(second);
  if (a == FaultClass::kContributory && b == FaultClass::kContributory) return true;
  if (a == FaultClass::kPageFault &&
      (b == FaultClass::kContributory || b == FaultClass::kPageFault))
    return true;
  return false;
}

}  // namespace

void Cpu::handleFault(const GuestException& first) {
  GuestException e = first;
  if (logEnabled("cpu", LogLevel::Debug)) {
    uint8_t bytes[8] = {};
    uint64_t phys;
    if (debugTranslate(st.seg[CS].base + st.eip, &phys)) (void)mem.read(GuestPhys(phys), bytes, 8);
    TANDEM_LOG("cpu", Debug,
               "exception %u (error %#x) at %04x:%08x icount %llu cr2=%08x bytes %02x %02x %02x "
               "%02x %02x %02x %02x %02x",
               e.vector, e.error, st.seg[CS].selector, st.eip,
               static_cast<unsigned long long>(st.icount), st.cr2, bytes[0], bytes[1], bytes[2],
               bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
  }
  for (int depth = 0;; ++depth) {
    try {
      deliver(e.vector, IntKind::kException, e.has_error, e.error);
      return;
    } catch (const GuestException& next) {
      if (e.vector == kDF || depth > 4) {
        TANDEM_LOG("cpu", Info, "triple fault at icount %llu (vector %u while delivering %u)",
                   static_cast<unsigned long long>(st.icount), next.vector, e.vector);
        shutdown_ = true;
        stop_ = true;
        return;
      }
      if (makesDoubleFault(e.vector, next.vector)) e = GuestException{kDF, true, 0};
      else e = next;
    }
  }
}

bool Cpu::deliverPendingInterrupt() {
  uint8_t vector = bus.acknowledgeInterrupt();
  st.halted = 0;
  try {
    deliver(vector, IntKind::kExternal, false, 0);
  } catch (const GuestException& e) {
    handleFault(e);
  }
  return true;
}

void Cpu::stackPush(const SegmentCache& ss, uint32_t& esp, uint32_t v, unsigned size,
                    uint32_t error) {
  bool big = ss.attr & seg_attr::DB;
  uint32_t n = esp - size;
  if (!big) n &= 0xFFFF;
  bool expand_down = !(ss.attr & seg_attr::kCode) && (ss.attr & seg_attr::kExpandDown);
  uint32_t last = n + size - 1;
  bool ok = expand_down ? (n > ss.limit && last <= (big ? 0xFFFFFFFFu : 0xFFFFu) && last >= n)
                        : (last <= ss.limit && last >= n);
  if (!ok) raise(kSS, error);
  uint32_t lin = ss.base + n;
  bool user = (ss.selector & 3) == 3;
  if (size == 4) writeLinear<uint32_t>(lin, v, user);
  else writeLinear<uint16_t>(lin, static_cast<uint16_t>(v), user);
  esp = n;
}

void Cpu::tssStack(unsigned pl, uint16_t* ss, uint32_t* esp, uint32_t ext) {
  bool tss32 = (st.tr.attr & 0x8) != 0;
  uint32_t off = tss32 ? 4 + pl * 8 : 2 + pl * 4;
  uint32_t width = tss32 ? 6 : 4;
  if (!st.tr.valid || off + width - 1 > st.tr.limit) raise(kTS, (st.tr.selector & 0xFFFC) | ext);
  if (tss32) {
    *esp = readSys<uint32_t>(st.tr.base + off);
    *ss = readSys<uint16_t>(st.tr.base + off + 4);
  } else {
    *esp = readSys<uint16_t>(st.tr.base + off);
    *ss = readSys<uint16_t>(st.tr.base + off + 2);
  }
}

SegmentCache Cpu::checkedStackSegment(uint16_t sel, unsigned pl, uint8_t vector, uint32_t ext) {
  if ((sel & ~3u) == 0) raise(vector, ext);
  uint64_t raw;
  if (!readDescriptor(sel, &raw)) raise(vector, (sel & 0xFFFC) | ext);
  Descriptor d{raw};
  if ((sel & 3u) != pl || d.dpl() != pl || !d.writable()) raise(vector, (sel & 0xFFFC) | ext);
  if (!d.present()) raise(kSS, (sel & 0xFFFC) | ext);
  setDescriptorBusyOrAccessed(sel, raw, 1ull << 40);
  return Descriptor{raw | (1ull << 40)}.toCache(sel);
}

void Cpu::loadCodeSegment(uint16_t sel, uint64_t desc, unsigned new_cpl) {
  setDescriptorBusyOrAccessed(sel, desc, 1ull << 40);
  SegmentCache c = Descriptor{desc | (1ull << 40)}.toCache(static_cast<uint16_t>((sel & ~3u) | new_cpl));
  st.seg[CS] = c;
  recomputeSegLimits(CS);
  updateModeCaches();
}

void Cpu::nullInaccessibleSegments() {
  for (unsigned s : {ES, DS, FS, GS}) {
    SegmentCache& c = st.seg[s];
    if (!c.valid) continue;
    bool code = c.attr & seg_attr::kCode;
    bool conforming = code && (c.attr & seg_attr::kConforming);
    unsigned dpl = (c.attr >> seg_attr::kDplShift) & 3;
    if ((!code || !conforming) && dpl < cpl_) {
      c.selector = 0;
      c.valid = 0;
      recomputeSegLimits(s);
    }
  }
}

// Faults push EFLAGS with RF set, so that the restarted instruction does
// not trigger an instruction breakpoint again; traps and interrupts do not.
static bool isFault(uint8_t vector) {
  return vector != kDB && vector != kBP && vector != kOF && vector != kNMI;
}

void Cpu::deliver(uint8_t vector, IntKind kind, bool has_error, uint32_t error) {
  uint32_t ret_eip = st.eip;
  uint32_t pushed_rf = (kind == IntKind::kException && isFault(vector)) ? fl::RF : 0;
  if (!protectedMode()) {
    if (vector * 4u + 3 > st.idtr.limit) raise(kGP, 0);
    uint16_t off = readSys<uint16_t>(st.idtr.base + vector * 4u);
    uint16_t sel = readSys<uint16_t>(st.idtr.base + vector * 4u + 2);
    uint32_t old_esp = st.gpr[ESP];
    try {
      push<uint16_t>(static_cast<uint16_t>(eflags()));  // (RF is above the low 16 bits)
      push<uint16_t>(st.seg[CS].selector);
      push<uint16_t>(static_cast<uint16_t>(ret_eip));
    } catch (const GuestException&) {
      st.gpr[ESP] = old_esp;
      throw;
    }
    st.eflags &= ~(fl::IF | fl::TF | fl::AC | fl::RF);
    loadSegmentReal(CS, sel);
    st.eip = off;
    return;
  }

  uint32_t ext = (kind == IntKind::kExternal || kind == IntKind::kException) ? 1 : 0;
  uint32_t idt_err = vector * 8u + 2 + ext;
  if (vector * 8u + 7 > st.idtr.limit) raise(kGP, idt_err);
  uint32_t lo = readSys<uint32_t>(st.idtr.base + vector * 8u);
  uint32_t hi = readSys<uint32_t>(st.idtr.base + vector * 8u + 4);
  Descriptor gate{(static_cast<uint64_t>(hi) << 32) | lo};
  uint8_t type = gate.type();
  bool valid_type = gate.system() && (type == desc_type::kTaskGate || type == desc_type::kIntGate16 ||
                                      type == desc_type::kTrapGate16 || type == desc_type::kIntGate32 ||
                                      type == desc_type::kTrapGate32);
  if (!valid_type) raise(kGP, idt_err);
  if (kind == IntKind::kSoftware && gate.dpl() < cpl_) raise(kGP, vector * 8u + 2);
  if (!gate.present()) raise(kNP, idt_err);

  if (type == desc_type::kTaskGate) {
    uint16_t tss_sel = gate.gateSelector();
    if (tss_sel & 4) raise(kTS, (tss_sel & 0xFFFC) | ext);
    uint64_t raw;
    if (!readDescriptor(tss_sel, &raw)) raise(kTS, (tss_sel & 0xFFFC) | ext);
    taskSwitch(tss_sel, raw, TaskSwitchSource::kInterrupt, has_error, error);
    return;
  }

  bool gate32 = type == desc_type::kIntGate32 || type == desc_type::kTrapGate32;
  bool trap = type == desc_type::kTrapGate16 || type == desc_type::kTrapGate32;
  uint16_t sel = gate.gateSelector();
  if ((sel & ~3u) == 0) raise(kGP, ext);
  uint64_t raw;
  if (!readDescriptor(sel, &raw)) raise(kGP, (sel & 0xFFFC) | ext);
  Descriptor cs{raw};
  if (!cs.code() || cs.dpl() > cpl_) raise(kGP, (sel & 0xFFFC) | ext);
  if (!cs.present()) raise(kNP, (sel & 0xFFFC) | ext);
  uint32_t target = gate32 ? gate.gateOffset() : (gate.gateOffset() & 0xFFFF);
  if (target > cs.limit()) raise(kGP, ext);
  unsigned size = gate32 ? 4 : 2;
  uint32_t flags = eflags() | pushed_rf;
  if (v86()) raise(kGP, (sel & 0xFFFC) | ext);  // virtual-8086 mode is not supported

  if (!cs.conforming() && cs.dpl() < cpl_) {
    unsigned new_cpl = cs.dpl();
    uint16_t ss_sel;
    uint32_t esp;
    tssStack(new_cpl, &ss_sel, &esp, ext);
    SegmentCache new_ss = checkedStackSegment(ss_sel, new_cpl, kTS, ext);
    uint32_t err = (ss_sel & 0xFFFC) | ext;
    stackPush(new_ss, esp, st.seg[SS].selector, size, err);
    stackPush(new_ss, esp, st.gpr[ESP], size, err);
    stackPush(new_ss, esp, flags, size, err);
    stackPush(new_ss, esp, st.seg[CS].selector, size, err);
    stackPush(new_ss, esp, ret_eip, size, err);
    if (has_error) stackPush(new_ss, esp, error, size, err);
    st.seg[SS] = new_ss;
    recomputeSegLimits(SS);
    if (new_ss.attr & seg_attr::DB) st.gpr[ESP] = esp;
    else r16(ESP) = static_cast<uint16_t>(esp);
    loadCodeSegment(sel, raw, new_cpl);
  } else {
    SegmentCache ss = st.seg[SS];
    uint32_t esp = st.gpr[ESP];
    stackPush(ss, esp, flags, size, ext);
    stackPush(ss, esp, st.seg[CS].selector, size, ext);
    stackPush(ss, esp, ret_eip, size, ext);
    if (has_error) stackPush(ss, esp, error, size, ext);
    if (stack32_) st.gpr[ESP] = esp;
    else r16(ESP) = static_cast<uint16_t>(esp);
    loadCodeSegment(sel, raw, cpl_);
  }
  st.eip = target;
  st.eflags &= ~(fl::TF | fl::NT | fl::VM | fl::RF);
  if (!trap) st.eflags &= ~fl::IF;
  updateModeCaches();
}

bool Cpu::ioPermitted(uint16_t port, unsigned size) {
  bool tss32 = (st.tr.attr & 0x8) != 0;
  if (!st.tr.valid || !tss32 || st.tr.limit < 103) return false;
  uint32_t base = readSys<uint16_t>(st.tr.base + 102);
  uint32_t byte = base + port / 8;
  if (byte + 1 > st.tr.limit) return false;
  uint16_t bits = readSys<uint16_t>(st.tr.base + byte);
  uint16_t mask = static_cast<uint16_t>(((1u << size) - 1) << (port & 7));
  return (bits & mask) == 0;
}

}  // namespace tandem
