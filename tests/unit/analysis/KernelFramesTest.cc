#include "analysis/KernelFrames.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>

#include "tests/support/DebugFrameReader.h"

namespace tandem {
namespace {

using test::FrameReader;
using test::Row;
using namespace test::dwarf_reg;

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
  img.emit({0x8b, 0x54, 0x24, 0x2c});        // mov 0x2c(%esp),%edx (orig_ax: the vector)
  img.emit({0xc7, 0x44, 0x24, 0x2c, 0xff, 0xff, 0xff, 0xff});  // movl $-1,0x2c(%esp)
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

// Outside the entry text, code is entry code only if it has no frame of
// its own: a C function that passes a stack buffer in eax is not.
TEST(KernelFrames, AFunctionPassingItsStackIsNotEntryCode) {
  Image img;
  img.function("ret_from_fork");
  img.emit({0x89, 0xe0, 0xe8, 0, 0, 0, 0});  // mov %esp,%eax; call
  img.emit({0xeb, 0xfe});                    // jmp .
  img.function("fill_buffer");
  img.emit({0x55, 0x89, 0xe5, 0x83, 0xec, 0x10});  // push %ebp; mov %esp,%ebp; sub $0x10,%esp
  uint32_t mov = img.here();
  img.emit({0x89, 0xe0, 0xe8, 0, 0, 0, 0});  // mov %esp,%eax; call
  img.emit({0xc9, 0xc3});                    // leave; ret
  KernelFrames::Counts counts;
  FrameReader fr = img.build(&counts);
  EXPECT_EQ(counts.entry, 1u);
  EXPECT_EQ(counts.function, 1u);
  EXPECT_EQ(fr.at(mov + 2), rules(kEbp, 8, {{kEbp, -8}}));
}

// Byte registers 4-7 are ah, ch, dh, bh: writing them leaves esp and ebp
// alone. Writing ebp itself ends its frame; swapping esp away ends esp.
TEST(KernelFrames, WhichInstructionsWriteEspAndEbp) {
  Image img;
  img.function("f");
  img.emit({0x55, 0x89, 0xe5});  // push %ebp; mov %esp,%ebp
  img.emit({0x80, 0xe5, 0xfb});  // and $0xfb,%ch
  img.emit({0x80, 0xe4, 0xfb});  // and $0xfb,%ah
  img.emit({0x88, 0xec});        // mov %ch,%ah
  img.emit({0x0f, 0x45, 0xc2});  // cmovne %edx,%eax
  uint32_t still = img.here();
  img.emit({0x87, 0xdc});        // xchg %ebx,%esp
  uint32_t swapped = img.here();
  img.emit({0x89, 0xc5});        // mov %eax,%ebp
  uint32_t clobbered = img.here();
  img.emit({0xc3});
  FrameReader fr = img.build();
  EXPECT_EQ(fr.at(still), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(swapped), rules(kEbp, 8, {{kEbp, -8}})) << "esp is not what the CFA uses";
  EXPECT_TRUE(fr.at(clobbered)->eip_undefined) << "neither ebp nor esp is known";
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

// rdseed is behind a CPUID check the default guest's CPU fails, so the
// CPU's decoder refuses it; the function's rules go on past it.
TEST(KernelFrames, InstructionsTheCpuLacksStillHaveALength) {
  Image img;
  img.function("extract");
  img.emit({0x55, 0x89, 0xe5});        // push %ebp; mov %esp,%ebp
  img.emit({0x0f, 0xc7, 0xf8});        // rdseed %eax
  img.emit({0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08});  // palignr $8,%xmm1,%xmm0
  img.emit({0x0f, 0xae, 0x7c, 0x24, 0x04});        // clflush 0x4(%esp)
  uint32_t pop = img.here();
  img.emit({0x5d});                    // pop %ebp
  uint32_t ret = img.here();
  img.emit({0xc3});
  FrameReader fr = img.build();
  EXPECT_EQ(fr.at(pop), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(ret), rules(kEsp, 4, {}));
}

// gcc realigns the stack for a local that needs it: the frame is set up on
// a copy of the return address, and the caller's esp is out of reach.
TEST(KernelFrames, RealignedStackFrame) {
  Image img;
  img.function("shmem_symlink");
  uint32_t save = img.here();
  img.emit({0x57});                    // push %edi
  img.emit({0x8d, 0x7c, 0x24, 0x08});  // lea 0x8(%esp),%edi
  uint32_t align = img.here();
  img.emit({0x83, 0xe4, 0xf0});        // and $0xfffffff0,%esp
  uint32_t copy = img.here();
  img.emit({0xff, 0x77, 0xfc});        // push -0x4(%edi)
  img.emit({0x55});                    // push %ebp
  uint32_t mov = img.here();
  img.emit({0x89, 0xe5});              // mov %esp,%ebp
  img.emit({0x57, 0x56});              // push %edi; push %esi (the DRAP register and a local one)
  uint32_t call = img.here();
  img.emit({0xe8, 0, 0, 0, 0});
  img.emit({0x8d, 0x65, 0xf8});        // lea -0x8(%ebp),%esp
  img.emit({0x5e, 0x5f});              // pop %esi; pop %edi
  uint32_t pop = img.here();
  img.emit({0x5d});                    // pop %ebp
  uint32_t restore = img.here();
  img.emit({0x8d, 0x67, 0xf8});        // lea -0x8(%edi),%esp
  img.emit({0x5f, 0xc3});              // pop %edi; ret
  FrameReader fr = img.build();
  EXPECT_EQ(fr.at(save + 1), rules(kEsp, 8, {{kEdi, -8}}));
  EXPECT_EQ(fr.at(align), rules(kEsp, 8, {{kEdi, -8}}));
  EXPECT_TRUE(fr.at(copy)->eip_undefined) << "esp is unknown until the frame is set up";
  EXPECT_TRUE(fr.at(mov)->eip_undefined);
  EXPECT_EQ(fr.at(mov + 2), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(call), rules(kEbp, 8, {{kEbp, -8}})) << "edi and esi pushed here are not the caller's";
  EXPECT_EQ(fr.at(pop), rules(kEbp, 8, {{kEbp, -8}}));
  EXPECT_EQ(fr.at(restore), rules(kEsp, 4, {})) << "esp points at the copy of the return address";
  EXPECT_TRUE(fr.at(restore + 3)->eip_undefined);
}

// What the diagnosis's backtrace asks: how far above esp the CFA is where
// a function has no frame in ebp.
TEST(KernelFrames, FramelessDepthWhereEbpHoldsNoFrame) {
  Image img;
  uint32_t f = img.function("worker");
  img.emit({0x3e, 0x8d, 0x74, 0x26, 0x00});  // the ftrace site
  uint32_t push = img.here();
  img.emit({0x55});                          // push %ebp
  uint32_t mov = img.here();
  img.emit({0x89, 0xe5});                    // mov %esp,%ebp
  uint32_t body = img.here();
  img.emit({0xe8, 0, 0, 0, 0});              // call
  img.emit({0x5d});                          // pop %ebp
  uint32_t ret = img.here();
  img.emit({0xc3});
  uint32_t helper = img.function("__get_user_4");
  img.emit({0x56});                          // push %esi
  uint32_t pushed = img.here();
  img.emit({0x8b, 0x10, 0x5e, 0xc3});        // mov (%eax),%edx; pop %esi; ret
  uint32_t cold = img.function("worker.cold");
  img.emit({0xe8, 0, 0, 0, 0, 0xc3});
  img.symbols.push_back({img.here(), 'T', "_etext"});
  KernelSymbols k(img.symbols);
  auto read = [&](uint32_t addr, uint8_t* out, size_t len) {
    if (addr < kBase || addr - kBase + len > img.code.size()) return false;
    std::memcpy(out, img.code.data() + (addr - kBase), len);
    return true;
  };
  auto depth = [&](uint32_t pc) { return KernelFrames::framelessDepth(k, read, pc); };
  EXPECT_EQ(depth(f), 4u);
  EXPECT_EQ(depth(push), 4u);
  EXPECT_EQ(depth(mov), 8u);
  EXPECT_FALSE(depth(body));
  EXPECT_EQ(depth(ret), 4u);
  EXPECT_EQ(depth(helper), 4u);
  EXPECT_EQ(depth(pushed), 8u);
  EXPECT_FALSE(depth(cold)) << "a cold part runs in its parent's ebp frame";
  EXPECT_FALSE(depth(mov + 1)) << "not an instruction boundary";
  EXPECT_FALSE(depth(0xC2000000)) << "no function";
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
