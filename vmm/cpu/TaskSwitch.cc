// The hardware task switch (JMP/CALL to a TSS or task gate, IRET with NT,
// and task gates in the IDT, which Linux uses for #DF).
#include "vmm/cpu/CpuInline.h"
#include "vmm/cpu/Descriptor.h"

namespace tandem {
namespace {

// Offsets in a 32-bit TSS.
namespace tss32 {
constexpr uint32_t kBackLink = 0, kCr3 = 28, kEip = 32, kEflags = 36, kEax = 40, kEs = 72,
                   kLdt = 96, kMinLimit = 0x67;
}
// Offsets in a 16-bit TSS.
namespace tss16 {
constexpr uint32_t kBackLink = 0, kIp = 14, kFlags = 16, kAx = 18, kEs = 34, kLdt = 42,
                   kMinLimit = 0x2B;
}

constexpr uint64_t kBusyBit = 2ull << 40;

}  // namespace

void Cpu::taskSwitch(uint16_t sel, uint64_t raw, TaskSwitchSource src, bool has_error,
                     uint32_t error) {
  Descriptor nd{raw};
  uint32_t ext = src == TaskSwitchSource::kInterrupt ? 1 : 0;
  uint8_t type = nd.type();
  bool want_busy = src == TaskSwitchSource::kIret;
  bool new32;
  if (!nd.system()) raise(kGP, (sel & 0xFFFC) | ext);
  if (want_busy) {
    if (type != desc_type::kTss16Busy && type != desc_type::kTss32Busy) raise(kTS, (sel & 0xFFFC) | ext);
  } else if (type != desc_type::kTss16Avail && type != desc_type::kTss32Avail) {
    raise(kGP, (sel & 0xFFFC) | ext);
  }
  new32 = (type & 0x8) != 0;
  if (!nd.present()) raise(kNP, (sel & 0xFFFC) | ext);
  if (nd.limit() < (new32 ? tss32::kMinLimit : tss16::kMinLimit)) raise(kTS, (sel & 0xFFFC) | ext);

  // Read the whole new TSS image first (it may fault).
  uint32_t nb = nd.base();
  uint32_t n_eip, n_eflags, n_gpr[8], n_cr3 = st.cr3;
  uint16_t n_seg[kSegCount], n_ldt;
  if (new32) {
    n_cr3 = readSys<uint32_t>(nb + tss32::kCr3);
    n_eip = readSys<uint32_t>(nb + tss32::kEip);
    n_eflags = readSys<uint32_t>(nb + tss32::kEflags);
    for (unsigned r = 0; r < 8; ++r) n_gpr[r] = readSys<uint32_t>(nb + tss32::kEax + 4 * r);
    for (unsigned s = 0; s < kSegCount; ++s) n_seg[s] = readSys<uint16_t>(nb + tss32::kEs + 4 * s);
    n_ldt = readSys<uint16_t>(nb + tss32::kLdt);
  } else {
    n_eip = readSys<uint16_t>(nb + tss16::kIp);
    n_eflags = readSys<uint16_t>(nb + tss16::kFlags);
    for (unsigned r = 0; r < 8; ++r) n_gpr[r] = readSys<uint16_t>(nb + tss16::kAx + 2 * r);
    for (unsigned s = 0; s < 4; ++s) n_seg[s] = readSys<uint16_t>(nb + tss16::kEs + 2 * s);
    n_seg[FS] = n_seg[GS] = 0;
    n_ldt = readSys<uint16_t>(nb + tss16::kLdt);
  }

  // Save the outgoing task.
  uint16_t old_sel = st.tr.selector;
  uint32_t ob = st.tr.base;
  bool old32 = (st.tr.attr & 0x8) != 0;
  uint32_t old_flags = eflags();
  if (src == TaskSwitchSource::kIret) old_flags &= ~fl::NT;
  if (old32) {
    writeSys<uint32_t>(ob + tss32::kEip, st.eip);
    writeSys<uint32_t>(ob + tss32::kEflags, old_flags);
    for (unsigned r = 0; r < 8; ++r) writeSys<uint32_t>(ob + tss32::kEax + 4 * r, st.gpr[r]);
    for (unsigned s = 0; s < kSegCount; ++s) writeSys<uint16_t>(ob + tss32::kEs + 4 * s, st.seg[s].selector);
  } else {
    writeSys<uint16_t>(ob + tss16::kIp, static_cast<uint16_t>(st.eip));
    writeSys<uint16_t>(ob + tss16::kFlags, static_cast<uint16_t>(old_flags));
    for (unsigned r = 0; r < 8; ++r) writeSys<uint16_t>(ob + tss16::kAx + 2 * r, static_cast<uint16_t>(st.gpr[r]));
    for (unsigned s = 0; s < 4; ++s) writeSys<uint16_t>(ob + tss16::kEs + 2 * s, st.seg[s].selector);
  }
  if (src == TaskSwitchSource::kJump || src == TaskSwitchSource::kIret) {
    uint64_t old_raw;
    if (readDescriptor(old_sel, &old_raw)) {
      uint32_t addr = st.gdtr.base + (old_sel & ~7u) + 5;
      writeSys<uint8_t>(addr, static_cast<uint8_t>((old_raw & ~kBusyBit) >> 40));
    }
  }

  // Commit to the new task.
  if (src == TaskSwitchSource::kCall || src == TaskSwitchSource::kInterrupt) {
    writeSys<uint16_t>(nb + (new32 ? tss32::kBackLink : tss16::kBackLink), old_sel);
    n_eflags |= fl::NT;
  }
  if (!want_busy) setDescriptorBusyOrAccessed(sel, raw, kBusyBit);
  st.tr = Descriptor{raw | kBusyBit}.toCache(sel);
  st.cr0 |= cr0::TS;
  if (new32 && (st.cr0 & cr0::PG) && n_cr3 != st.cr3) {
    st.cr3 = n_cr3;
    tlbFlush(false);
  } else if (new32) {
    st.cr3 = n_cr3;
  }
  st.eflags = (n_eflags & ~((1u << 3) | (1u << 5) | (1u << 15))) | fl::kFixed1;
  if (!new32) st.eflags = (st.eflags & 0xFFFF) | fl::kFixed1;
  setArithFlags(st.eflags);
  for (unsigned r = 0; r < 8; ++r) {
    if (new32) st.gpr[r] = n_gpr[r];
    else r16(r) = static_cast<uint16_t>(n_gpr[r]);
  }
  st.eip = new32 ? n_eip : (n_eip & 0xFFFF);
  // Selectors take effect first; descriptors are loaded and checked after,
  // and faults from here on belong to the new task.
  for (unsigned s = 0; s < kSegCount; ++s) {
    st.seg[s].selector = n_seg[s];
    st.seg[s].valid = 0;
    recomputeSegLimits(s);
  }
  st.ldtr.selector = n_ldt;
  st.ldtr.valid = 0;
  if (st.eflags & fl::VM) raise(kGP, 0);  // virtual-8086 mode is not supported

  auto asTs = [&](uint16_t s, auto&& load) {
    try {
      load();
    } catch (const GuestException& e) {
      if (e.vector == kGP) raise(kTS, (s & 0xFFFC) | ext);
      throw;
    }
  };
  if ((n_ldt & ~3u) != 0) {
    asTs(n_ldt, [&] {
      if (n_ldt & 4) raise(kTS, n_ldt & 0xFFFC);
      uint64_t ldt_raw;
      if (!readDescriptor(n_ldt, &ldt_raw)) raise(kTS, n_ldt & 0xFFFC);
      Descriptor l{ldt_raw};
      if (!l.system() || l.type() != 2) raise(kTS, n_ldt & 0xFFFC);
      if (!l.present()) raise(kTS, n_ldt & 0xFFFC);
      st.ldtr = l.toCache(n_ldt);
    });
  }
  uint16_t cs_sel = n_seg[CS];
  unsigned new_cpl = cs_sel & 3;
  asTs(cs_sel, [&] {
    if ((cs_sel & ~3u) == 0) raise(kTS, ext);
    uint64_t cs_raw;
    if (!readDescriptor(cs_sel, &cs_raw)) raise(kTS, (cs_sel & 0xFFFC) | ext);
    Descriptor c{cs_raw};
    if (!c.code() || (c.conforming() ? c.dpl() > new_cpl : c.dpl() != new_cpl))
      raise(kTS, (cs_sel & 0xFFFC) | ext);
    if (!c.present()) raise(kNP, (cs_sel & 0xFFFC) | ext);
    loadCodeSegment(cs_sel, cs_raw, new_cpl);
  });
  asTs(n_seg[SS], [&] {
    st.seg[SS] = checkedStackSegment(n_seg[SS], new_cpl, kTS, ext);
    recomputeSegLimits(SS);
    updateModeCaches();
  });
  for (unsigned s : {ES, DS, FS, GS}) asTs(n_seg[s], [&] { loadSegment(s, n_seg[s]); });

  if (has_error) {
    SegmentCache ss = st.seg[SS];
    uint32_t esp = st.gpr[ESP];
    stackPush(ss, esp, error, new32 ? 4 : 2, ext);
    setSp(esp);
  }
  if (st.eip > st.seg[CS].limit) raise(kGP, ext);
}

}  // namespace tandem
