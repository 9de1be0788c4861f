#include "analysis/KernelFrames.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>

namespace tandem {
namespace {

// DWARF register numbers of i386.
constexpr int kEax = 0, kEcx = 1, kEdx = 2, kEbx = 3, kEsp = 4, kEbp = 5, kEsi = 6, kEdi = 7,
              kEip = 8, kEflags = 9;

// The rules in effect at one address, as a DWARF consumer computes them.
struct Row {
  int cfa_reg = -1;
  int64_t cfa_off = 0;
  std::map<int, int64_t> saved;  // register -> offset from the CFA
  bool eip_undefined = false;
  bool signal = false;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  os << "cfa=r" << r.cfa_reg << "+" << r.cfa_off << (r.signal ? " S" : "")
     << (r.eip_undefined ? " eip undefined" : "");
  for (auto [reg, off] : r.saved) os << " r" << reg << "@" << off;
  return os;
}

// A reader of the .debug_frame the builder writes: CIEs and FDEs, and the
// call frame instructions it uses.
class FrameReader {
 public:
  explicit FrameReader(std::vector<uint8_t> bytes) : b_(std::move(bytes)) {}

  // The row at `pc`, or nullopt when no FDE covers it.
  std::optional<Row> at(uint32_t pc) const {
    size_t p = 0;
    while (p + 4 <= b_.size()) {
      uint32_t len = u32(p);
      size_t body = p + 4, next = body + len;
      EXPECT_LE(next, b_.size());
      EXPECT_EQ(len % 4, 0u) << "entries are padded to 4 bytes";
      uint32_t id = u32(body);
      if (id != 0xffffffff) {
        uint32_t start = u32(body + 4), range = u32(body + 8);
        if (pc >= start && pc - start < range) {
          Cie cie = readCie(id);
          Row row = cie.initial;
          Row initial = row;
          run(body + 12, next, start, pc, row, initial);
          row.signal = cie.signal;
          return row;
        }
      }
      p = next;
    }
    return std::nullopt;
  }

  size_t fdesCovering(uint32_t pc) const {
    size_t n = 0;
    for (size_t p = 0; p + 4 <= b_.size(); p += 4 + u32(p)) {
      size_t body = p + 4;
      if (u32(body) == 0xffffffff) continue;
      uint32_t start = u32(body + 4), range = u32(body + 8);
      n += pc >= start && pc - start < range;
    }
    return n;
  }

 private:
  struct Cie {
    bool signal = false;
    Row initial;
  };

  uint32_t u32(size_t p) const {
    uint32_t v;
    std::memcpy(&v, b_.data() + p, 4);
    return v;
  }
  uint64_t uleb(size_t& p) const {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t byte = b_[p++];
      v |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return v;
    }
  }
  int64_t sleb(size_t& p) const {
    int64_t v = 0;
    int shift = 0;
    uint8_t byte;
    do {
      byte = b_[p++];
      v |= int64_t{byte & 0x7f} << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) v |= -(int64_t{1} << shift);
    return v;
  }

  Cie readCie(size_t at) const {
    size_t end = at + 4 + u32(at);
    size_t p = at + 8;
    EXPECT_EQ(b_[p], 3) << "CIE version";
    ++p;
    Cie cie;
    std::string aug(reinterpret_cast<const char*>(b_.data() + p));
    p += aug.size() + 1;
    cie.signal = aug == "S";
    EXPECT_TRUE(aug.empty() || aug == "S") << aug;
    EXPECT_EQ(uleb(p), 1u);
    EXPECT_EQ(sleb(p), -4);
    EXPECT_EQ(uleb(p), 8u) << "return address column";
    Row none;
    run(p, end, 0, 0, cie.initial, none);
    return cie;
  }

  // Runs instructions [p, end) from location `loc` up to (not past) `pc`.
  void run(size_t p, size_t end, uint32_t loc, uint32_t pc, Row& row, const Row& initial) const {
    while (p < end) {
      uint8_t op = b_[p++];
      uint32_t advance = 0;
      switch (op & 0xc0) {
        case 0x40:
          advance = op & 0x3f;
          break;
        case 0x80: {
          int reg = op & 0x3f;
          row.saved[reg] = static_cast<int64_t>(uleb(p)) * -4;
          if (reg == kEip) row.eip_undefined = false;
          continue;
        }
        case 0xc0: {
          int reg = op & 0x3f;
          auto it = initial.saved.find(reg);
          if (it != initial.saved.end()) row.saved[reg] = it->second;
          else row.saved.erase(reg);
          if (reg == kEip) row.eip_undefined = initial.eip_undefined;
          continue;
        }
        default:
          break;
      }
      if (!advance) {
        switch (op) {
          case 0x00: continue;  // nop
          case 0x02: advance = b_[p++]; break;
          case 0x03: advance = b_[p] | (b_[p + 1] << 8); p += 2; break;
          case 0x04: advance = u32(p); p += 4; break;
          case 0x07: {
            int reg = static_cast<int>(uleb(p));
            row.saved.erase(reg);
            if (reg == kEip) row.eip_undefined = true;
            continue;
          }
          case 0x0c:
            row.cfa_reg = static_cast<int>(uleb(p));
            row.cfa_off = static_cast<int64_t>(uleb(p));
            continue;
          default:
            ADD_FAILURE() << "unexpected call frame instruction 0x" << std::hex << int{op};
            return;
        }
      }
      if (loc + advance > pc) return;
      loc += advance;
    }
  }

  std::vector<uint8_t> b_;
};

Row rules(int cfa_reg, int64_t cfa_off, std::map<int, int64_t> saved) {
  Row r;
  r.cfa_reg = cfa_reg;
  r.cfa_off = cfa_off;
  r.saved = std::move(saved);
  r.saved[kEip] = -4;
  return r;
}

constexpr uint32_t kBase = 0xC1000000;

// Code laid out at kBase, symbols for it, and the frames built from them.
struct Image {
  std::vector<uint8_t> code;
  std::vector<KernelSymbol> symbols;
  uint32_t here() const { return kBase + static_cast<uint32_t>(code.size()); }
  uint32_t function(const std::string& name, char type = 't') {
    symbols.push_back({here(), type, name});
    return here();
  }
  void emit(std::initializer_list<uint8_t> bytes) { code.insert(code.end(), bytes); }

  FrameReader build(KernelFrames::Counts* counts = nullptr) {
    symbols.push_back({here(), 'T', "_etext"});
    KernelSymbols k(symbols);
    auto read = [this](uint32_t addr, uint8_t* out, size_t len) {
      if (addr < kBase || addr - kBase + len > code.size()) return false;
      std::memcpy(out, code.data() + (addr - kBase), len);
      return true;
    };
    return FrameReader(KernelFrames::build(k, {{kBase, here()}}, read, counts));
  }
};

TEST(KernelFrames, FramePointerFunctionFromPrologueThroughBothEpilogues) {
  Image img;
  uint32_t f = img.function("worker");
  img.emit({0x3e, 0x8d, 0x74, 0x26, 0x00});  // lea 0x0(%esi,%eiz,1),%esi (the ftrace site)
  uint32_t push = img.here();
  img.emit({0x55});                          // push %ebp
  uint32_t mov = img.here();
  img.emit({0x89, 0xe5});                    // mov %esp,%ebp
  img.emit({0x57});                          // push %edi
  img.emit({0x89, 0xd7});                    // mov %edx,%edi
  img.emit({0x56, 0x53});                    // push %esi; push %ebx
  uint32_t sub = img.here();
  img.emit({0x83, 0xec, 0x10});              // sub $0x10,%esp
  img.emit({0x85, 0xc0});                    // test %eax,%eax
  img.emit({0x74, 0x0d});                    // je L (13 bytes on)
  uint32_t call = img.here();
  img.emit({0xe8, 0, 0, 0, 0});              // call
  img.emit({0x83, 0xc4, 0x10});              // add $0x10,%esp
  img.emit({0x5b, 0x5e, 0x5f});              // pop %ebx; pop %esi; pop %edi
  uint32_t pop_ebp = img.here();
  img.emit({0x5d});                          // pop %ebp
  uint32_t ret = img.here();
  img.emit({0xc3});                          // ret
  uint32_t l = img.here();
  img.emit({0xb8, 1, 0, 0, 0});              // L: mov $1,%eax
  uint32_t lea = img.here();
  img.emit({0x8d, 0x65, 0xf4});              // lea -0xc(%ebp),%esp
  img.emit({0x5b, 0x5e, 0x5f});              // pop %ebx; pop %esi; pop %edi
  uint32_t leave = img.here();
  img.emit({0xc9});                          // leave
  uint32_t ret2 = img.here();
  img.emit({0xc3});                          // ret
  ASSERT_EQ(l, call + 13);  // the je's target, by construction
  KernelFrames::Counts counts;
  FrameReader fr = img.build(&counts);
  EXPECT_EQ(counts.function, 1u);

  const std::map<int, int64_t> saved{{kEbp, -8}, {kEdi, -12}, {kEsi, -16}, {kEbx, -20}};
  EXPECT_EQ(fr.at(f), rules(kEsp, 4, {}));
  EXPECT_EQ(fr.at(push), rules(kEsp, 4, {}));
  EXPECT_EQ(fr.at(mov), rules(kEsp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(mov + 2), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(sub), rules(kEbp, 8, saved));
  EXPECT_EQ(fr.at(call), rules(kEbp, 8, saved));
  // The pops restore ebx, esi, edi; ebp still holds the frame.
  EXPECT_EQ(fr.at(pop_ebp), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(ret), rules(kEsp, 4, {}));
  // Reached only by the je: the body's frame again.
  EXPECT_EQ(fr.at(l), rules(kEbp, 8, saved));
  EXPECT_EQ(fr.at(lea), rules(kEbp, 8, saved));
  EXPECT_EQ(fr.at(leave), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(ret2), rules(kEsp, 4, {}));
  EXPECT_FALSE(fr.at(ret2 + 1));
  EXPECT_EQ(fr.fdesCovering(call), 1u);
}

TEST(KernelFrames, ShrinkWrappedFunctionAndItsColdPart) {
  Image img;
  uint32_t f = img.function("lookup");
  img.emit({0x3e, 0x8d, 0x74, 0x26, 0x00});  // the ftrace site
  img.emit({0x89, 0xc1});                    // mov %eax,%ecx
  uint32_t je = img.here();
  img.emit({0x85, 0xc9, 0x74, 0x0c});        // test %ecx,%ecx; je out
  img.emit({0x55});                          // push %ebp
  img.emit({0x8b, 0x40, 0x04});              // mov 0x4(%eax),%eax (between push and mov)
  uint32_t mov = img.here();
  img.emit({0x89, 0xe5});                    // mov %esp,%ebp
  uint32_t call = img.here();
  img.emit({0xe8, 0, 0, 0, 0});              // call
  uint32_t pop = img.here();
  img.emit({0x5d});                          // pop %ebp
  uint32_t out = img.here();
  img.emit({0xc3});                          // out: ret
  ASSERT_EQ(out, je + 4 + 0x0c);
  uint32_t cold = img.function("lookup.cold");
  img.emit({0x68, 0, 0, 0, 0});              // push $msg
  uint32_t cold_call = img.here();
  img.emit({0xe8, 0, 0, 0, 0});              // call _printk
  img.emit({0xe9, 0, 0, 0, 0});              // jmp back into lookup
  KernelFrames::Counts counts;
  FrameReader fr = img.build(&counts);
  EXPECT_EQ(counts.function, 1u);
  EXPECT_EQ(counts.cold, 1u);

  EXPECT_EQ(fr.at(f), rules(kEsp, 4, {}));
  EXPECT_EQ(fr.at(je + 2), rules(kEsp, 4, {}));
  EXPECT_EQ(fr.at(mov), rules(kEsp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(call), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(pop), rules(kEbp, 8, {{kEbp, -8}}));
  // Both paths meet at the ret without a frame.
  EXPECT_EQ(fr.at(out), rules(kEsp, 4, {}));
  // The cold part runs in its parent's frame whatever it pushes.
  EXPECT_EQ(fr.at(cold), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(cold_call), rules(kEbp, 8, {{kEbp, -8}}));
}

TEST(KernelFrames, EntryCodeReadsPtRegsAtItsCallsAndEndsTheBacktraceElsewhere) {
  Image img;
  img.function("__entry_text_start", 'T');
  uint32_t entry = img.function("handle_exception");
  img.emit({0xfc});                          // cld
  img.emit({0x50, 0x55, 0x57, 0x56, 0x52, 0x51, 0x53});  // part of SAVE_ALL
  uint32_t encode = img.here();
  img.emit({0x89, 0xe5});                    // mov %esp,%ebp (the encoded frame pointer)
  img.emit({0x81, 0xe5, 0xff, 0xff, 0xff, 0x7f});  // and $0x7fffffff,%ebp
  uint32_t mov = img.here();
  img.emit({0x89, 0xe0});                    // mov %esp,%eax
  uint32_t call = img.here();
  img.emit({0xff, 0xd7});                    // call *%edi
  // The call returns into the next symbol.
  uint32_t resume = img.function("handle_exception_return");
  img.emit({0x8b, 0x44, 0x24, 0x34});        // mov 0x34(%esp),%eax
  uint32_t after = img.here();
  img.emit({0x5b, 0x59, 0x5a});              // pop %ebx; pop %ecx; pop %edx
  img.emit({0xcf});                          // iret
  img.function("__entry_text_end", 'T');
  img.emit({0x90});
  KernelFrames::Counts counts;
  FrameReader fr = img.build(&counts);
  EXPECT_EQ(counts.entry, 2u);

  Row outermost;
  outermost.cfa_reg = kEsp;
  outermost.cfa_off = 4;
  outermost.eip_undefined = true;
  EXPECT_EQ(fr.at(entry), outermost);
  EXPECT_EQ(fr.at(encode), outermost);
  Row regs;
  regs.cfa_reg = kEsp;
  regs.cfa_off = 60;  // pt_regs.sp
  regs.saved = {{kEbx, -60}, {kEcx, -56}, {kEdx, -52}, {kEsi, -48}, {kEdi, -44}, {kEbp, -40},
                {kEax, -36}, {kEip, -12}, {kEflags, -4}, {kEsp, 0}};
  regs.signal = true;
  EXPECT_EQ(fr.at(mov), regs);
  EXPECT_EQ(fr.at(call), regs);
  EXPECT_EQ(fr.at(call + 1), regs);
  EXPECT_EQ(fr.at(resume), regs) << "gdb looks a signal frame's rules up at its resume address";
  EXPECT_EQ(fr.at(after), outermost);
  for (uint32_t pc : {entry, mov, call, resume, after}) EXPECT_EQ(fr.fdesCovering(pc), 1u) << pc;
}

TEST(KernelFrames, EspMadeUnknowableWithoutAFrameEndsTheBacktrace) {
  Image img;
  img.function("realign");
  img.emit({0x83, 0xe4, 0xf0});  // and $0xfffffff0,%esp
  uint32_t after = img.here();
  img.emit({0x90, 0xc3});        // nop; ret
  FrameReader fr = img.build();
  ASSERT_TRUE(fr.at(after));
  EXPECT_TRUE(fr.at(after)->eip_undefined);
}

TEST(KernelFrames, UndecodableOrUnreadableCodeGetsNoRows) {
  Image img;
  img.function("fine");
  img.emit({0xc3});
  uint32_t bad = img.function("garbage");
  img.emit({0x0f, 0x0b, 0x0f});  // ud2, then a truncated two-byte opcode
  uint32_t end = img.here();
  KernelFrames::Counts counts;
  FrameReader fr = img.build(&counts);
  EXPECT_EQ(counts.function, 2u);
  EXPECT_TRUE(fr.at(bad));
  EXPECT_FALSE(fr.at(end - 1)) << "the FDE ends where decoding stopped";

  KernelSymbols k({{kBase, 't', "f"}, {kBase + 16, 'T', "_etext"}});
  KernelFrames::Counts none;
  auto bytes = KernelFrames::build(k, {{kBase, kBase + 16}},
                                   [](uint32_t, uint8_t*, size_t) { return false; }, &none);
  EXPECT_EQ(none.without, 1u);
  EXPECT_FALSE(FrameReader(bytes).at(kBase));
}

}  // namespace
}  // namespace tandem
