// Stack class: PUSH/POP of registers, memory (including ESP-relative
// operands, whose address POP computes after incrementing ESP) and
// immediates in 16 and 32 bits, PUSHF/POPF of arithmetic flags, ENTER (with
// nesting levels) and LEAVE, PUSHA/POPA, ESP arithmetic, and CALL (direct,
// through a register and through memory) with RET and RET imm16 within the
// sequence. ESP always stays inside the scratch area's stack region; EBP is
// reserved and tracked so that LEAVE and ENTER's frame copies stay there too.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

bool canPush(SeqBuilder& b, uint32_t bytes) { return b.espOffset() >= kStackLow + bytes; }
bool canPop(SeqBuilder& b, uint32_t bytes) { return b.espOffset() + bytes <= kScratchSize; }

void setEbp(SeqBuilder& b, uint32_t offset) {
  b.release(EBP);
  b.setReg(32, EBP, kScratchAddr + offset);
  b.reserve(EBP);
  b.setEbpKnown(true, offset);
}

unsigned opBytes(Rng& r) { return r.chance(25) ? 2 : 4; }

std::string sizedReg(unsigned bytes, unsigned reg) { return SeqBuilder::regName(bytes * 8, reg); }

void emitPush(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned n = opBytes(r);
  if (!canPush(b, n)) return;
  switch (r.below(4)) {
    case 0: b.insn("push " + sizedReg(n, r.below(8))); break;
    case 1: b.insn(strf("push %s", b.mem(n).text.c_str())); break;
    case 2: b.insn(strf("push %s byte %d", n == 2 ? "word" : "dword", r.range(-128, 127))); break;
    default:
      b.insn(strf("push strict %s 0x%x", n == 2 ? "word" : "dword", r.interesting(n * 8)));
      break;
  }
  b.moveEsp(-static_cast<int32_t>(n));
}

void emitPop(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned n = opBytes(r);
  if (!canPop(b, n)) return;
  if (r.chance(50)) {
    b.insn("pop " + sizedReg(n, b.pickReg(32)));
  } else {
    // The destination address is computed with ESP already incremented.
    b.moveEsp(n);
    const MemRef m = b.mem(n);
    b.moveEsp(-static_cast<int32_t>(n));
    b.insn("pop " + m.text);
  }
  b.moveEsp(n);
}

void emitFlags(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned n = opBytes(r);
  const char* suffix = n == 2 ? "w" : "d";
  if (r.chance(50)) {
    if (!canPush(b, n)) return;
    b.insn(strf("pushf%s", suffix), {fl::kArith, 0, 0});
    b.moveEsp(-static_cast<int32_t>(n));
  } else {
    if (!canPush(b, n)) return;
    const uint32_t value = (r.u32() & (fl::kArith | fl::DF)) | fl::kFixed1 | fl::IF;
    b.insn(strf("push strict %s 0x%x", n == 2 ? "word" : "dword", n == 2 ? value & 0xFFFF : value));
    b.insn(strf("popf%s", suffix), {0, fl::kArith, 0});
  }
}

void emitEnterLeave(SeqBuilder& b) {
  Rng& r = b.rng();
  if (b.ebpKnown() && r.chance(50)) {
    const uint32_t ebp = b.ebpOffset();
    const unsigned n = opBytes(r);
    if (ebp < kStackLow || ebp + n > kScratchSize) return;
    b.insn(n == 2 ? "o16 leave" : "leave");
    b.moveEsp(static_cast<int32_t>(ebp + n) - static_cast<int32_t>(b.espOffset()));
    b.setEbpKnown(false);
    return;
  }
  const unsigned n = opBytes(r);
  const unsigned level = r.chance(70) ? r.below(4) : r.below(40);
  const unsigned size = r.chance(50) ? r.below(16) : r.below(64);
  const unsigned masked = level & 31;
  const uint32_t need = n + (masked ? n * masked : 0) + size;
  if (!canPush(b, need)) return;
  // Frame pointers are copied from [EBP - n*i]: keep them in the scratch area.
  if (!b.ebpKnown() || b.ebpOffset() < n * masked || b.ebpOffset() > kScratchSize - n) {
    setEbp(b, n * masked + r.below(kScratchSize - n * masked - n));
  }
  b.insn(strf("%senter %u, %u", n == 2 ? "o16 " : "", size, level));
  const uint32_t frame = b.espOffset() - n;
  b.moveEsp(-static_cast<int32_t>(need));
  b.setEbpKnown(true, frame);
}

void emitPushaPopa(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned n = opBytes(r);
  const char* suffix = n == 2 ? "w" : "d";
  if (r.chance(50)) {
    if (!canPush(b, 8 * n)) return;
    b.insn(strf("pusha%s", suffix));
    b.moveEsp(-8 * static_cast<int32_t>(n));
  } else {
    if (!canPop(b, 8 * n)) return;
    b.insn(strf("popa%s", suffix));
    b.moveEsp(8 * n);
    b.setEbpKnown(false);
  }
}

void emitEspArith(SeqBuilder& b) {
  Rng& r = b.rng();
  const int32_t d = r.range(-64, 64) & ~1;
  const int32_t target = static_cast<int32_t>(b.espOffset()) + d;
  if (target < static_cast<int32_t>(kStackLow) || target > static_cast<int32_t>(kScratchSize)) return;
  switch (r.below(3)) {
    case 0: b.insn(strf("add esp, %d", d), fx::kArith); break;
    case 1: b.insn(strf("sub esp, %d", -d), fx::kArith); break;
    default: b.insn(strf("lea esp, [esp%+d]", d)); break;
  }
  b.moveEsp(d);
}

void emitCall(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned extra = r.chance(30) ? 2 * r.below(8) : 0;
  if (!canPush(b, 8) || !canPop(b, extra)) return;
  const std::string body = b.newLabel("f");
  const std::string after = b.newLabel("r");
  switch (r.below(3)) {
    case 0: b.insn(strf("call %s", body.c_str())); break;
    case 1: {
      const unsigned reg = b.pickReg(32);
      b.setup(strf("mov %s, %s", SeqBuilder::regName(32, reg).c_str(), body.c_str()));
      b.insn(strf("call %s", SeqBuilder::regName(32, reg).c_str()));
      break;
    }
    default: {
      const MemRef m = b.mem(4, {.allow16 = false});
      b.setup(strf("mov dword [0x%x], %s", kScratchAddr + m.offset, body.c_str()));
      b.insn(strf("call %s", m.text.c_str()));
      break;
    }
  }
  b.moveEsp(-4);
  b.branch(strf("jmp near %s", after.c_str()), after, {});
  b.place(body);
  for (unsigned i = r.below(3); i > 0; --i) emitRandomAluOnRegs(b);
  if (r.chance(40) && canPush(b, 4)) {  // a balanced push/pop inside the callee
    b.insn("push " + sizedReg(4, r.below(8)));
    b.insn("pop " + sizedReg(4, b.pickReg(32)));
  }
  b.insn(extra ? strf("ret %u", extra) : std::string("ret"));
  b.moveEsp(4 + extra);
  b.place(after);
}

}  // namespace

void generateStack(SeqBuilder& b, unsigned count) {
  b.reserve(EBP);
  Rng& r = b.rng();
  while (b.subjectCount() < count) {
    switch (r.below(12)) {
      case 0: case 1: case 2: emitPush(b); break;
      case 3: case 4: emitPop(b); break;
      case 5: emitFlags(b); break;
      case 6: emitEnterLeave(b); break;
      case 7: emitPushaPopa(b); break;
      case 8: emitEspArith(b); break;
      case 9: emitCall(b); break;
      default: emitRandomAluOnRegs(b); break;
    }
  }
}

}  // namespace tandem::diff
