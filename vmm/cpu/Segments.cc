// Segmentation: descriptor tables, segment register loads and the
// instructions that inspect descriptors.
#include "vmm/cpu/Descriptor.h"
#include "vmm/cpu/OpsSystem.h"

namespace tandem {

void Cpu::recomputeSegLimits(unsigned s) {
  const SegmentCache& c = st.seg[s];
  SegLimits& l = seg_limits_[s];
  if (!protectedMode() || v86()) {
    l = {0, c.limit, c.limit};
    return;
  }
  if (!c.valid) {
    l = {0, -1, -1};
    return;
  }
  bool code = c.attr & seg_attr::kCode;
  bool expand_down = !code && (c.attr & seg_attr::kExpandDown);
  uint32_t lo = 0;
  int64_t span = c.limit;
  if (expand_down) {
    int64_t top = (c.attr & seg_attr::DB) ? 0xFFFFFFFFll : 0xFFFFll;
    lo = c.limit + 1;
    span = static_cast<int64_t>(c.limit) + 1 > top ? -1 : top - (static_cast<int64_t>(c.limit) + 1);
  }
  bool readable = !code || (c.attr & seg_attr::kReadable);
  bool writable = !code && (c.attr & seg_attr::kWritable);
  l = {lo, readable ? span : -1, writable ? span : -1};
}

void Cpu::setSegmentCache(unsigned s, const SegmentCache& c) {
  st.seg[s] = c;
  recomputeSegLimits(s);
  if (s == CS || s == SS) updateModeCaches();
}

void Cpu::loadSegmentReal(unsigned s, uint16_t sel) {
  SegmentCache c = st.seg[s];
  c.selector = sel;
  c.base = static_cast<uint32_t>(sel) << 4;
  c.valid = 1;
  if (v86()) {
    c.limit = 0xFFFF;
    c.attr = seg_attr::P | seg_attr::S | (3u << seg_attr::kDplShift) | seg_attr::kWritable |
             seg_attr::kAccessed | (s == CS ? seg_attr::kCode : 0);
  }
  setSegmentCache(s, c);
}

bool Cpu::readDescriptor(uint16_t sel, uint64_t* desc) {
  uint32_t index = sel & ~7u;
  uint32_t base, limit;
  if (sel & 4) {
    if (!st.ldtr.valid) return false;
    base = st.ldtr.base;
    limit = st.ldtr.limit;
  } else {
    base = st.gdtr.base;
    limit = st.gdtr.limit;
  }
  if (index + 7 > limit) return false;
  uint32_t lo = readSys<uint32_t>(base + index);
  uint32_t hi = readSys<uint32_t>(base + index + 4);
  *desc = (static_cast<uint64_t>(hi) << 32) | lo;
  return true;
}

uint64_t Cpu::fetchDescriptor(uint16_t sel, uint8_t vector) {
  uint64_t d;
  if (!readDescriptor(sel, &d)) raise(vector, sel & 0xFFFC);
  return d;
}

void Cpu::setDescriptorBusyOrAccessed(uint16_t sel, uint64_t desc, uint64_t bit) {
  if (desc & bit) return;
  uint32_t base = (sel & 4) ? st.ldtr.base : st.gdtr.base;
  uint32_t addr = base + (sel & ~7u) + 5;
  uint8_t b = static_cast<uint8_t>((desc | bit) >> 40);
  writeSys<uint8_t>(addr, b);
}

constexpr uint64_t kAccessedBit = 1ull << 40;

void Cpu::loadSegment(unsigned s, uint16_t sel) {
  if (!protectedMode() || v86()) {
    loadSegmentReal(s, sel);
    return;
  }
  unsigned rpl = sel & 3;
  if ((sel & ~3u) == 0) {
    if (s == SS) raise(kGP, 0);
    SegmentCache c = st.seg[s];
    c.selector = sel;
    c.valid = 0;
    setSegmentCache(s, c);
    return;
  }
  Descriptor d{fetchDescriptor(sel, kGP)};
  if (s == SS) {
    if (rpl != cpl_ || !d.writable() || d.dpl() != cpl_) raise(kGP, sel & 0xFFFC);
    if (!d.present()) raise(kSS, sel & 0xFFFC);
  } else {
    if (!d.readable()) raise(kGP, sel & 0xFFFC);
    if (!d.conforming() && (rpl > d.dpl() || cpl_ > d.dpl())) raise(kGP, sel & 0xFFFC);
    if (!d.present()) raise(kNP, sel & 0xFFFC);
  }
  setDescriptorBusyOrAccessed(sel, d.raw, kAccessedBit);
  setSegmentCache(s, Descriptor{d.raw | kAccessedBit}.toCache(sel));
}

// ---- descriptor-table instructions ----

void storeTableRegisterAt(Cpu& c, const Insn& i, bool idt) {
  const TableRegister& t = idt ? c.st.idtr : c.st.gdtr;
  uint32_t ea = c.ea(i);
  uint8_t buf[6];
  buf[0] = static_cast<uint8_t>(t.limit);
  buf[1] = static_cast<uint8_t>(t.limit >> 8);
  uint32_t base = t.base;
  for (int k = 0; k < 4; ++k) buf[2 + k] = static_cast<uint8_t>(base >> (8 * k));
  c.writeBytes(i.seg, ea, buf, 6);
}

void loadTableRegisterFrom(Cpu& c, const Insn& i, bool idt) {
  if (c.protectedMode() && c.cpl_ != 0) c.raise(kGP, 0);
  uint8_t buf[6];
  c.readBytes(i.seg, c.ea(i), buf, 6);
  uint32_t limit = buf[0] | (buf[1] << 8);
  uint32_t base = buf[2] | (buf[3] << 8) | (buf[4] << 16) | (static_cast<uint32_t>(buf[5]) << 24);
  if (i.op16()) base &= 0x00FFFFFF;
  TableRegister& t = idt ? c.st.idtr : c.st.gdtr;
  t.base = base;
  t.limit = limit;
}

void storeSystemSelectorTo(Cpu& c, const Insn& i, bool tr, bool mem) {
  if (!c.protectedMode() || c.v86()) c.raise(kUD);
  uint16_t sel = tr ? c.st.tr.selector : c.st.ldtr.selector;
  if (mem) c.write<uint16_t>(i.seg, c.ea(i), sel);
  else if (i.op16()) c.r16(i.rm) = sel;
  else c.r32(i.rm) = sel;
}

void loadLdt(Cpu& c, uint16_t sel) {
  if ((sel & ~3u) == 0) {
    c.st.ldtr.selector = sel;
    c.st.ldtr.valid = 0;
    return;
  }
  if (sel & 4) c.raise(kGP, sel & 0xFFFC);
  Descriptor d{c.fetchDescriptor(sel, kGP)};
  if (!d.system() || d.type() != desc_type::kLdt) c.raise(kGP, sel & 0xFFFC);
  if (!d.present()) c.raise(kNP, sel & 0xFFFC);
  c.st.ldtr = d.toCache(sel);
}

void loadTr(Cpu& c, uint16_t sel) {
  if ((sel & ~3u) == 0 || (sel & 4)) c.raise(kGP, sel & 0xFFFC);
  Descriptor d{c.fetchDescriptor(sel, kGP)};
  if (!d.system() || (d.type() != desc_type::kTss16Avail && d.type() != desc_type::kTss32Avail))
    c.raise(kGP, sel & 0xFFFC);
  if (!d.present()) c.raise(kNP, sel & 0xFFFC);
  constexpr uint64_t kBusy = 2ull << 40;
  c.setDescriptorBusyOrAccessed(sel, d.raw, kBusy);
  c.st.tr = Descriptor{d.raw | kBusy}.toCache(sel);
}

void arpl(Cpu& c, const Insn& i, bool mem) {
  if (!c.protectedMode() || c.v86()) c.raise(kUD);
  uint16_t src = c.r16(i.reg);
  uint32_t f = c.eflags() & ~fl::ZF;
  if (mem) {
    auto m = c.rmw<uint16_t>(i.seg, c.ea(i));
    uint16_t d = m.load();
    if ((d & 3) < (src & 3)) {
      m.store(static_cast<uint16_t>((d & ~3) | (src & 3)));
      f |= fl::ZF;
    } else {
      m.store(d);
    }
  } else {
    uint16_t d = c.r16(i.rm);
    if ((d & 3) < (src & 3)) {
      c.r16(i.rm) = static_cast<uint16_t>((d & ~3) | (src & 3));
      f |= fl::ZF;
    }
  }
  c.setArithFlags(f);
}

// True when the descriptor may be inspected by LAR/LSL/VERR/VERW at the
// current privilege with the selector's RPL.
static bool visibleAtPrivilege(const Cpu& c, const Descriptor& d, uint16_t sel) {
  if (d.conforming()) return true;
  return d.dpl() >= c.cpl_ && d.dpl() >= (sel & 3u);
}

void larLslOn(Cpu& c, const Insn& i, uint16_t sel, bool lsl) {
  uint32_t f = c.eflags() & ~fl::ZF;
  uint64_t raw;
  bool ok = (sel & ~3u) != 0 && c.readDescriptor(sel, &raw);
  if (ok) {
    Descriptor d{raw};
    if (d.system()) {
      uint8_t t = d.type();
      bool lar_ok = t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 11 || t == 12;
      bool lsl_ok = t == 1 || t == 2 || t == 3 || t == 9 || t == 11;
      ok = lsl ? lsl_ok : lar_ok;
    }
    ok = ok && visibleAtPrivilege(c, d, sel);
    if (ok) {
      uint32_t v = lsl ? d.limit() : static_cast<uint32_t>((raw >> 32) & 0x00F0FF00u);
      if (i.op16()) c.r16(i.reg) = static_cast<uint16_t>(v);
      else c.r32(i.reg) = v;
      f |= fl::ZF;
    }
  }
  c.setArithFlags(f);
}

void verifySelector(Cpu& c, uint16_t sel, bool write) {
  uint32_t f = c.eflags() & ~fl::ZF;
  uint64_t raw;
  if ((sel & ~3u) != 0 && c.readDescriptor(sel, &raw)) {
    Descriptor d{raw};
    bool ok = !d.system() && visibleAtPrivilege(c, d, sel) && (write ? d.writable() : d.readable());
    if (ok) f |= fl::ZF;
  }
  c.setArithFlags(f);
}

}  // namespace tandem
