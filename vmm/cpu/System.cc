// Control registers, MSRs, CPUID, SYSENTER/SYSEXIT and other privileged
// instructions.
#include <cstring>

#include "vmm/cpu/OpsSystem.h"

namespace tandem {
namespace {

void requireCpl0(Cpu& c) {
  if (c.protectedMode() && c.cpl_ != 0) c.raise(kGP, 0);
}

namespace msr {
constexpr uint32_t kTsc = 0x10, kPlatformId = 0x17, kBiosSignId = 0x8B, kSysenterCs = 0x174,
                   kSysenterEsp = 0x175, kSysenterEip = 0x176, kMiscEnable = 0x1A0;
}

// CPUID leaf 1 EDX: exactly what the interpreter implements.
constexpr uint32_t kFeatureFpu = 1u << 0, kFeaturePse = 1u << 3, kFeatureTsc = 1u << 4,
                   kFeatureMsr = 1u << 5, kFeatureCx8 = 1u << 8, kFeatureSep = 1u << 11,
                   kFeaturePge = 1u << 13, kFeatureCmov = 1u << 15;
constexpr uint32_t kFeaturesEdx = kFeatureFpu | kFeaturePse | kFeatureTsc | kFeatureMsr |
                                  kFeatureCx8 | kFeatureSep | kFeaturePge | kFeatureCmov;
// Family 6, model 8, stepping 3.
constexpr uint32_t kSignature = 0x00000683;
constexpr char kVendor[] = "GenuineIntel";
constexpr char kBrand[48] = "tandem IA-32 interpreter";

uint32_t le32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

void HLT(Cpu& c, const Insn& i) {
  requireCpl0(c);
  c.st.halted = 1;
  c.stop_ = true;
}

void Cpu::writeCr0(uint32_t v) {
  v |= cr0::ET;
  if ((v & cr0::PG) && !(v & cr0::PE)) raise(kGP, 0);
  if ((v & cr0::NW) && !(v & cr0::CD)) raise(kGP, 0);
  uint32_t changed = st.cr0 ^ v;
  st.cr0 = v;
  if (changed & (cr0::PG | cr0::WP | cr0::PE)) tlbFlush(true);
  if (changed & cr0::PE) {
    for (unsigned s = 0; s < kSegCount; ++s) recomputeSegLimits(s);
    updateModeCaches();
  }
}

void Cpu::writeCr3(uint32_t v) {
  st.cr3 = v & 0xFFFFF018u;
  tlbFlush(false);
}

void Cpu::writeCr4(uint32_t v) {
  constexpr uint32_t kSupported = cr4::TSD | cr4::DE | cr4::PSE | cr4::PGE | cr4::PCE;
  if (v & ~kSupported) raise(kGP, 0);
  uint32_t changed = st.cr4 ^ v;
  st.cr4 = v;
  if (changed & (cr4::PSE | cr4::PGE)) tlbFlush(true);
}

void MOV_RdCd(Cpu& c, const Insn& i) {
  requireCpl0(c);
  uint32_t v;
  switch (i.reg) {
    case 0: v = c.st.cr0; break;
    case 2: v = c.st.cr2; break;
    case 3: v = c.st.cr3; break;
    case 4: v = c.st.cr4; break;
    default: c.raise(kUD);
  }
  c.r32(i.rm) = v;
}

void MOV_CdRd(Cpu& c, const Insn& i) {
  requireCpl0(c);
  uint32_t v = c.r32(i.rm);
  switch (i.reg) {
    case 0: c.writeCr0(v); break;
    case 2: c.st.cr2 = v; break;
    case 3: c.writeCr3(v); break;
    case 4: c.writeCr4(v); break;
    default: c.raise(kUD);
  }
}

static unsigned debugRegIndex(Cpu& c, unsigned r) {
  if (r == 4 || r == 5) {
    if (c.st.cr4 & cr4::DE) c.raise(kUD);
    return r + 2;
  }
  return r;
}

void MOV_RdDd(Cpu& c, const Insn& i) {
  requireCpl0(c);
  c.r32(i.rm) = c.st.dr[debugRegIndex(c, i.reg)];
}

void MOV_DdRd(Cpu& c, const Insn& i) {
  requireCpl0(c);
  unsigned r = debugRegIndex(c, i.reg);
  uint32_t v = c.r32(i.rm);
  if (r == 6) v = (v & 0x0000E00Fu) | 0xFFFF0FF0u;
  else if (r == 7) v = (v & 0xFFFF2BFFu) | 0x00000400u;
  c.st.dr[r] = v;
  c.refreshDebug();
}

void CLTS(Cpu& c, const Insn& i) {
  requireCpl0(c);
  c.st.cr0 &= ~cr0::TS;
}

void WBINVD(Cpu& c, const Insn& i) { requireCpl0(c); }

void INVLPG_M(Cpu& c, const Insn& i) {
  requireCpl0(c);
  c.tlbFlushPage(c.st.seg[i.seg].base + c.ea(i));
}

void lmsw(Cpu& c, uint16_t v) {
  requireCpl0(c);
  uint32_t nv = (c.st.cr0 & ~0xEu) | (v & 0xF) | (c.st.cr0 & cr0::PE);
  c.writeCr0(nv);
}

void RDTSC(Cpu& c, const Insn& i) {
  if ((c.st.cr4 & cr4::TSD) && c.protectedMode() && c.cpl_ != 0) c.raise(kGP, 0);
  uint64_t t = c.bus.readTsc(c.icount()) + c.st.tsc_offset;
  c.r32(EAX) = static_cast<uint32_t>(t);
  c.r32(EDX) = static_cast<uint32_t>(t >> 32);
}

void RDPMC(Cpu& c, const Insn& i) {
  // No performance counters are implemented.
  c.raise(kGP, 0);
}

void RDMSR(Cpu& c, const Insn& i) {
  requireCpl0(c);
  uint64_t v;
  switch (c.r32(ECX)) {
    case msr::kTsc: v = c.bus.readTsc(c.icount()) + c.st.tsc_offset; break;
    case msr::kPlatformId: v = 0; break;
    case msr::kBiosSignId: v = 0; break;
    case msr::kSysenterCs: v = c.st.sysenter_cs; break;
    case msr::kSysenterEsp: v = c.st.sysenter_esp; break;
    case msr::kSysenterEip: v = c.st.sysenter_eip; break;
    case msr::kMiscEnable: v = c.st.misc_enable; break;
    default: c.raise(kGP, 0);
  }
  c.r32(EAX) = static_cast<uint32_t>(v);
  c.r32(EDX) = static_cast<uint32_t>(v >> 32);
}

void WRMSR(Cpu& c, const Insn& i) {
  requireCpl0(c);
  uint64_t v = (static_cast<uint64_t>(c.r32(EDX)) << 32) | c.r32(EAX);
  switch (c.r32(ECX)) {
    case msr::kTsc: c.st.tsc_offset = v - c.bus.readTsc(c.icount()); break;
    case msr::kBiosSignId: break;  // writing 0 before CPUID is how software asks for it
    case msr::kSysenterCs: c.st.sysenter_cs = static_cast<uint32_t>(v) & 0xFFFF; break;
    case msr::kSysenterEsp: c.st.sysenter_esp = static_cast<uint32_t>(v); break;
    case msr::kSysenterEip: c.st.sysenter_eip = static_cast<uint32_t>(v); break;
    case msr::kMiscEnable: c.st.misc_enable = v; break;
    default: c.raise(kGP, 0);
  }
}

void CPUID(Cpu& c, const Insn& i) {
  uint32_t leaf = c.r32(EAX);
  uint32_t a = 0, b = 0, cc = 0, d = 0;
  if (leaf == 0) {
    a = 1;
    b = le32(kVendor);
    d = le32(kVendor + 4);
    cc = le32(kVendor + 8);
  } else if (leaf == 1) {
    a = kSignature;
    d = kFeaturesEdx;
  } else if (leaf == 0x80000000u) {
    a = 0x80000004u;
  } else if (leaf >= 0x80000002u && leaf <= 0x80000004u) {
    const char* p = kBrand + (leaf - 0x80000002u) * 16;
    a = le32(p);
    b = le32(p + 4);
    cc = le32(p + 8);
    d = le32(p + 12);
  }
  c.r32(EAX) = a;
  c.r32(EBX) = b;
  c.r32(ECX) = cc;
  c.r32(EDX) = d;
}

static SegmentCache flatSegment(uint16_t sel, unsigned dpl, bool code) {
  uint16_t attr = seg_attr::P | seg_attr::S | seg_attr::DB | seg_attr::G | seg_attr::kAccessed |
                  static_cast<uint16_t>(dpl << seg_attr::kDplShift) |
                  (code ? (seg_attr::kCode | seg_attr::kReadable) : seg_attr::kWritable);
  return SegmentCache{0, 0xFFFFFFFFu, sel, attr, 1};
}

void SYSENTER(Cpu& c, const Insn& i) {
  if (!c.protectedMode() || (c.st.sysenter_cs & 0xFFFC) == 0) c.raise(kGP, 0);
  c.st.eflags &= ~(fl::VM | fl::IF | fl::RF);
  uint16_t cs = static_cast<uint16_t>(c.st.sysenter_cs & 0xFFFC);
  c.st.seg[CS] = flatSegment(cs, 0, true);
  c.st.seg[SS] = flatSegment(static_cast<uint16_t>(cs + 8), 0, false);
  c.recomputeSegLimits(CS);
  c.recomputeSegLimits(SS);
  c.updateModeCaches();
  c.st.gpr[ESP] = c.st.sysenter_esp;
  c.st.eip = c.st.sysenter_eip;
}

void SYSEXIT(Cpu& c, const Insn& i) {
  if (!c.protectedMode() || c.cpl_ != 0 || (c.st.sysenter_cs & 0xFFFC) == 0) c.raise(kGP, 0);
  uint16_t base = static_cast<uint16_t>(c.st.sysenter_cs);
  c.st.seg[CS] = flatSegment(static_cast<uint16_t>((base + 16) | 3), 3, true);
  c.st.seg[SS] = flatSegment(static_cast<uint16_t>((base + 24) | 3), 3, false);
  c.recomputeSegLimits(CS);
  c.recomputeSegLimits(SS);
  c.updateModeCaches();
  c.st.gpr[ESP] = c.st.gpr[ECX];
  c.st.eip = c.st.gpr[EDX];
}

}  // namespace tandem
