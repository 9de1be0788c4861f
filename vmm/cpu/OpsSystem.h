// System instructions (implemented in System.cc and Segments.cc).
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

void HLT(Cpu& c, const Insn& i);
void MOV_RdCd(Cpu& c, const Insn& i);
void MOV_CdRd(Cpu& c, const Insn& i);
void MOV_RdDd(Cpu& c, const Insn& i);
void MOV_DdRd(Cpu& c, const Insn& i);
void CLTS(Cpu& c, const Insn& i);
void WBINVD(Cpu& c, const Insn& i);
void WRMSR(Cpu& c, const Insn& i);
void RDMSR(Cpu& c, const Insn& i);
void RDTSC(Cpu& c, const Insn& i);
void RDPMC(Cpu& c, const Insn& i);
void SYSENTER(Cpu& c, const Insn& i);
void SYSEXIT(Cpu& c, const Insn& i);
void CPUID(Cpu& c, const Insn& i);
void INVLPG_M(Cpu& c, const Insn& i);

template <bool Mem>
void SMSW_Ew(Cpu& c, const Insn& i) {
  if constexpr (Mem) c.write<uint16_t>(i.seg, c.ea(i), static_cast<uint16_t>(c.st.cr0));
  else if (i.op16()) c.r16(i.rm) = static_cast<uint16_t>(c.st.cr0);
  else c.r32(i.rm) = c.st.cr0;
}
void lmsw(Cpu& c, uint16_t v);
template <bool Mem>
void LMSW_Ew(Cpu& c, const Insn& i) {
  lmsw(c, loadE<uint16_t, Mem>(c, i));
}

// Segments.cc
void storeTableRegisterAt(Cpu& c, const Insn& i, bool idt);
template <bool Idt, bool Mem>
void storeTableRegister(Cpu& c, const Insn& i) {
  storeTableRegisterAt(c, i, Idt);
}
void loadTableRegisterFrom(Cpu& c, const Insn& i, bool idt);
template <bool Idt, bool Mem>
void loadTableRegister(Cpu& c, const Insn& i) {
  loadTableRegisterFrom(c, i, Idt);
}
void storeSystemSelectorTo(Cpu& c, const Insn& i, bool tr, bool mem);
template <bool Tr, bool Mem>
void storeSystemSelector(Cpu& c, const Insn& i) {
  storeSystemSelectorTo(c, i, Tr, Mem);
}
void loadLdt(Cpu& c, uint16_t sel);
void loadTr(Cpu& c, uint16_t sel);
template <bool Mem>
void LLDT_Ew(Cpu& c, const Insn& i) {
  if (!c.protectedMode() || c.v86()) c.raise(kUD);
  if (c.cpl_ != 0) c.raise(kGP, 0);
  loadLdt(c, loadE<uint16_t, Mem>(c, i));
}
template <bool Mem>
void LTR_Ew(Cpu& c, const Insn& i) {
  if (!c.protectedMode() || c.v86()) c.raise(kUD);
  if (c.cpl_ != 0) c.raise(kGP, 0);
  loadTr(c, loadE<uint16_t, Mem>(c, i));
}
void arpl(Cpu& c, const Insn& i, bool mem);
template <bool Mem>
void ARPL_EwGw(Cpu& c, const Insn& i) {
  arpl(c, i, Mem);
}
void larLslOn(Cpu& c, const Insn& i, uint16_t sel, bool lsl);
template <bool Lsl, bool Mem>
void larLsl(Cpu& c, const Insn& i) {
  if (!c.protectedMode() || c.v86()) c.raise(kUD);
  larLslOn(c, i, loadE<uint16_t, Mem>(c, i), Lsl);
}
void verifySelector(Cpu& c, uint16_t sel, bool write);
template <bool Write, bool Mem>
void verify(Cpu& c, const Insn& i) {
  if (!c.protectedMode() || c.v86()) c.raise(kUD);
  verifySelector(c, loadE<uint16_t, Mem>(c, i), Write);
}

}  // namespace tandem
