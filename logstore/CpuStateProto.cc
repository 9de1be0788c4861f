#include "logstore/CpuStateProto.h"

#include <cstring>

namespace tandem {

// Every field of CpuState must be converted below (gpr[8] is always zero and
// reserved0 and reserved1 are padding). A field added to CpuState changes its size and
// stops the build here; the round-trip test (CpuStateProtoTest) catches a
// field that reuses padding. Either way: add it to pb::CpuState in
// logstore/tandem.proto and to both functions below.
static_assert(sizeof(CpuState) == 400,
              "CpuState changed: update pb::CpuState in logstore/tandem.proto and "
              "logstore/CpuStateProto.cc");
static_assert(sizeof(FpuState) == 8 * 8 + 8 * 2 + 6 * 2 + 2 * 4 + 4 &&
                  sizeof(SegmentCache) == 16 && sizeof(TableRegister) == 8,
              "FpuState, SegmentCache or TableRegister changed: update tandem.proto and "
              "logstore/CpuStateProto.cc");

namespace {

void segToProto(const SegmentCache& s, pb::SegmentCache& p) {
  p.set_base(s.base);
  p.set_limit(s.limit);
  p.set_selector(s.selector);
  p.set_attr(s.attr);
  p.set_valid(s.valid);
}

Status check16(const char* what, uint32_t v) {
  if (v > 0xFFFF) return makeError(std::string(what) + " = " + std::to_string(v) + " exceeds 16 bits");
  return {};
}

Result<SegmentCache> segFromProto(const char* name, const pb::SegmentCache& p) {
  std::string n(name);
  if (auto s = check16((n + ".selector").c_str(), p.selector()); !s) return s.error();
  if (auto s = check16((n + ".attr").c_str(), p.attr()); !s) return s.error();
  return SegmentCache{p.base(), p.limit(), static_cast<uint16_t>(p.selector()),
                      static_cast<uint16_t>(p.attr()), p.valid()};
}

void fpuToProto(const FpuState& f, pb::FpuState& p) {
  for (int i = 0; i < 8; ++i) {
    p.add_mantissa(f.mant[i]);
    p.add_sign_exponent(f.sexp[i]);
  }
  p.set_cw(f.cw);
  p.set_sw(f.sw);
  p.set_tw(f.tw);
  p.set_fop(f.fop);
  p.set_fip(f.fip);
  p.set_fdp(f.fdp);
  p.set_fcs(f.fcs);
  p.set_fds(f.fds);
  p.set_top(f.top);
}

Result<FpuState> fpuFromProto(const pb::FpuState& p) {
  if (p.mantissa_size() != 8 || p.sign_exponent_size() != 8)
    return makeError("fpu: needs 8 registers, has " + std::to_string(p.mantissa_size()) + "/" +
                     std::to_string(p.sign_exponent_size()));
  FpuState f;
  std::memset(&f, 0, sizeof f);
  for (int i = 0; i < 8; ++i) {
    if (auto s = check16("fpu.sign_exponent", p.sign_exponent(i)); !s) return s.error();
    f.mant[i] = p.mantissa(i);
    f.sexp[i] = static_cast<uint16_t>(p.sign_exponent(i));
  }
  const struct {
    const char* name;
    uint32_t value;
    uint16_t* field;
  } words[] = {{"fpu.cw", p.cw(), &f.cw},   {"fpu.sw", p.sw(), &f.sw},   {"fpu.tw", p.tw(), &f.tw},
               {"fpu.fop", p.fop(), &f.fop}, {"fpu.fcs", p.fcs(), &f.fcs}, {"fpu.fds", p.fds(), &f.fds}};
  for (const auto& w : words) {
    if (auto s = check16(w.name, w.value); !s) return s.error();
    *w.field = static_cast<uint16_t>(w.value);
  }
  if (p.top() > 7) return makeError("fpu.top = " + std::to_string(p.top()) + " is not 0..7");
  f.fip = p.fip();
  f.fdp = p.fdp();
  f.top = p.top();
  return f;
}

}  // namespace

void cpuStateToProto(const CpuState& s, pb::CpuState& p) {
  p.Clear();
  for (int i = 0; i < 8; ++i) p.add_gpr(s.gpr[i]);
  p.set_eip(s.eip);
  p.set_eflags(s.eflags);
  for (int i = 0; i < kSegCount; ++i) segToProto(s.seg[i], *p.add_seg());
  segToProto(s.ldtr, *p.mutable_ldtr());
  segToProto(s.tr, *p.mutable_tr());
  p.mutable_gdtr()->set_base(s.gdtr.base);
  p.mutable_gdtr()->set_limit(s.gdtr.limit);
  p.mutable_idtr()->set_base(s.idtr.base);
  p.mutable_idtr()->set_limit(s.idtr.limit);
  p.set_cr0(s.cr0);
  p.set_cr2(s.cr2);
  p.set_cr3(s.cr3);
  p.set_cr4(s.cr4);
  for (int i = 0; i < 8; ++i) p.add_dr(s.dr[i]);
  p.set_sysenter_cs(s.sysenter_cs);
  p.set_sysenter_esp(s.sysenter_esp);
  p.set_sysenter_eip(s.sysenter_eip);
  p.set_a20_mask(s.a20_mask);
  p.set_icount(s.icount);
  p.set_tsc_offset(s.tsc_offset);
  p.set_misc_enable(s.misc_enable);
  p.set_halted(s.halted);
  p.set_intr_shadow(s.intr_shadow);
  p.set_nmi_blocked(s.nmi_blocked);
  fpuToProto(s.fpu, *p.mutable_fpu());
}

Result<CpuState> cpuStateFromProto(const pb::CpuState& p) {
  CpuState s;
  std::memset(&s, 0, sizeof s);  // gpr[8], reserved0 and reserved1 are zero by definition
  if (p.gpr_size() != 8) return makeError("cpu: needs 8 general registers, has " + std::to_string(p.gpr_size()));
  if (p.seg_size() != kSegCount)
    return makeError("cpu: needs 6 segment registers, has " + std::to_string(p.seg_size()));
  if (p.dr_size() != 8) return makeError("cpu: needs 8 debug registers, has " + std::to_string(p.dr_size()));
  for (int i = 0; i < 8; ++i) s.gpr[i] = p.gpr(i);
  s.eip = p.eip();
  s.eflags = p.eflags();
  static const char* const kSegNames[kSegCount] = {"es", "cs", "ss", "ds", "fs", "gs"};
  for (int i = 0; i < kSegCount; ++i) {
    auto seg = segFromProto(kSegNames[i], p.seg(i));
    if (!seg) return seg.error();
    s.seg[i] = *seg;
  }
  auto ldtr = segFromProto("ldtr", p.ldtr());
  if (!ldtr) return ldtr.error();
  auto tr = segFromProto("tr", p.tr());
  if (!tr) return tr.error();
  s.ldtr = *ldtr;
  s.tr = *tr;
  s.gdtr = TableRegister{p.gdtr().base(), p.gdtr().limit()};
  s.idtr = TableRegister{p.idtr().base(), p.idtr().limit()};
  s.cr0 = p.cr0();
  s.cr2 = p.cr2();
  s.cr3 = p.cr3();
  s.cr4 = p.cr4();
  for (int i = 0; i < 8; ++i) s.dr[i] = p.dr(i);
  s.sysenter_cs = p.sysenter_cs();
  s.sysenter_esp = p.sysenter_esp();
  s.sysenter_eip = p.sysenter_eip();
  s.a20_mask = p.a20_mask();
  s.icount = p.icount();
  s.tsc_offset = p.tsc_offset();
  s.misc_enable = p.misc_enable();
  s.halted = p.halted();
  s.intr_shadow = p.intr_shadow();
  s.nmi_blocked = p.nmi_blocked();
  auto fpu = fpuFromProto(p.fpu());
  if (!fpu) return fpu.error();
  s.fpu = *fpu;
  return s;
}

}  // namespace tandem
