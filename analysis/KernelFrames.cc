#include "analysis/KernelFrames.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <string>

#include "analysis/SymbolElfWriter.h"
#include "vmm/cpu/Decoder.h"

namespace tandem {
namespace {

// DWARF register numbers of i386.
enum Reg : uint8_t { kEax, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi, kEip, kEflags };
constexpr int kRegs = 10;

// Call frame instructions (DWARF 3, 6.4.2).
constexpr uint8_t kAdvanceLoc = 0x40, kOffset = 0x80, kRestore = 0xc0;
constexpr uint8_t kAdvanceLoc1 = 0x02, kAdvanceLoc2 = 0x03, kAdvanceLoc4 = 0x04;
constexpr uint8_t kUndefined = 0x07, kDefCfa = 0x0c;
constexpr int kDataAlign = -4;

// i386 struct pt_regs: bx cx dx si di bp ax ds es fs gs orig_ax ip cs flags sp ss,
// one 32-bit slot each. Entry code calls C with %esp at its start.
constexpr uint32_t kRegsSp = 60;  // the interrupted esp (stored by the entry code for kernel mode too)
constexpr std::array<std::pair<Reg, uint32_t>, 9> kRegsSlots{{
    {kEbx, 0}, {kEcx, 4}, {kEdx, 8}, {kEsi, 12}, {kEdi, 16}, {kEbp, 20}, {kEax, 24},
    {kEip, 48}, {kEflags, 56}}};

class Out {
 public:
  explicit Out(std::vector<uint8_t>& b) : b_(b) {}
  void u8(uint8_t v) { b_.push_back(v); }
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void uleb(uint32_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      u8(v ? byte | 0x80 : byte);
    } while (v);
  }
  void sleb(int32_t v) {
    for (;;) {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
      u8(done ? byte : byte | 0x80);
      if (done) return;
    }
  }
  size_t size() const { return b_.size(); }
  void patch32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b_[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }

 private:
  std::vector<uint8_t>& b_;
};

// Starts an entry (CIE or FDE) and returns where its length goes.
size_t beginEntry(Out& o) {
  size_t at = o.size();
  o.u32(0);
  return at;
}

// Pads with DW_CFA_nop to a multiple of 4 and writes the length.
void endEntry(Out& o, size_t at) {
  while ((o.size() - at) % 4) o.u8(0);
  o.patch32(at, static_cast<uint32_t>(o.size() - at - 4));
}

// A CIE whose initial rules are those at a function's first instruction:
// CFA = esp+4, the return address at CFA-4. `signal`: frames described
// with it interrupted their caller (the "S" augmentation).
size_t writeCie(Out& o, bool signal) {
  size_t at = beginEntry(o);
  o.u32(0xffffffff);  // CIE id
  o.u8(3);            // version
  if (signal) o.u8('S');
  o.u8(0);
  o.uleb(1);  // code alignment
  o.sleb(kDataAlign);
  o.uleb(kEip);  // return address column
  o.u8(kDefCfa);
  o.uleb(kEsp);
  o.uleb(4);
  o.u8(kOffset | kEip);
  o.uleb(1);
  endEntry(o, at);
  return at;
}

// One function's FDE: rows are added in address order.
class Fde {
 public:
  Fde(Out& o, size_t cie, uint32_t start) : o_(o), start_(start), loc_(start) {
    at_ = beginEntry(o_);
    o_.u32(static_cast<uint32_t>(cie));
    o_.u32(start);
    range_at_ = o_.size();
    o_.u32(0);
  }
  void advance(uint32_t to) {
    uint32_t d = to - loc_;
    if (d == 0) return;
    if (d < 0x40) {
      o_.u8(static_cast<uint8_t>(kAdvanceLoc | d));
    } else if (d <= 0xff) {
      o_.u8(kAdvanceLoc1);
      o_.u8(static_cast<uint8_t>(d));
    } else if (d <= 0xffff) {
      o_.u8(kAdvanceLoc2);
      o_.u16(static_cast<uint16_t>(d));
    } else {
      o_.u8(kAdvanceLoc4);
      o_.u32(d);
    }
    loc_ = to;
  }
  void defCfa(Reg r, uint32_t off) {
    o_.u8(kDefCfa);
    o_.uleb(r);
    o_.uleb(off);
  }
  // `r` saved `below` bytes under the CFA.
  void saved(Reg r, uint32_t below) {
    o_.u8(kOffset | r);
    o_.uleb(below / -kDataAlign);
  }
  void restore(Reg r) { o_.u8(kRestore | r); }
  void undefined(Reg r) {
    o_.u8(kUndefined);
    o_.uleb(r);
  }
  void finish(uint32_t end) {
    o_.patch32(range_at_, end - start_);
    endEntry(o_, at_);
  }

 private:
  Out& o_;
  uint32_t start_;
  uint32_t loc_;
  size_t at_ = 0;
  size_t range_at_ = 0;
};

// Where a function's frame stands before one of its instructions, as far
// as the code shows it.
struct Frame {
  bool reached = false;
  bool esp_known = true;
  uint32_t depth = 4;        // CFA = esp + depth, when esp_known
  bool ebp_frame = false;    // CFA = ebp + ebp_off
  uint32_t ebp_off = 0;
  // The frame was set up after aligning esp: ebp+4 holds a copy of the
  // return address, and the registers saved before lie where no rule
  // reaches; registers saved after are not recorded.
  bool realigned = false;
  std::array<uint32_t, kRegs> below{};  // where a register is saved under the CFA; 0: not saved

  bool operator==(const Frame&) const = default;
  static Frame atEntry() {
    Frame f;
    f.reached = true;
    return f;
  }
  // A part split off a function runs in its parent's frame.
  static Frame inParent() {
    Frame f = atEntry();
    f.esp_known = false;
    f.ebp_frame = true;
    f.ebp_off = 8;
    f.below[kEbp] = 8;
    return f;
  }
};

// The rules a Frame gives gdb; `unknown` ends the backtrace there.
struct Rules {
  bool unknown = false;
  Reg cfa = kEsp;
  uint32_t cfa_off = 4;
  std::array<uint32_t, kRegs> below{};
  bool operator==(const Rules&) const = default;

  static Rules of(const Frame& f) {
    Rules r;
    if (!f.reached || (!f.ebp_frame && !f.esp_known)) {
      r.unknown = true;
      return r;
    }
    r.cfa = f.ebp_frame ? kEbp : kEsp;
    r.cfa_off = f.ebp_frame ? f.ebp_off : f.depth;
    r.below = f.below;
    return r;
  }
};

constexpr Reg kSavedRegs[] = {kEbx, kEbp, kEsi, kEdi};

void emit(Fde& f, const Rules& from, const Rules& to) {
  if (to.unknown) {
    if (!from.unknown) f.undefined(kEip);
    return;
  }
  if (from.unknown) f.restore(kEip);
  if (from.unknown || from.cfa != to.cfa || from.cfa_off != to.cfa_off) f.defCfa(to.cfa, to.cfa_off);
  for (Reg r : kSavedRegs) {
    if (!from.unknown && from.below[r] == to.below[r]) continue;
    if (to.below[r]) f.saved(r, to.below[r]);
    else f.restore(r);
  }
}

// A decoded instruction's place and its opcode bytes past the prefixes.
struct Op {
  uint32_t off;
  uint8_t len;
  uint8_t b0, b1;  // first opcode byte and the one after (ModRM or second opcode byte)
  Insn insn;
};

bool isPrefix(uint8_t b) {
  switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
      return true;
    default:
      return false;
  }
}

// The length of a ModRM operand (ModRM, SIB, displacement) at `b`; 0 if
// it runs past `avail`.
size_t modrmLength(const uint8_t* b, size_t avail, bool addr16) {
  if (avail < 1) return 0;
  uint8_t mod = b[0] >> 6, rm = b[0] & 7;
  size_t n = 1;
  if (mod == 3) return n;
  if (addr16) {
    n += mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
  } else {
    if (rm == 4) {
      if (avail < 2) return 0;
      if (mod == 0 && (b[1] & 7) == 5) n += 4;
      ++n;
    }
    n += mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
  }
  return n <= avail ? n : 0;
}

// The length of a two- or three-byte opcode instruction the CPU's decoder
// does not take (what the guest's CPUID says is absent, such as rdseed,
// behind the kernel's feature checks); 0 if unknown.
size_t otherLength(const uint8_t* b, size_t avail) {
  size_t p = 0;
  bool op16 = false, addr16 = false;
  while (p < avail && p < 14 && isPrefix(b[p])) {
    op16 |= b[p] == 0x66;
    addr16 |= b[p] == 0x67;
    ++p;
  }
  if (p + 2 > avail || b[p] != 0x0f) return 0;
  uint8_t op = b[p + 1];
  p += 2;
  size_t imm = 0;
  bool modrm = true;
  if (op == 0x38 || op == 0x3a) {
    if (p >= avail) return 0;
    ++p;
    imm = op == 0x3a ? 1 : 0;
  } else if ((op >= 0x80 && op <= 0x8f)) {
    modrm = false;
    imm = op16 ? 2 : 4;
  } else if ((op >= 0x05 && op <= 0x0b) || (op >= 0x30 && op <= 0x37) || op == 0x77 ||
             op == 0xa0 || op == 0xa1 || op == 0xa2 || op == 0xa8 || op == 0xa9 || op == 0xaa ||
             (op >= 0xc8 && op <= 0xcf)) {
    modrm = false;
  } else if ((op >= 0x70 && op <= 0x73) || op == 0xa4 || op == 0xac || op == 0xba ||
             (op >= 0xc2 && op <= 0xc6)) {
    imm = 1;
  }
  if (modrm) {
    size_t m = modrmLength(b + p, avail - p, addr16);
    if (m == 0) return 0;
    p += m;
  }
  p += imm;
  return p <= avail && p <= 15 ? p : 0;
}

// Decodes [0, n) linearly; stops at the first byte that does not decode.
std::vector<Op> decodeAll(const uint8_t* code, uint32_t n) {
  std::vector<Op> ops;
  uint32_t off = 0;
  while (off < n) {
    Insn insn{};
    if (decodeInsn(code + off, n - off, true, &insn) != DecodeStatus::kOk || insn.len == 0) {
      insn = Insn{};
      insn.base = insn.index = 8;
      insn.len = static_cast<uint8_t>(otherLength(code + off, n - off));
      if (insn.len == 0) break;
    }
    uint32_t p = off;
    while (p < off + insn.len && isPrefix(code[p])) ++p;
    uint8_t b0 = p < off + insn.len ? code[p] : 0;
    uint8_t b1 = p + 1 < off + insn.len ? code[p + 1] : 0;
    ops.push_back({off, insn.len, b0, b1, insn});
    off += insn.len;
  }
  return ops;
}

uint8_t modrmReg(uint8_t modrm) { return (modrm >> 3) & 7; }
bool modrmIsReg(uint8_t modrm) { return (modrm & 0xc0) == 0xc0; }

bool isMovEspEbp(const Op& op) {
  return op.len == 2 && ((op.b0 == 0x89 && op.b1 == 0xe5) || (op.b0 == 0x8b && op.b1 == 0xec));
}
bool isMovEspEax(const Op& op) {
  return op.len == 2 && ((op.b0 == 0x89 && op.b1 == 0xe0) || (op.b0 == 0x8b && op.b1 == 0xc4));
}
bool isCall(const Op& op) { return op.b0 == 0xe8 || (op.b0 == 0xff && modrmReg(op.b1) == 2); }

// Control does not reach the next instruction.
bool isTerminator(const Op& op) {
  switch (op.b0) {
    case 0xc3: case 0xc2: case 0xcb: case 0xca: case 0xcf: case 0xe9: case 0xeb: case 0xea:
      return true;
    case 0xff:
      return modrmReg(op.b1) == 4 || modrmReg(op.b1) == 5;
    case 0x0f:
      return op.b1 == 0x0b;  // ud2
    default:
      return false;
  }
}

// The target of a direct jump, as an offset from the function's start.
std::optional<uint32_t> jumpTarget(const Op& op) {
  bool rel = op.b0 == 0xeb || op.b0 == 0xe9 || (op.b0 >= 0x70 && op.b0 <= 0x7f) ||
             (op.b0 >= 0xe0 && op.b0 <= 0xe3) || (op.b0 == 0x0f && op.b1 >= 0x80 && op.b1 <= 0x8f);
  if (!rel) return std::nullopt;
  // The decoder keeps a branch's displacement, sign-extended, as its immediate.
  return op.off + op.len + op.insn.imm;
}

// The 32-bit (or 16-bit) general register an instruction writes, for the
// forms compilers use; nullopt for none, memory, or a byte register (whose
// numbers 4-7 are ah, ch, dh, bh, not esp, ebp, esi, edi).
std::optional<uint8_t> writtenReg(const Op& op) {
  switch (op.b0) {
    case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33: case 0x8b:
    case 0x8d: case 0x69: case 0x6b:
      return modrmReg(op.b1);
    case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x89:
    case 0xc1: case 0xd1: case 0xd3: case 0xc7:
      if (modrmIsReg(op.b1)) return op.b1 & 7;
      return std::nullopt;
    case 0x81: case 0x83:
      if (modrmIsReg(op.b1) && modrmReg(op.b1) != 7) return op.b1 & 7;  // not cmp
      return std::nullopt;
    case 0xf7:  // not, neg
      if (modrmIsReg(op.b1) && (modrmReg(op.b1) == 2 || modrmReg(op.b1) == 3)) return op.b1 & 7;
      return std::nullopt;
    case 0xff:  // inc, dec
      if (modrmIsReg(op.b1) && modrmReg(op.b1) <= 1) return op.b1 & 7;
      return std::nullopt;
    case 0x87:  // xchg writes both: the one that matters here
      if (modrmIsReg(op.b1) && ((op.b1 & 7) == kEsp || (op.b1 & 7) == kEbp)) return op.b1 & 7;
      return modrmReg(op.b1);
    case 0x0f:
      if ((op.b1 >= 0x40 && op.b1 <= 0x4f) || op.b1 == 0xb6 || op.b1 == 0xb7 || op.b1 == 0xbe ||
          op.b1 == 0xbf || op.b1 == 0xaf || op.b1 == 0xbc || op.b1 == 0xbd)
        return modrmReg(op.insn.modrm);  // cmovcc, movzx, movsx, imul, bsf, bsr
      return std::nullopt;
    default:
      if ((op.b0 >= 0x40 && op.b0 <= 0x4f) || (op.b0 >= 0xb8 && op.b0 <= 0xbf)) return op.b0 & 7;
      if (op.b0 >= 0x91 && op.b0 <= 0x97) return op.b0 & 7;
      return std::nullopt;
  }
}

// The frame after `op` runs, from the frame before it.
Frame step(const Op& op, Frame f) {
  auto pushed = [&](uint32_t bytes) {
    if (f.esp_known) f.depth += bytes;
  };
  if (op.b0 >= 0x50 && op.b0 <= 0x57) {  // push r32
    pushed(4);
    Reg r = static_cast<Reg>(op.b0 - 0x50);  // the opcode's order is the DWARF numbering's
    if (f.esp_known && !f.realigned && f.below[r] == 0 &&
        std::find(std::begin(kSavedRegs), std::end(kSavedRegs), r) != std::end(kSavedRegs))
      f.below[r] = f.depth;
    return f;
  }
  if (op.b0 >= 0x58 && op.b0 <= 0x5f) {  // pop r32
    Reg r = static_cast<Reg>(op.b0 - 0x58);
    if (f.esp_known) f.depth -= 4;
    if (r == kEsp) f.esp_known = false;
    if (r == kEbp) f.ebp_frame = false;
    f.below[r] = 0;  // the caller's value again
    return f;
  }
  switch (op.b0) {
    case 0x68: case 0x6a: case 0x9c: pushed(4); return f;  // push imm, pushf
    case 0x9d: pushed(-4u); return f;                       // popf
    case 0x8f: pushed(-4u); return f;                       // pop m32
    case 0xc9:                                              // leave
      if (f.ebp_frame) {
        f.esp_known = true;
        f.depth = f.ebp_off - 4;
        f.ebp_frame = false;
        f.below[kEbp] = 0;
      } else {
        f.esp_known = false;
      }
      return f;
    case 0xc8:  // enter N, 0
      pushed(4);
      if (f.esp_known) {
        if (f.below[kEbp] == 0) f.below[kEbp] = f.depth;
        f.ebp_frame = true;
        f.ebp_off = f.depth;
        f.depth += op.insn.imm & 0xffff;
      }
      return f;
    default:
      break;
  }
  if (op.b0 == 0xff && modrmReg(op.b1) == 6) {  // push m32
    pushed(4);
    return f;
  }
  if (isMovEspEbp(op)) {
    f.ebp_frame = true;
    if (!f.esp_known) {
      // After `and $-N,%esp; push -4(%reg); push %ebp`: a copy of the
      // return address and the caller's ebp sit above the new ebp as usual.
      f.realigned = true;
      f.below = {};
      f.below[kEbp] = 8;
      f.esp_known = true;
      f.depth = 8;
    }
    f.ebp_off = f.depth;
    return f;
  }
  if ((op.b0 == 0x89 && op.b1 == 0xec) || (op.b0 == 0x8b && op.b1 == 0xe5)) {  // mov %ebp,%esp
    f.esp_known = f.ebp_frame;
    f.depth = f.ebp_off;
    return f;
  }
  if ((op.b0 == 0x83 || op.b0 == 0x81) && modrmIsReg(op.b1) && (op.b1 & 7) == kEsp) {
    uint32_t imm = op.insn.imm;
    switch (modrmReg(op.b1)) {
      case 0: if (f.esp_known) f.depth -= imm; return f;  // add
      case 5: if (f.esp_known) f.depth += imm; return f;  // sub
      case 7: return f;                                   // cmp
      default: f.esp_known = false; return f;             // and (realignment), ...
    }
  }
  if (op.b0 == 0x8d && modrmReg(op.b1) == kEsp && (op.insn.flags & insn_flags::kMem) &&
      op.insn.index == 8) {  // lea disp(base),%esp
    if (op.insn.base == kEbp && f.ebp_frame) {
      f.esp_known = true;
      f.depth = f.ebp_off - op.insn.disp;
    } else if (op.insn.base == kEsp && f.esp_known) {
      f.depth -= op.insn.disp;
    } else {
      f.esp_known = false;
    }
    return f;
  }
  if (auto r = writtenReg(op)) {
    if (*r == kEsp) f.esp_known = false;
    if (*r == kEbp) f.ebp_frame = false;
  }
  return f;
}

// The frame before each instruction of a function of C, from the frame at
// its first byte: the frames flow along fallthrough and direct jumps; code
// no path reaches takes the frame of the code before it when that had an
// ebp frame, else none.
std::vector<Frame> frameStates(const std::vector<Op>& ops, Frame first) {
  std::vector<Frame> in(ops.size());
  if (ops.empty()) return in;
  std::unordered_map<uint32_t, size_t> at;
  for (size_t i = 0; i < ops.size(); ++i) at[ops[i].off] = i;
  std::vector<size_t> work{0};
  in[0] = first;
  auto reach = [&](size_t i, const Frame& fr) {
    if (in[i].reached) return;  // paths that meet agree in compiled code; the first stands
    in[i] = fr;
    work.push_back(i);
  };
  while (!work.empty()) {
    size_t i = work.back();
    work.pop_back();
    Frame out = step(ops[i], in[i]);
    if (!isTerminator(ops[i]) && i + 1 < ops.size()) reach(i + 1, out);
    if (auto t = jumpTarget(ops[i])) {
      auto it = at.find(*t);
      if (it != at.end()) reach(it->second, out);
    }
  }
  for (size_t i = 1; i < ops.size(); ++i) {
    if (!in[i].reached && in[i - 1].reached && in[i - 1].ebp_frame) {
      in[i] = in[i - 1];
      in[i].esp_known = false;
    }
  }
  return in;
}

void functionRows(Fde& f, uint32_t start, const std::vector<Op>& ops, Frame first) {
  std::vector<Frame> in = frameStates(ops, first);
  Rules now;
  for (size_t i = 0; i < ops.size(); ++i) {
    Rules next = Rules::of(in[i]);
    if (next == now) continue;
    f.advance(start + ops[i].off);
    emit(f, now, next);
    now = next;
  }
}

// The rules of an entry frame standing at `call`: the pt_regs at esp.
void ptRegsRules(Fde& f) {
  f.defCfa(kEsp, kRegsSp);
  for (auto [r, slot] : kRegsSlots) f.saved(r, kRegsSp - slot);
  // The interrupted esp: the entry code stores it in pt_regs.sp for kernel
  // mode too (it completes the frame the CPU pushed), so it is at the CFA.
  f.saved(kEsp, 0);
}

void outermost(Fde& f) {
  f.defCfa(kEsp, 4);
  for (int r = 0; r < kRegs; ++r)
    if (r != kEip) f.restore(static_cast<Reg>(r));
  f.undefined(kEip);
}

// Entry code calls C with pt_regs at esp: `mov %esp,%eax`, perhaps a few
// instructions that leave esp alone (the vector into edx, orig_ax set to
// -1), then the call. The index of that mov for the call at `call`, if any.
template <typename OpAt>
std::optional<size_t> ptRegsMov(size_t call, OpAt op) {
  for (size_t back = 1; back <= 4 && back <= call; ++back) {
    const Op& o = op(call - back);
    if (isMovEspEax(o)) return call - back;
    Frame before = Frame::atEntry();
    Frame after = step(o, before);
    if (isCall(o) || !after.esp_known || after.depth != before.depth) return std::nullopt;
  }
  return std::nullopt;
}

// Entry code never sets up a frame of its own: its only `mov %esp,%ebp` is
// the one that encodes pt_regs' address (followed by `and $0x7fffffff,%ebp`).
bool isEntryCode(const std::vector<Op>& ops) {
  bool calls_with_regs = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (isMovEspEbp(ops[i]) &&
        !(i + 1 < ops.size() && ops[i + 1].b0 == 0x81 && ops[i + 1].b1 == 0xe5 &&
          ops[i + 1].insn.imm == 0x7fffffff))
      return false;
    if (isCall(ops[i]) && ptRegsMov(i, [&](size_t k) -> const Op& { return ops[k]; }))
      calls_with_regs = true;
  }
  return calls_with_regs;
}

// Entry code is outermost, except from each `mov %esp,%eax` before a call
// through the instruction the call returns to (which may begin the next
// symbol): there an FDE of its own under the signal frame CIE (gdb looks a
// signal frame's rules up at its resume address itself) reads pt_regs.
struct EntryCode {
  uint32_t start;
  std::vector<Op> ops;
  uint32_t end() const { return start + ops.back().off + ops.back().len; }
};

void entryFdes(Out& o, size_t cie, size_t signal_cie, const std::vector<EntryCode>& code) {
  struct At {
    uint32_t addr;
    const Op* op;
  };
  std::vector<At> flat;  // every instruction, in address order
  for (const EntryCode& c : code)
    for (const Op& op : c.ops) flat.push_back({c.start + op.off, &op});
  std::vector<std::pair<uint32_t, uint32_t>> regs;  // [begin, end) where pt_regs is at esp
  for (size_t c = 0; c + 1 < flat.size(); ++c) {
    if (!isCall(*flat[c].op)) continue;
    auto mov = ptRegsMov(c, [&](size_t k) -> const Op& { return *flat[k].op; });
    if (!mov) continue;
    const At& resume = flat[c + 1];
    // One stretch of code, from the mov through the resume address.
    bool contiguous = true;
    for (size_t k = *mov; k <= c; ++k)
      contiguous &= flat[k].addr + flat[k].op->len == flat[k + 1].addr;
    if (contiguous) regs.push_back({flat[*mov].addr, resume.addr + resume.op->len});
  }
  size_t next = 0;
  for (const EntryCode& c : code) {
    uint32_t from = c.start, end = c.end();
    auto stretch = [&](uint32_t to) {
      if (to <= from) return;
      Fde f(o, cie, from);
      outermost(f);
      f.finish(to);
      from = to;
    };
    while (next < regs.size() && regs[next].second <= from) ++next;
    for (size_t k = next; k < regs.size() && regs[k].first < end; ++k) {
      stretch(std::max(regs[k].first, from));
      uint32_t to = std::min(regs[k].second, end);
      Fde f(o, signal_cie, from);
      ptRegsRules(f);
      f.finish(to);
      from = to;
    }
    stretch(end);
  }
}

// The kernel's entry code section, where no code has a frame of C.
bool inEntryText(const KernelSymbols& symbols, uint32_t a) {
  auto b = symbols.address("__entry_text_start"), e = symbols.address("__entry_text_end");
  return b && e && a >= *b && a < *e;
}

// The frame at a function's first byte; nullopt for entry code.
std::optional<Frame> firstFrame(const KernelSymbols& symbols, const KernelSymbol& s,
                                const std::vector<Op>& ops) {
  if (inEntryText(symbols, s.address) || isEntryCode(ops)) return std::nullopt;
  // A part the compiler split off (name.cold) runs in its parent's frame.
  return s.name.find(".cold") != std::string::npos ? Frame::inParent() : Frame::atEntry();
}

KernelFrames::CodeReader readerOf(const GuestView& view) {
  return [&view](uint32_t addr, uint8_t* out, size_t len) { return view.read(addr, out, len); };
}

}  // namespace

std::vector<uint8_t> KernelFrames::build(const KernelSymbols& symbols,
                                         const std::vector<CodeRange>& code,
                                         const CodeReader& read, Counts* counts) {
  std::vector<uint8_t> bytes;
  Out o(bytes);
  Counts n;
  const size_t cie = writeCie(o, false);
  const size_t signal_cie = writeCie(o, true);
  std::vector<EntryCode> entry;
  std::vector<uint8_t> buf;
  auto add = [&](const std::vector<KernelSymbol>& list, const std::vector<CodeRange>& ranges) {
    for (size_t i = 0; i < list.size(); ++i) {
      const KernelSymbol& s = list[i];
      if (!s.isFunction() || (i > 0 && list[i - 1].address == s.address)) continue;
      auto range = std::find_if(ranges.begin(), ranges.end(), [&](const CodeRange& r) {
        return s.address >= r.begin && s.address < r.end;
      });
      if (range == ranges.end()) continue;
      size_t j = i + 1;
      while (j < list.size() && list[j].address == s.address) ++j;
      uint32_t end = j < list.size() ? std::min(list[j].address, range->end) : range->end;
      uint32_t len = end - s.address;
      buf.resize(len);
      std::vector<Op> ops;
      if (len > 0 && len <= kMaxFunctionBytes && read(s.address, buf.data(), len))
        ops = decodeAll(buf.data(), len);
      if (ops.empty()) {
        ++n.without;
        continue;
      }
      std::optional<Frame> first = firstFrame(symbols, s, ops);
      if (!first) {
        entry.push_back({s.address, std::move(ops)});
        ++n.entry;
        continue;
      }
      Fde f(o, cie, s.address);
      functionRows(f, s.address, ops, *first);
      f.finish(s.address + ops.back().off + ops.back().len);
      ++(first->ebp_frame ? n.cold : n.function);  // only a split-off part starts in a frame
    }
  };
  add(symbols.all(), code);
  for (const LoadedModule& m : symbols.modules())
    add(m.symbols, {CodeRange{m.base, m.base + m.text_size}});
  entryFdes(o, cie, signal_cie, entry);
  if (counts) *counts = n;
  return bytes;
}

std::optional<uint32_t> KernelFrames::framelessDepth(const KernelSymbols& symbols,
                                                     const CodeReader& read, uint32_t pc) {
  auto hit = symbols.lookup(pc);
  if (!hit || !hit->symbol->isFunction() || hit->size == 0 || hit->size > kMaxFunctionBytes)
    return std::nullopt;
  std::vector<uint8_t> buf(hit->size);
  if (!read(hit->symbol->address, buf.data(), buf.size())) return std::nullopt;
  std::vector<Op> ops = decodeAll(buf.data(), hit->size);
  std::optional<Frame> first = ops.empty() ? std::nullopt : firstFrame(symbols, *hit->symbol, ops);
  if (!first) return std::nullopt;
  std::vector<Frame> in = frameStates(ops, *first);
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].off != hit->offset) continue;
    const Frame& f = in[i];
    if (!f.reached || f.ebp_frame || !f.esp_known || f.depth < 4) return std::nullopt;
    return f.depth;
  }
  return std::nullopt;
}

std::optional<uint32_t> KernelFrames::framelessDepth(const KernelSymbols& symbols,
                                                     const GuestView& kernel, uint32_t pc) {
  return framelessDepth(symbols, readerOf(kernel), pc);
}

std::vector<uint8_t> KernelFrames::build(const KernelSymbols& symbols, const GuestView& kernel,
                                         Counts* counts) {
  std::vector<CodeRange> code;
  for (const SymbolElfWriter::Section& s : SymbolElfWriter::sections(symbols))
    if (s.code) code.push_back({s.begin, s.end});
  return build(symbols, code, readerOf(kernel), counts);
}

}  // namespace tandem
