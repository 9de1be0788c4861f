#include "tests/diff/SeqBuilder.h"

#include <cstring>

#include "tests/diff/Strf.h"
#include "vmm/Assert.h"

namespace tandem::diff {

SeqBuilder::SeqBuilder(Rng& rng, uint32_t esp_offset) : rng_(rng), esp_(esp_offset) {}

void SeqBuilder::apply(const Effect& e) {
  TANDEM_ASSERT((e.reads & undef_) == 0);
  TANDEM_ASSERT((e.fpu_reads & fpu_undef_) == 0);
  undef_ = (undef_ & ~e.defines) | e.undefs;
  fpu_undef_ = (fpu_undef_ & ~e.fpu_defines) | e.fpu_undefs;
}

void SeqBuilder::insn(const std::string& text, const Effect& e, const std::string& note) {
  needFlags(e.reads);
  needFpuCc(e.fpu_reads);
  apply(e);
  code_.push_back({text, note, undef_, fpu_undef_, false, false});
  ++subjects_;
  if (e.defines && rng_.chance(12)) captureFlags();
}

void SeqBuilder::captureFlags() {
  // PUSHFD twice, mask the undefined flags out of the top copy and store it,
  // restore the flags with POPFD and scrub the copies below ESP: the flags
  // reach memory, and the sequence continues exactly as without the capture.
  if (esp_ < kStackLow + 8) return;
  const uint32_t slot = kScratchAddr + kCaptureLow + 4 * rng_.below((kStackLow - kCaptureLow) / 4);
  setup("pushfd");
  // Until scrubbed, the raw copies below ESP hold the undefined flags too.
  code_.back().mask_offset = esp_ - 8;
  code_.back().mask_len = 8;
  setup("pushfd");
  setup(strf("and dword [esp], 0x%x", ~undef_));
  setup(strf("pop dword [0x%x]", slot));
  setup("popfd");
  setup("mov dword [esp-4], 0");
  setup("mov dword [esp-8], 0");
}

void SeqBuilder::faultingInsn(const std::string& text, const std::string& note) {
  code_.push_back({text, note, undef_, fpu_undef_, false, false});
  ++subjects_;
  ended_ = true;
}

void SeqBuilder::setup(const std::string& text) {
  code_.push_back({text, {}, undef_, fpu_undef_, true, false});
}

void SeqBuilder::maskLast(uint32_t offset, uint32_t len) {
  for (auto it = code_.rbegin(); it != code_.rend(); ++it) {
    if (it->setup || it->label) continue;
    it->mask_offset = offset;
    it->mask_len = len;
    return;
  }
}

void SeqBuilder::needFlags(uint32_t flags) {
  if ((flags & undef_) == 0) return;
  const unsigned r = rng_.below(8);
  setup(strf("cmp %s, 0x%x", regName(32, r).c_str(), rng_.interesting32()));
  undef_ = 0;
  code_.back().undef_after = 0;
}

void SeqBuilder::needFpuCc(uint16_t bits) {
  if ((bits & fpu_undef_) == 0) return;
  setup("fxam");
  fpu_undef_ = 0;
  code_.back().fpu_undef_after = 0;
}

std::string SeqBuilder::newLabel(const char* stem) { return strf(".%s%u", stem, labels_++); }

void SeqBuilder::branch(const std::string& text, const std::string& label, const Effect& e) {
  insn(text, e);
  auto [it, fresh] = pending_.try_emplace(label, undef_, fpu_undef_);
  if (!fresh) {
    it->second.first |= undef_;
    it->second.second |= fpu_undef_;
  }
}

void SeqBuilder::place(const std::string& label) {
  auto it = pending_.find(label);
  if (it != pending_.end()) {
    undef_ |= it->second.first;
    fpu_undef_ |= it->second.second;
    pending_.erase(it);
  }
  code_.push_back({label + ":", {}, undef_, fpu_undef_, false, true});
}

void SeqBuilder::placeAllPending() {
  while (!pending_.empty()) place(pending_.begin()->first);
}

std::string SeqBuilder::regName(unsigned width, unsigned r) {
  static const char* const k8[] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
  static const char* const k16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
  static const char* const k32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  TANDEM_ASSERT(r < 8);
  if (width == 8) return k8[r];
  if (width == 16) return k16[r];
  return k32[r];
}

unsigned SeqBuilder::pickReg(unsigned width, uint32_t avoid) {
  const uint32_t blocked = avoid | reserved_;
  for (;;) {
    const unsigned r = rng_.below(8);
    const unsigned gpr = width == 8 ? (r & 3) : r;
    if (!(blocked & (1u << gpr))) return r;
  }
}

void SeqBuilder::setReg(unsigned width, unsigned r, uint32_t value) {
  const unsigned gpr = width == 8 ? (r & 3) : r;
  TANDEM_ASSERT(!(reserved_ & (1u << gpr)) || gpr == ESP);
  if (width == 8) value &= 0xFF;
  if (width == 16) value &= 0xFFFF;
  setup(strf("mov %s, 0x%x", regName(width, r).c_str(), value));
}

const char* SeqBuilder::sizeKeyword(unsigned bytes) {
  switch (bytes) {
    case 1: return "byte";
    case 2: return "word";
    case 4: return "dword";
    case 8: return "qword";
    case 10: return "tword";
    default: return "";
  }
}

uint32_t SeqBuilder::pickOffset(unsigned bytes, uint32_t lo, uint32_t hi) {
  TANDEM_ASSERT(hi >= lo + bytes);
  return lo + rng_.below(hi - lo - bytes + 1);
}

MemRef SeqBuilder::mem(unsigned bytes, const MemOptions& o) {
  const uint32_t offset = pickOffset(bytes);
  return memAt(bytes, o.aligned ? offset & ~(bytes - 1) : offset, o);
}

unsigned SeqBuilder::pickAddrReg(uint32_t avoid) {
  // ESP cannot be an index; as a base it is used only where its value is known.
  return pickReg(32, avoid | (1u << ESP));
}

MemRef SeqBuilder::memAt(unsigned bytes, uint32_t offset, const MemOptions& o) {
  TANDEM_ASSERT(offset + bytes <= kScratchSize);
  std::string seg;
  if (o.override && rng_.chance(15)) seg = rng_.pick({std::string("ds:"), std::string("es:"), std::string("ss:")});
  const uint32_t target = kScratchAddr + offset;
  MemRef m = (o.allow16 && rng_.chance(15)) ? mem16(bytes, target, o, seg) : mem32(bytes, target, o, seg);
  m.offset = offset;
  if (o.keyword && bytes) m.text = std::string(sizeKeyword(bytes)) + " " + m.text;
  return m;
}

MemRef SeqBuilder::mem32(unsigned bytes, uint32_t target, const MemOptions& o, std::string seg) {
  MemRef m;
  auto signedDisp = [](int32_t d) { return d < 0 ? strf("-0x%x", -static_cast<uint32_t>(d)) : strf("+0x%x", d); };
  switch (rng_.below(8)) {
    case 0:  // absolute disp32
      m.text = strf("[%s0x%x]", seg.c_str(), target);
      return m;
    case 1: {  // [base]
      const unsigned b = pickAddrReg(o.avoid);
      setReg(32, b, target);
      m.regs = 1u << b;
      m.text = strf("[%s%s]", seg.c_str(), regName(32, b).c_str());
      return m;
    }
    case 2: {  // [base+disp8]
      const unsigned b = pickAddrReg(o.avoid);
      const int32_t d = rng_.range(-128, 127);
      setReg(32, b, target - d);
      m.regs = 1u << b;
      m.text = strf("[%s%s%s]", seg.c_str(), regName(32, b).c_str(), signedDisp(d).c_str());
      return m;
    }
    case 3: {  // [base+disp32]
      const unsigned b = pickAddrReg(o.avoid);
      const uint32_t d = rng_.u32() | 0x100;
      setReg(32, b, target - d);
      m.regs = 1u << b;
      m.text = strf("[%sdword %s+0x%x]", seg.c_str(), regName(32, b).c_str(), d);
      return m;
    }
    case 4:
    case 5: {  // [base+index*scale+disp]
      const unsigned b = pickAddrReg(o.avoid);
      const unsigned i = pickAddrReg(o.avoid);
      const unsigned s = rng_.below(4);
      const int32_t d = rng_.chance(50) ? rng_.range(-128, 127) : static_cast<int32_t>(rng_.u32());
      if (b == i) {
        const uint32_t v = rng_.u32();
        setReg(32, b, v);
        const uint32_t disp = target - v - (v << s);
        m.text = strf("[%sdword %s+%s*%u+0x%x]", seg.c_str(), regName(32, b).c_str(),
                      regName(32, i).c_str(), 1u << s, disp);
      } else {
        const uint32_t iv = rng_.chance(50) ? rng_.below(64) - 32 : rng_.u32();
        setReg(32, i, iv);
        setReg(32, b, target - d - (iv << s));
        m.text = strf("[%s%s+%s*%u%s]", seg.c_str(), regName(32, b).c_str(),
                      regName(32, i).c_str(), 1u << s, signedDisp(d).c_str());
      }
      m.regs = (1u << b) | (1u << i);
      return m;
    }
    case 6: {  // [index*scale+disp32], no base
      const unsigned i = pickAddrReg(o.avoid);
      const unsigned s = rng_.below(4);
      const uint32_t iv = rng_.u32();
      setReg(32, i, iv);
      m.regs = 1u << i;
      m.text = strf("[%snosplit %s*%u+0x%x]", seg.c_str(), regName(32, i).c_str(), 1u << s,
                    target - (iv << s));
      return m;
    }
    default: {  // [esp+disp]: ESP is always known
      const uint32_t esp = kScratchAddr + esp_;
      m.text = strf("[%sesp%s]", seg.c_str(), signedDisp(static_cast<int32_t>(target - esp)).c_str());
      return m;
    }
  }
}

MemRef SeqBuilder::mem16(unsigned bytes, uint32_t target, const MemOptions& o, std::string seg) {
  struct Form {
    int first, second;  // GPR numbers, -1 for none
  };
  static const Form kForms[] = {{EBX, ESI}, {EBX, EDI}, {EBP, ESI}, {EBP, EDI}, {ESI, -1},
                                {EDI, -1},  {EBP, -1},  {EBX, -1},  {-1, -1}};
  MemRef m;
  for (;;) {
    const Form f = rng_.pick(kForms);
    uint32_t used = 0;
    if (f.first >= 0) used |= 1u << f.first;
    if (f.second >= 0) used |= 1u << f.second;
    if (used & (o.avoid | reserved_)) continue;
    const unsigned disp_kind = (f.first < 0) ? 2 : rng_.below(3);  // none, disp8, disp16
    uint32_t disp = 0;
    if (disp_kind == 1) disp = static_cast<uint32_t>(rng_.range(-128, 127));
    if (disp_kind == 2) disp = rng_.u32() & 0xFFFF;
    // The sum wraps at 64 KiB, so any first register value works.
    uint32_t v1 = rng_.u32() & 0xFFFF;
    uint32_t rest = (target - disp) & 0xFFFF;
    std::string text = "[" + seg + (disp_kind == 2 ? "word " : "");
    if (f.first >= 0) {
      if (f.second < 0) v1 = rest;
      setReg(16, f.first, v1);
      text += regName(16, f.first);
      if (f.second >= 0) {
        setReg(16, f.second, (rest - v1) & 0xFFFF);
        text += "+" + regName(16, f.second);
      }
    } else {
      disp = target;
    }
    if (disp_kind == 1) {
      const int32_t d = static_cast<int32_t>(disp);
      text += d < 0 ? strf("-0x%x", -d) : strf("+0x%x", d);
    } else if (disp_kind == 2) {
      text += strf("%s0x%x", f.first >= 0 ? "+" : "", disp & 0xFFFF);
    }
    if (f.first == EBP && disp_kind == 0) text += "+0";
    m.text = text + "]";
    m.regs = used;
    return m;
  }
}

void SeqBuilder::storeBytes(uint32_t offset, const void* value, unsigned bytes) {
  const uint8_t* p = static_cast<const uint8_t*>(value);
  unsigned i = 0;
  while (i < bytes) {
    if (bytes - i >= 4) {
      uint32_t v;
      std::memcpy(&v, p + i, 4);
      setup(strf("mov dword [0x%x], 0x%x", kScratchAddr + offset + i, v));
      i += 4;
    } else if (bytes - i >= 2) {
      uint16_t v;
      std::memcpy(&v, p + i, 2);
      setup(strf("mov word [0x%x], 0x%x", kScratchAddr + offset + i, v));
      i += 2;
    } else {
      setup(strf("mov byte [0x%x], 0x%x", kScratchAddr + offset + i, p[i]));
      i += 1;
    }
  }
}

}  // namespace tandem::diff
