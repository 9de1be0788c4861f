// The call frame information `tandem symbols` writes (analysis/KernelFrames),
// checked against the kernel's own frame-pointer chain (analysis/Backtrace)
// wherever the replay of the sysrq bundle (the sysrq_bundle fixture,
// tests/replayto) stands in the kernel, at points spread evenly over its
// window. Unwinding the stack as gdb does from those rules must give the
// return addresses the frame pointers give, in order, through interrupt
// and exception frames. It may give one more right after a function the
// CPU stands in (the current one, or one an interrupt or exception
// stopped) where that function has no frame of its own at the instant
// (before `mov %esp,%ebp`, after `pop %ebp`, a leaf or assembly routine
// without one): there the frame-pointer walk skips its caller. With the
// probe the diagnosis gives it (KernelFrames::framelessDepth), the walk
// must find exactly the frames the rules do.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include "analysis/Backtrace.h"
#include "analysis/GuestView.h"
#include "analysis/KernelFrames.h"
#include "analysis/KernelSymbols.h"
#include "logstore/Archive.h"
#include "replayer/BundleReplay.h"
#include "tests/support/DebugFrameReader.h"

namespace tandem::test {
namespace {

const std::string kDir = TANDEM_SYSRQ_BUNDLE_DIR;
constexpr int kPoints = 1000;

class Discard final : public ConsoleSink {
 public:
  void consoleWrite(uint8_t) override {}
};

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::vector<uint32_t> pcsOf(const Backtrace& bt) {
  std::vector<uint32_t> pcs;
  for (const BacktraceFrame& f : bt.frames()) pcs.push_back(f.pc);
  return pcs;
}

std::string list(const std::vector<uint32_t>& pcs) {
  std::string s;
  for (uint32_t pc : pcs) s += " " + hex(pc);
  return s;
}

struct Frame {
  uint32_t pc;
  bool exact;  // the CPU stands at pc (frame 0, or interrupted), not a return address
  bool frameless;  // the rules there compute the CFA from esp
};

// What gdb's unwinder does with the rules: the frames up to the first one
// in user space, and why it stopped.
std::vector<Frame> unwind(const FrameReader& frames, const GuestView& view, const CpuState& cpu,
                          std::string* end) {
  uint32_t regs[10];
  for (int i = 0; i < 8; ++i) regs[i] = cpu.gpr[i];
  regs[dwarf_reg::kEip] = cpu.eip;
  regs[dwarf_reg::kEflags] = cpu.eflags;
  std::vector<Frame> pcs;
  // Frame 0 and a frame a signal frame interrupted stand at their
  // instruction; the others at a return address, looked up one byte back.
  bool exact = true;
  for (size_t depth = 0; depth < Backtrace::kMaxFrames; ++depth) {
    uint32_t pc = regs[dwarf_reg::kEip];
    if (pc < 0xC0000000u) {
      *end = "user mode";
      return pcs;
    }
    auto row = frames.at(exact ? pc : pc - 1);
    pcs.push_back({pc, exact, row && !row->eip_undefined && row->cfa_reg == dwarf_reg::kEsp});
    if (!row) {
      *end = "no rules at " + hex(pc);
      return pcs;
    }
    if (row->eip_undefined) {
      *end = "outermost";
      return pcs;
    }
    uint32_t cfa = regs[row->cfa_reg] + static_cast<uint32_t>(row->cfa_off);
    uint32_t next[10];
    std::copy(regs, regs + 10, next);
    next[dwarf_reg::kEsp] = cfa;
    for (auto [reg, off] : row->saved) {
      auto v = view.u32(cfa + static_cast<uint32_t>(off));
      if (!v) {
        *end = "unreadable slot";
        return pcs;
      }
      next[reg] = *v;
    }
    std::copy(next, next + 10, regs);
    exact = row->signal;
  }
  *end = "too many frames";
  return pcs;
}

TEST(SysrqBundleUnwind, CallFrameInformationAgreesWithTheFramePointers) {
  std::ifstream idf(kDir + "/id");
  std::string id;
  idf >> id;
  ASSERT_EQ(id.size(), 64u) << "no bundle in " << kDir << " (the sysrq_bundle fixture)";
  auto archive = Archive::open(kDir + "/archive", false);
  ASSERT_TRUE(archive) << archive.error().message;
  auto digest = (*archive)->resolve(id);
  ASSERT_TRUE(digest) << digest.error().message;
  auto reader = (*archive)->openBundle(*digest);
  ASSERT_TRUE(reader) << reader.error().message;
  Discard console;
  auto replay = BundleReplay::open(std::move(*reader), console);
  ASSERT_TRUE(replay) << replay.error().message;
  BundleReplay& r = **replay;
  Machine& m = r.machine();

  auto symbols = KernelSymbols::fromMemory(m.memory());
  ASSERT_TRUE(symbols) << symbols.error().message;
  auto start_view = GuestView::fromCpu(m.memory(), m.cpu().saveState());
  ASSERT_TRUE(start_view);
  KernelFrames::Counts counts;
  FrameReader frames(KernelFrames::build(*symbols, *start_view, &counts));

  const uint64_t first = r.startIcount(), last = r.endIcount();
  int kernel = 0, same = 0, one_more = 0, in_entry = 0, probe_found = 0;
  size_t deepest = 0;
  std::vector<std::string> disagree;
  for (int i = 1; i <= kPoints; ++i) {
    const uint64_t at = first + (last - first) * i / (kPoints + 1);
    r.reach(at);
    ASSERT_EQ(m.icount().value(), at);
    CpuState cpu = m.cpu().saveState();
    if (cpu.seg[CS].selector & 3) continue;
    ++kernel;
    auto view = GuestView::fromCpu(m.memory(), cpu);
    ASSERT_TRUE(view);
    Backtrace fp = Backtrace::fromCpu(*view, *symbols, cpu);
    // The walk the diagnosis does: the frame pointers, and the callers of
    // code without a frame found from the code.
    Backtrace probed = Backtrace::fromCpu(*view, *symbols, cpu, 8192, [&](uint32_t pc) {
      return KernelFrames::framelessDepth(*symbols, *view, pc);
    });
    const std::vector<uint32_t> by_fp = pcsOf(fp), by_probe = pcsOf(probed);
    std::string why;
    std::vector<Frame> by_cfi = unwind(frames, *view, cpu, &why);
    std::vector<uint32_t> cfi_pcs;
    for (const Frame& f : by_cfi) cfi_pcs.push_back(f.pc);
    deepest = std::max(deepest, by_cfi.size());
    auto report = [&](const char* label, const std::vector<uint32_t>& walked, const std::string& end) {
      disagree.push_back("icount " + std::to_string(at) + " eip " + symbols->describe(cpu.eip) +
                         "\n  " + label + list(walked) + " (" + end + ")" +
                         "\n  call frames:   " + list(cfi_pcs) + " (" + why + ")");
    };
    // A frame only the rules find must follow one the CPU stands in without
    // a frame of its own (its caller may be the same function: recursion).
    std::function<bool(size_t, size_t)> agree = [&](size_t i, size_t j) {
      if (i == by_cfi.size()) return j == by_fp.size();
      if (j < by_fp.size() && by_cfi[i].pc == by_fp[j] && agree(i + 1, j + 1)) return true;
      return i > 0 && by_cfi[i - 1].exact && by_cfi[i - 1].frameless && agree(i + 1, j);
    };
    auto row0 = frames.at(cpu.eip);
    const bool in_entry_code = row0 && row0->eip_undefined;
    probe_found += by_probe.size() > by_fp.size();
    if (cfi_pcs != by_probe && !in_entry_code) report("with the probe:", by_probe, probed.end());
    if (cfi_pcs == by_fp) {
      ++same;
    } else if (agree(0, 0)) {
      ++one_more;
    } else if (in_entry_code) {
      ++in_entry;  // entry code before its pt_regs: the CPU is between contexts
    } else {
      report("frame pointers:", by_fp, fp.end());
    }
  }
  std::printf("%d of %d points in the kernel: %d the same, %d with callers the frame pointers "
              "skip (found by the probe at %d), %d in entry code; up to %zu frames; rules for %u "
              "functions, %u parts, %u entry symbols\n",
              kernel, kPoints, same, one_more, probe_found, in_entry, deepest, counts.function,
              counts.cold, counts.entry);
  EXPECT_GE(kernel, kPoints / 4);
  EXPECT_GE(deepest, 5u);
  std::string all;
  for (const std::string& d : disagree) all += d + "\n";
  EXPECT_TRUE(disagree.empty()) << disagree.size() << " points disagree:\n" << all;
}

}  // namespace
}  // namespace tandem::test
