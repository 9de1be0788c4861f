// Builds one test case's instruction sequence as nasm source lines, keeping
// track of what the generator knows statically: which arithmetic flags and
// x87 condition codes the SDM leaves undefined at each point (so that no
// instruction consumes an undefined flag, and the comparison masks exactly
// those still undefined at the end), where ESP and EBP point, and which
// registers must not be overwritten. Memory operands are built so that they
// address a chosen byte of the scratch area, through a randomly chosen
// addressing form whose registers are loaded by setup instructions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/diff/CaseLayout.h"
#include "tests/diff/Rng.h"
#include "tests/diff/Arch.h"

namespace tandem::diff {

// x87 condition-code bits of the status word.
namespace fcc {
constexpr uint16_t C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
constexpr uint16_t kAll = C0 | C1 | C2 | C3;
}  // namespace fcc

// What one instruction does to the arithmetic flags and x87 condition codes.
struct Effect {
  uint32_t reads = 0;    // flags whose values the instruction consumes
  uint32_t defines = 0;  // flags it leaves with a defined value
  uint32_t undefs = 0;   // flags the SDM leaves undefined after it
  uint16_t fpu_reads = 0;
  uint16_t fpu_defines = 0;
  uint16_t fpu_undefs = 0;
};

// Common effects.
namespace fx {
constexpr uint32_t kAllArith = fl::kArith;
constexpr Effect kNone{};
constexpr Effect kArith{0, fl::kArith, 0};                              // ADD, SUB, CMP, NEG
constexpr Effect kCarryIn{fl::CF, fl::kArith, 0};                       // ADC, SBB
constexpr Effect kLogic{0, fl::kArith & ~fl::AF, fl::AF};               // AND, OR, XOR, TEST
constexpr Effect kIncDec{0, fl::kArith & ~fl::CF, 0};                   // INC, DEC
constexpr Effect kMul{0, fl::CF | fl::OF, fl::SF | fl::ZF | fl::AF | fl::PF};
constexpr Effect kDiv{0, 0, fl::kArith};
}  // namespace fx

struct EmittedInsn {
  std::string text;  // one nasm source line
  std::string note;  // what a raw encoding stands for, for reports
  uint32_t undef_after = 0;
  uint16_t fpu_undef_after = 0;
  bool setup = false;  // puts operands in place; not what the class tests
  bool label = false;  // a label, not an instruction
  // Scratch bytes this instruction stores that may differ between models
  // (x87 pointer fields) until the sequence overwrites them.
  uint32_t mask_offset = 0;
  uint32_t mask_len = 0;
};

struct MemRef {
  std::string text;   // e.g. "dword [es:ebx+esi*4+0x10]"
  uint32_t regs = 0;  // bit r set when GPR r takes part in the address
  uint32_t offset = 0;
};

struct MemOptions {
  bool allow16 = true;   // 16-bit addressing forms
  bool override = true;  // segment override prefixes
  bool keyword = true;   // prefix the size keyword
  uint32_t avoid = 0;    // GPRs the address must not use (they hold operands)
  // Naturally aligned: LOCKed accesses must not split a cache line (the
  // host kernel throttles a process that does).
  bool aligned = false;
};

class SeqBuilder {
 public:
  SeqBuilder(Rng& rng, uint32_t esp_offset);

  Rng& rng() { return rng_; }

  // ---- emission ----
  void insn(const std::string& text, const Effect& e = fx::kNone, const std::string& note = {});
  // The last instruction of the case: it faults, so the compared state is
  // the one before it.
  void faultingInsn(const std::string& text, const std::string& note = {});
  void setup(const std::string& text);
  // Marks scratch bytes written by the last instruction as model-specific.
  void maskLast(uint32_t offset, uint32_t len);
  // Emits a flag-defining CMP if any of `flags` is undefined now.
  void needFlags(uint32_t flags);
  // Emits FXAM if any of the x87 condition codes `bits` is undefined now.
  void needFpuCc(uint16_t bits);
  bool ended() const { return ended_; }

  // Forward branches: a label's undefined set is the union over every path
  // that reaches it.
  std::string newLabel(const char* stem = "t");
  void branch(const std::string& text, const std::string& label, const Effect& e);
  void place(const std::string& label);
  bool hasPending() const { return !pending_.empty(); }
  void placeAllPending();

  // ---- registers ----
  static std::string regName(unsigned width, unsigned r);  // width in bits
  // A random register of `width` bits that may be overwritten, none of whose
  // bytes belong to a register in `avoid` (a GPR bitmask).
  unsigned pickReg(unsigned width, uint32_t avoid = 0);
  void setReg(unsigned width, unsigned r, uint32_t value);
  void reserve(unsigned r) { reserved_ |= 1u << r; }
  void release(unsigned r) { reserved_ &= ~(1u << r); }
  uint32_t reserved() const { return reserved_; }

  // ---- memory ----
  static const char* sizeKeyword(unsigned bytes);
  uint32_t pickOffset(unsigned bytes, uint32_t lo = 0, uint32_t hi = kCaptureLow);
  MemRef mem(unsigned bytes, const MemOptions& o = {});
  MemRef memAt(unsigned bytes, uint32_t offset, const MemOptions& o = {});
  // Stores `bytes` bytes of `value` at a scratch offset with setup MOVs.
  void storeBytes(uint32_t offset, const void* value, unsigned bytes);

  // ---- stack ----
  uint32_t espOffset() const { return esp_; }
  void moveEsp(int32_t delta) { esp_ += delta; }
  bool ebpKnown() const { return ebp_known_; }
  uint32_t ebpOffset() const { return ebp_; }
  void setEbpKnown(bool known, uint32_t offset = 0) {
    ebp_known_ = known;
    ebp_ = offset;
  }

  // ---- results ----
  uint32_t undef() const { return undef_; }
  uint16_t fpuUndef() const { return fpu_undef_; }
  unsigned subjectCount() const { return subjects_; }
  std::vector<EmittedInsn>& code() { return code_; }

 private:
  void apply(const Effect& e);
  // Stores EFLAGS, undefined bits cleared, into the capture region.
  void captureFlags();
  MemRef mem32(unsigned bytes, uint32_t target, const MemOptions& o, std::string seg);
  MemRef mem16(unsigned bytes, uint32_t target, const MemOptions& o, std::string seg);
  unsigned pickAddrReg(uint32_t avoid);

  Rng& rng_;
  std::vector<EmittedInsn> code_;
  std::map<std::string, std::pair<uint32_t, uint16_t>> pending_;
  uint32_t undef_ = 0;
  uint16_t fpu_undef_ = 0;
  uint32_t reserved_ = 1u << ESP;
  uint32_t esp_;
  uint32_t ebp_ = 0;
  bool ebp_known_ = false;
  bool ended_ = false;
  unsigned subjects_ = 0;
  unsigned labels_ = 0;
};

}  // namespace tandem::diff
