#include "replayer/gdb/GdbRegisters.h"

#include <cstring>

#include "replayer/gdb/GdbPacket.h"
#include "vmm/Assert.h"
#include "vmm/cpu/X87State.h"

namespace tandem::gdb {
namespace {

constexpr const char* kCore = "org.gnu.gdb.i386.core";

constexpr RegisterInfo kRegisters[kRegisterCount] = {
    {"eax", 32, "int32", nullptr, kCore},       {"ecx", 32, "int32", nullptr, kCore},
    {"edx", 32, "int32", nullptr, kCore},       {"ebx", 32, "int32", nullptr, kCore},
    {"esp", 32, "data_ptr", nullptr, kCore},    {"ebp", 32, "data_ptr", nullptr, kCore},
    {"esi", 32, "int32", nullptr, kCore},       {"edi", 32, "int32", nullptr, kCore},
    {"eip", 32, "code_ptr", nullptr, kCore},    {"eflags", 32, "i386_eflags", nullptr, kCore},
    {"cs", 32, "int32", nullptr, kCore},        {"ss", 32, "int32", nullptr, kCore},
    {"ds", 32, "int32", nullptr, kCore},        {"es", 32, "int32", nullptr, kCore},
    {"fs", 32, "int32", nullptr, kCore},        {"gs", 32, "int32", nullptr, kCore},
    {"st0", 80, "i387_ext", nullptr, kCore},    {"st1", 80, "i387_ext", nullptr, kCore},
    {"st2", 80, "i387_ext", nullptr, kCore},    {"st3", 80, "i387_ext", nullptr, kCore},
    {"st4", 80, "i387_ext", nullptr, kCore},    {"st5", 80, "i387_ext", nullptr, kCore},
    {"st6", 80, "i387_ext", nullptr, kCore},    {"st7", 80, "i387_ext", nullptr, kCore},
    {"fctrl", 32, "int", "float", kCore},       {"fstat", 32, "int", "float", kCore},
    {"ftag", 32, "int", "float", kCore},        {"fiseg", 32, "int", "float", kCore},
    {"fioff", 32, "int", "float", kCore},       {"foseg", 32, "int", "float", kCore},
    {"fooff", 32, "int", "float", kCore},       {"fop", 32, "int", "float", kCore},
};

// gdb's selector order, as CPU segment registers.
constexpr SegReg kGdbSegOrder[6] = {CS, SS, DS, ES, FS, GS};

// The EFLAGS bits a debugger may change: status flags, TF, IF, DF. The
// others change the CPU's mode and are set only by the guest.
constexpr uint32_t kWritableFlags = fl::kArith | fl::TF | fl::IF | fl::DF;

constexpr unsigned kFirstSeg = 10, kFirstSt = 16, kFirstFpuControl = 24;

// The 32-bit registers other than general, EIP, EFLAGS and selectors.
uint32_t* word(I386Registers& r, unsigned regnum) {
  if (regnum < 8) return &r.gpr[regnum];
  if (regnum == kEipRegnum) return &r.eip;
  if (regnum == 9) return &r.eflags;
  if (regnum < kFirstSt) return &r.seg[regnum - kFirstSeg];
  uint32_t* control[8] = {&r.fctrl, &r.fstat, &r.ftag,  &r.fiseg,
                          &r.fioff, &r.foseg, &r.fooff, &r.fop};
  TANDEM_ASSERT(regnum >= kFirstFpuControl && regnum < kRegisterCount);
  return control[regnum - kFirstFpuControl];
}

}  // namespace

const RegisterInfo& registerInfo(unsigned regnum) {
  TANDEM_ASSERT(regnum < kRegisterCount);
  return kRegisters[regnum];
}

std::span<const uint8_t> registerBytes(const I386Registers& regs, unsigned regnum,
                                       std::array<uint8_t, 10>& scratch) {
  TANDEM_ASSERT(regnum < kRegisterCount);
  if (regnum >= kFirstSt && regnum < kFirstFpuControl) {
    std::memcpy(scratch.data(), regs.st[regnum - kFirstSt], 10);
    return std::span(scratch.data(), 10);
  }
  uint32_t v = *word(const_cast<I386Registers&>(regs), regnum);
  for (unsigned i = 0; i < 4; ++i) scratch[i] = static_cast<uint8_t>(v >> (8 * i));
  return std::span(scratch.data(), 4);
}

bool setRegisterBytes(I386Registers& regs, unsigned regnum, std::span<const uint8_t> bytes) {
  if (regnum >= kRegisterCount || bytes.size() != kRegisters[regnum].bits / 8) return false;
  if (regnum >= kFirstSt && regnum < kFirstFpuControl) {
    std::memcpy(regs.st[regnum - kFirstSt], bytes.data(), 10);
    return true;
  }
  uint32_t v = 0;
  for (unsigned i = 0; i < 4; ++i) v |= uint32_t{bytes[i]} << (8 * i);
  *word(regs, regnum) = v;
  return true;
}

std::string encodeRegisters(const I386Registers& regs) {
  std::string out;
  out.reserve(kRegisterFileBytes * 2);
  std::array<uint8_t, 10> scratch;
  for (unsigned n = 0; n < kRegisterCount; ++n) appendHex(out, registerBytes(regs, n, scratch));
  return out;
}

std::optional<I386Registers> decodeRegisters(std::string_view hex) {
  if (hex.size() != kRegisterFileBytes * 2) return std::nullopt;
  auto bytes = fromHex(hex);
  if (!bytes) return std::nullopt;
  I386Registers regs{};
  size_t at = 0;
  for (unsigned n = 0; n < kRegisterCount; ++n) {
    size_t len = kRegisters[n].bits / 8;
    setRegisterBytes(regs, n, std::span(bytes->data() + at, len));
    at += len;
  }
  return regs;
}

I386Registers registersFromCpu(const CpuState& s) {
  I386Registers r{};
  for (unsigned i = 0; i < 8; ++i) r.gpr[i] = s.gpr[i];
  r.eip = s.eip;
  r.eflags = s.eflags;
  for (unsigned i = 0; i < 6; ++i) r.seg[i] = s.seg[kGdbSegOrder[i]].selector;
  const FpuState& f = s.fpu;
  for (unsigned i = 0; i < 8; ++i) {
    unsigned phys = (f.top + i) & 7;
    std::memcpy(r.st[i], &f.mant[phys], 8);
    std::memcpy(r.st[i] + 8, &f.sexp[phys], 2);
  }
  r.fctrl = f.cw;
  r.fstat = f.sw;
  r.ftag = f.tw;
  r.fiseg = f.fcs;
  r.fioff = f.fip;
  r.foseg = f.fds;
  r.fooff = f.fdp;
  r.fop = f.fop;
  return r;
}

const char* applyRegisters(const I386Registers& regs, CpuState& s) {
  I386Registers current = registersFromCpu(s);
  for (unsigned i = 0; i < 6; ++i)
    if (regs.seg[i] != current.seg[i]) return kRegisters[kFirstSeg + i].name;
  if ((regs.eflags ^ current.eflags) & ~kWritableFlags) return "eflags";
  for (unsigned i = 0; i < 8; ++i) s.gpr[i] = regs.gpr[i];
  s.eip = regs.eip;
  s.eflags = regs.eflags;
  FpuState& f = s.fpu;
  f.cw = static_cast<uint16_t>(regs.fctrl);
  // TOP comes from the status word; the stack registers are placed after.
  f.sw = static_cast<uint16_t>(regs.fstat);
  f.top = (f.sw >> 11) & 7;
  f.tw = static_cast<uint16_t>(regs.ftag);
  f.fcs = static_cast<uint16_t>(regs.fiseg);
  f.fip = regs.fioff;
  f.fds = static_cast<uint16_t>(regs.foseg);
  f.fdp = regs.fooff;
  f.fop = static_cast<uint16_t>(regs.fop & 0x7FF);
  for (unsigned i = 0; i < 8; ++i) {
    unsigned phys = (f.top + i) & 7;
    std::memcpy(&f.mant[phys], regs.st[i], 8);
    std::memcpy(&f.sexp[phys], regs.st[i] + 8, 2);
  }
  // Keep the invariants the x87 unit relies on (tags, ES and B).
  recomputeTags(f);
  updateSummary(f);
  return nullptr;
}

}  // namespace tandem::gdb
