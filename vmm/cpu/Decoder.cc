#include "vmm/cpu/Decoder.h"

#include <array>
#include <cstdio>
#include <cstring>

#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/Fpu.h"
#include "vmm/cpu/InsnFormat.h"
#include "vmm/cpu/InsnTable.h"

namespace tandem {
namespace {

struct InsnShape {
  uint8_t map;
  uint8_t opcode;
  int8_t group;
  uint8_t osize;
  uint32_t fmt;
  const char* mnemonic;
};

constexpr InsnShape kShapes[] = {
    {0, 0, -1, 0, 0, "(bad)"},
#define X(id, mnem, map, op, grp, osz, fmt, ...) {map, op, grp, osz, fmt, mnem},
#include "vmm/cpu/Instructions.def"
#undef X
    {1, 0xD8, -1, 0, F_M, "x87"},
};
static_assert(std::size(kShapes) == static_cast<size_t>(InsnId::kCount));

// Index: [map-1][opcode][operand size 16 ? 0 : 1][ModRM.reg] -> InsnId.
using DecodeIndex = std::array<uint16_t, 2 * 256 * 2 * 8>;

constexpr size_t slot(unsigned map, unsigned op, unsigned o32, unsigned reg) {
  return (((map - 1) * 256 + op) * 2 + o32) * 8 + reg;
}

constexpr DecodeIndex buildIndex() {
  DecodeIndex idx{};
  for (size_t id = 1; id + 1 < std::size(kShapes); ++id) {
    const InsnShape& s = kShapes[id];
    unsigned run = (s.fmt & F_CC) ? 16 : (s.fmt & (F_ROP | F_GOP)) ? 8 : 1;
    for (unsigned k = 0; k < run; ++k)
      for (unsigned o32 = 0; o32 < 2; ++o32) {
        if (s.osize == 16 && o32) continue;
        if (s.osize == 32 && !o32) continue;
        for (unsigned reg = 0; reg < 8; ++reg) {
          if (s.group >= 0 && static_cast<unsigned>(s.group) != reg) continue;
          idx[slot(s.map, s.opcode + k, o32, reg)] = static_cast<uint16_t>(id);
        }
      }
  }
  return idx;
}

constexpr std::array<uint8_t, 512> buildHasModrm() {
  std::array<uint8_t, 512> m{};
  for (size_t id = 1; id + 1 < std::size(kShapes); ++id) {
    const InsnShape& s = kShapes[id];
    unsigned run = (s.fmt & F_CC) ? 16 : (s.fmt & (F_ROP | F_GOP)) ? 8 : 1;
    if (s.fmt & (F_M | F_MREG))
      for (unsigned k = 0; k < run; ++k) m[(s.map - 1) * 256 + s.opcode + k] = 1;
  }
  return m;
}

constexpr DecodeIndex kIndex = buildIndex();
constexpr std::array<uint8_t, 512> kHasModrm = buildHasModrm();

inline uint32_t le16(const uint8_t* p) { return p[0] | (p[1] << 8); }
inline uint32_t le32(const uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

DecodeStatus decodeInsn(const uint8_t* b, size_t avail, bool code32, Insn* out) {
  constexpr size_t kMaxLen = 15;
  if (avail > kMaxLen + 1) avail = kMaxLen + 1;
  size_t p = 0;
  bool o16 = !code32, a16 = !code32;
  uint16_t flags = 0;
  int seg = -1;
  bool lock = false;
  uint8_t rep = 0;

  for (;;) {
    if (p >= avail) return p >= kMaxLen ? DecodeStatus::kTooLong : DecodeStatus::kNeedMore;
    uint8_t x = b[p];
    bool prefix = true;
    switch (x) {
      case 0x26: seg = ES; break;
      case 0x2E: seg = CS; break;
      case 0x36: seg = SS; break;
      case 0x3E: seg = DS; break;
      case 0x64: seg = FS; break;
      case 0x65: seg = GS; break;
      case 0x66: o16 = code32; break;
      case 0x67: a16 = code32; break;
      case 0xF0: lock = true; break;
      case 0xF2: rep = 0xF2; break;
      case 0xF3: rep = 0xF3; break;
      default: prefix = false; break;
    }
    if (!prefix) break;
    ++p;
  }

  // Bytes beyond the 15-byte limit make the instruction too long whatever
  // else follows; bytes missing below it mean the caller must fetch more.
  bool too_long = false;
  auto have = [&](size_t n) {
    if (p + n > kMaxLen) too_long = true;
    return p + n <= avail && !too_long;
  };
  auto short_of_bytes = [&] { return too_long ? DecodeStatus::kTooLong : DecodeStatus::kNeedMore; };
  unsigned map = 1;
  uint8_t op = b[p++];
  if (op == 0x0F) {
    if (!have(1)) return short_of_bytes();
    map = 2;
    op = b[p++];
  }

  Insn in{};
  in.opcode = op;
  in.base = in.index = 8;
  in.seg = DS;

  bool x87 = map == 1 && op >= 0xD8 && op <= 0xDF;
  uint16_t id = 0;
  uint32_t fmt = 0;
  bool has_modrm = x87 || kHasModrm[(map - 1) * 256 + op];
  uint8_t modrm = 0;
  if (has_modrm) {
    if (!have(1)) return short_of_bytes();
    modrm = b[p++];
  }
  if (x87) {
    id = static_cast<uint16_t>(InsnId::kX87);
    fmt = F_M;
  } else {
    id = kIndex[slot(map, op, o16 ? 0 : 1, (modrm >> 3) & 7)];
    fmt = kShapes[id].fmt;
  }
  if (id == 0) {
    // Consume nothing more: the instruction faults with #UD at its start.
    return DecodeStatus::kInvalid;
  }

  in.modrm = modrm;
  in.reg = (modrm >> 3) & 7;
  in.rm = modrm & 7;
  if (has_modrm && !(fmt & F_MREG) && (modrm >> 6) != 3) {
    flags |= insn_flags::kMem;
    unsigned mod = modrm >> 6, rm = modrm & 7;
    if (a16) {
      static constexpr uint8_t kBase[8] = {EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX};
      static constexpr uint8_t kIndex16[8] = {ESI, EDI, ESI, EDI, 8, 8, 8, 8};
      if (mod == 0 && rm == 6) {
        if (!have(2)) return short_of_bytes();
        in.disp = le16(b + p);
        p += 2;
      } else {
        in.base = kBase[rm];
        in.index = kIndex16[rm];
        if (in.base == EBP) in.seg = SS;
        if (mod == 1) {
          if (!have(1)) return short_of_bytes();
          in.disp = static_cast<uint32_t>(static_cast<int8_t>(b[p++]));
        } else if (mod == 2) {
          if (!have(2)) return short_of_bytes();
          in.disp = le16(b + p);
          p += 2;
        }
      }
    } else {
      unsigned base = rm;
      if (rm == 4) {
        if (!have(1)) return short_of_bytes();
        uint8_t sib = b[p++];
        in.scale = sib >> 6;
        unsigned index = (sib >> 3) & 7;
        if (index != 4) in.index = static_cast<uint8_t>(index);
        base = sib & 7;
        if (base == 5 && mod == 0) {
          base = 8;
          if (!have(4)) return short_of_bytes();
          in.disp = le32(b + p);
          p += 4;
        }
      } else if (rm == 5 && mod == 0) {
        base = 8;
        if (!have(4)) return short_of_bytes();
        in.disp = le32(b + p);
        p += 4;
      }
      in.base = static_cast<uint8_t>(base);
      if (base == ESP || base == EBP) in.seg = SS;
      if (mod == 1) {
        if (!have(1)) return short_of_bytes();
        in.disp = static_cast<uint32_t>(static_cast<int8_t>(b[p++]));
      } else if (mod == 2) {
        if (!have(4)) return short_of_bytes();
        in.disp = le32(b + p);
        p += 4;
      }
    }
  }

  if (fmt & F_MOFF) {
    flags |= insn_flags::kMem;
    unsigned n = a16 ? 2 : 4;
    if (!have(n)) return short_of_bytes();
    in.disp = a16 ? le16(b + p) : le32(b + p);
    p += n;
    in.reg = 0;
  }
  if (fmt & F_XLAT) in.base = EBX;
  if (fmt & F_ACC) in.rm = 0;
  if (fmt & F_ROP) in.rm = op & 7;
  if (fmt & F_GOP) in.reg = op & 7;
  if (fmt & F_CC) in.cc = op & 15;

  if (fmt & (F_I8 | F_I8S | F_J8)) {
    if (!have(1)) return short_of_bytes();
    uint8_t v = b[p++];
    in.imm = (fmt & F_I8) ? v : static_cast<uint32_t>(static_cast<int8_t>(v));
  } else if (fmt & F_I16) {
    if (!have(2)) return short_of_bytes();
    in.imm = le16(b + p);
    p += 2;
  } else if (fmt & (F_IZ | F_JZ)) {
    if (o16) {
      if (!have(2)) return short_of_bytes();
      uint32_t v = le16(b + p);
      in.imm = (fmt & F_JZ) ? static_cast<uint32_t>(static_cast<int16_t>(v)) : v;
      p += 2;
    } else {
      if (!have(4)) return short_of_bytes();
      in.imm = le32(b + p);
      p += 4;
    }
  } else if (fmt & F_ENTER) {
    if (!have(3)) return short_of_bytes();
    in.imm = le16(b + p);
    in.imm2 = b[p + 2];
    p += 3;
  } else if (fmt & F_PTR) {
    unsigned n = o16 ? 2 : 4;
    if (!have(n + 2)) return short_of_bytes();
    in.imm = o16 ? le16(b + p) : le32(b + p);
    in.imm2 = static_cast<uint16_t>(le16(b + p + n));
    p += n + 2;
  }

  if (p > kMaxLen) return DecodeStatus::kTooLong;

  if (lock && !((fmt & F_LK) && (flags & insn_flags::kMem))) return DecodeStatus::kInvalid;

  if (seg >= 0) {
    in.seg = static_cast<uint8_t>(seg);
    flags |= insn_flags::kSegOverride;
  }
  if (o16) flags |= insn_flags::kOp16;
  if (a16) flags |= insn_flags::kAddr16;
  if (rep == 0xF3) flags |= insn_flags::kRep;
  if (rep == 0xF2) flags |= insn_flags::kRepne;
  if (lock) flags |= insn_flags::kLock;
  if (fmt & F_END) flags |= insn_flags::kEndsBlock;
  if (fmt & F_NEAR) flags |= insn_flags::kChainable;
  // A repeated string instruction may stop between iterations and resume
  // itself, so it reads and writes EIP: it must end its block.
  if ((fmt & F_STR) && rep) flags |= insn_flags::kEndsBlock;
  in.flags = flags;
  in.len = static_cast<uint8_t>(p);
  in.id = id;
  if (x87) {
    in.fn = fpuHandler(op, modrm);
  } else {
    const InsnHandlers& h = insnHandlers(id);
    in.fn = (flags & insn_flags::kMem) ? h.mem : h.reg;
  }
  *out = in;
  return DecodeStatus::kOk;
}

const char* insnMnemonic(const Insn& insn) {
  return insn.id < std::size(kShapes) ? kShapes[insn.id].mnemonic : "(bad)";
}

}  // namespace tandem
