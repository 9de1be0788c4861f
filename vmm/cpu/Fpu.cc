#include "vmm/cpu/Fpu.h"

#include <cstring>

#include "vmm/cpu/Cpu.h"
#include "vmm/cpu/CpuInline.h"
#include "vmm/cpu/X87Decode.h"

namespace tandem {
namespace {

// What the x87 instructions see of the CPU (the Env of X87Exec.h).
class CpuEnv {
 public:
  CpuEnv(Cpu& cpu, const Insn& insn) : cpu_(cpu), insn_(insn) {}

  FpuState& fpu() { return cpu_.st.fpu; }
  uint32_t cr0() const { return cpu_.st.cr0; }
  uint8_t opcode() const { return insn_.opcode; }
  uint8_t modrm() const { return insn_.modrm; }
  bool isMem() const { return insn_.isMem(); }
  bool op16() const { return insn_.op16(); }
  bool realMode() const { return !cpu_.protectedMode() || cpu_.v86(); }

  void loadBytes(void* out, unsigned n) {
    const uint32_t off = cpu_.ea(insn_);
    switch (n) {
      case 2:
        store(out, cpu_.read<uint16_t>(insn_.seg, off));
        break;
      case 4:
        store(out, cpu_.read<uint32_t>(insn_.seg, off));
        break;
      case 8:
        loadWide<8>(off, out);
        break;
      case 10:
        loadWide<10>(off, out);
        break;
      default:
        cpu_.readBytes(insn_.seg, off, out, n);
        break;
    }
  }
  void storeBytes(const void* in, unsigned n) {
    const uint32_t off = cpu_.ea(insn_);
    switch (n) {
      case 2:
        cpu_.write<uint16_t>(insn_.seg, off, load<uint16_t>(in));
        break;
      case 4:
        cpu_.write<uint32_t>(insn_.seg, off, load<uint32_t>(in));
        break;
      case 8:
        storeWide<8>(off, in);
        break;
      case 10:
        storeWide<10>(off, in);
        break;
      default:
        cpu_.writeBytes(insn_.seg, off, in, n);
        break;
    }
  }

  uint32_t eflags() const {
    return (cpu_.getCF() ? fl::CF : 0) | (cpu_.getZF() ? fl::ZF : 0) | (cpu_.getPF() ? fl::PF : 0);
  }
  void setArithFlags(uint32_t bits) { cpu_.setArithFlags(bits); }
  void setAx(uint16_t v) { cpu_.r16(EAX) = v; }

  uint32_t insnOffset() const {
    const uint32_t eip = cpu_.insnEip(insn_);
    return cpu_.code32_ ? eip : (eip & 0xFFFF);
  }
  uint16_t codeSelector() const { return cpu_.st.seg[CS].selector; }
  uint32_t operandOffset() const { return cpu_.ea(insn_); }
  uint16_t operandSelector() const { return cpu_.st.seg[insn_.seg].selector; }

  [[noreturn]] void raise(uint8_t vector) { cpu_.raise(vector); }

 private:
  // m64 and m80 operands: within one page, as 4- and 2-byte pieces after
  // one check of the whole operand against the segment (a page either
  // allows all pieces or faults on the first, so nothing is half done);
  // across pages, through the all-or-nothing byte-range accessors.
  template <unsigned N>
  void loadWide(uint32_t off, void* out) {
    const uint32_t lin = cpu_.linearFor<N>(insn_.seg, off, Access::kRead);
    if ((lin & 0xFFF) > 0x1000 - N) return cpu_.readBytes(insn_.seg, off, out, N);
    auto* o = static_cast<uint8_t*>(out);
    const bool user = cpu_.cpl() == 3;
    store(o, cpu_.readLinear<uint32_t>(lin, user));
    store(o + 4, cpu_.readLinear<uint32_t>(lin + 4, user));
    if (N == 10) store(o + 8, cpu_.readLinear<uint16_t>(lin + 8, user));
  }
  template <unsigned N>
  void storeWide(uint32_t off, const void* in) {
    const uint32_t lin = cpu_.linearFor<N>(insn_.seg, off, Access::kWrite);
    if ((lin & 0xFFF) > 0x1000 - N) return cpu_.writeBytes(insn_.seg, off, in, N);
    const auto* p = static_cast<const uint8_t*>(in);
    const bool user = cpu_.cpl() == 3;
    cpu_.writeLinear<uint32_t>(lin, load<uint32_t>(p), user);
    cpu_.writeLinear<uint32_t>(lin + 4, load<uint32_t>(p + 4), user);
    if (N == 10) cpu_.writeLinear<uint16_t>(lin + 8, load<uint16_t>(p + 8), user);
  }

  template <typename T>
  static void store(void* out, T v) {
    std::memcpy(out, &v, sizeof v);
  }
  template <typename T>
  static T load(const void* in) {
    T v;
    std::memcpy(&v, in, sizeof v);
    return v;
  }

  Cpu& cpu_;
  const Insn& insn_;
};

template <class Kind>
void runOnCpu(Cpu& cpu, const Insn& insn) {
  CpuEnv env(cpu, insn);
  Kind::run(env);
}

struct CpuBind {
  using Result = Handler;
  template <class Kind>
  static Handler of(const char*) {
    return &runOnCpu<Kind>;
  }
};

}  // namespace

Handler fpuHandler(uint8_t opcode, uint8_t modrm) {
  return x87Decode<CpuBind>(opcode, modrm);
}

const char* fpuMnemonic(uint8_t opcode, uint8_t modrm) {
  return x87Decode<X87NameBind>(opcode, modrm);
}

void FWAIT(Cpu& cpu, const Insn&) {
  const uint32_t cr0v = cpu.st.cr0;
  if ((cr0v & (cr0::MP | cr0::TS)) == (cr0::MP | cr0::TS)) cpu.raise(kNM);
  if ((cpu.st.fpu.sw & fsw::ES) && (cr0v & cr0::NE)) cpu.raise(kMF);
}

void fpuInit(FpuState& f) {
  x87Init(f);
}

bool fpuFerrAsserted(const CpuState& s) {
  return (s.fpu.sw & fsw::ES) && !(s.cr0 & cr0::NE);
}

}  // namespace tandem
