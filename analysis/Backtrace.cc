#include "analysis/Backtrace.h"

#include <cstdio>
#include <set>

namespace tandem {
namespace {

constexpr size_t kMaxStackSwitches = 3;
// i386 struct pt_regs: bx cx dx si di bp ax ds es fs gs orig_ax ip cs flags sp ss.
constexpr uint32_t kRegsWords = 17;
constexpr uint32_t kRegsBp = 5, kRegsIp = 12, kRegsCs = 13, kRegsSp = 15;

std::string where(const KernelSymbols& symbols, uint32_t pc, bool return_address) {
  // A return address may be the first byte after a call to a function that
  // does not return: look up the call instruction's function instead.
  if (!return_address) return symbols.describe(pc);
  auto hit = symbols.lookup(pc - 1);
  if (!hit) return symbols.describe(pc);
  ++hit->offset;
  return KernelSymbols::describe(*hit);
}

}  // namespace

Backtrace Backtrace::fromCpu(const GuestView& kernel, const KernelSymbols& symbols,
                             const CpuState& cpu, uint32_t thread_size,
                             const FramelessProbe& frameless) {
  if (cpu.seg[CS].selector & 3) {
    // User mode: the kernel stack holds nothing of what runs now.
    Backtrace bt;
    bt.frames_.push_back({cpu.eip, 0, symbols.describe(cpu.eip), false});
    bt.end_ = "user mode";
    return bt;
  }
  return walk(kernel, symbols, cpu.eip, cpu.gpr[EBP], cpu.gpr[ESP], thread_size, frameless);
}

Backtrace Backtrace::walk(const GuestView& kernel, const KernelSymbols& symbols, uint32_t eip,
                          uint32_t ebp, uint32_t esp, uint32_t thread_size,
                          const FramelessProbe& frameless) {
  Backtrace bt;
  if (thread_size < kPageSize || (thread_size & (thread_size - 1))) thread_size = 8192;
  const uint32_t block_mask = ~(thread_size - 1);
  // The caller of code standing at `pc` without a frame of its own, read
  // where its return address lies above `sp`.
  auto callerOfFrameless = [&](uint32_t pc, uint32_t sp) {
    if (!frameless || bt.frames_.size() >= kMaxFrames) return;
    auto depth = frameless(pc);
    if (!depth) return;
    auto ret = kernel.u32(sp + *depth - 4);
    if (ret && symbols.isText(*ret)) bt.frames_.push_back({*ret, 0, where(symbols, *ret, true), false});
  };
  bt.frames_.push_back({eip, 0, where(symbols, eip, false), false});
  callerOfFrameless(eip, esp);
  uint32_t block = esp & block_mask;
  size_t switches = 0;
  std::set<uint32_t> visited;
  uint32_t bp = ebp;
  uint32_t lowest = esp;  // frames live above the stack pointer
  // Below PAGE_OFFSET is user memory: the system call entry's frame pointer
  // is the user program's.
  const uint32_t user_end = symbols.imageOffset(kernel).value_or(0);
  while (bt.frames_.size() < kMaxFrames) {
    if (bp == 0) {
      bt.end_ = "end of chain";
      return bt;
    }
    if (bp < user_end) {
      bt.end_ = "user mode";
      return bt;
    }
    if (bp & 3) {
      bt.end_ = "misaligned frame pointer";
      return bt;
    }
    if ((bp & block_mask) != block) {
      if (switches == kMaxStackSwitches) {
        bt.end_ = "frame pointer leaves the stack";
        return bt;
      }
      ++switches;
      block = bp & block_mask;
      lowest = block;
    } else if (bp < lowest) {
      bt.end_ = "frame pointer goes down the stack";
      return bt;
    }
    if (!visited.insert(bp).second) {
      bt.end_ = "loop in the frame chain";
      return bt;
    }
    auto next = kernel.u32(bp), ret = kernel.u32(bp + 4);
    if (!next || !ret) {
      bt.end_ = "frame not mapped";
      return bt;
    }
    if (!symbols.isText(*ret)) {
      bt.end_ = "return address outside kernel text";
      return bt;
    }
    bt.frames_.push_back({*ret, bp, where(symbols, *ret, true), false});
    lowest = bp + 8;
    if (*next != 0 && !(*next & 0x80000000u)) {
      // An entry frame: *next with bit 31 set is the interrupted pt_regs,
      // which lies on this stack. Anything else ends the chain (the first
      // kernel frames hold what early boot code left in EBP).
      uint32_t regs_at = *next | 0x80000000u;
      uint32_t regs[kRegsWords];
      if ((regs_at & block_mask) != block || !kernel.read(regs_at, regs, sizeof regs)) {
        bt.end_ = "end of chain";
        return bt;
      }
      if (regs[kRegsCs] & 3) {
        bt.end_ = "user mode";
        return bt;
      }
      if (regs[kRegsCs] == 0) {
        // A kernel thread's first pt_regs: all zero, nothing was interrupted.
        bt.end_ = "end of chain";
        return bt;
      }
      if (bt.frames_.size() == kMaxFrames) break;
      bt.frames_.push_back({regs[kRegsIp], regs_at, where(symbols, regs[kRegsIp], false), true});
      // The entry code stores the interrupted esp in pt_regs.sp for kernel
      // mode too.
      callerOfFrameless(regs[kRegsIp], regs[kRegsSp]);
      bp = regs[kRegsBp];
      lowest = regs_at + sizeof regs;
      continue;
    }
    bp = *next;
  }
  bt.end_ = "too many frames";
  return bt;
}

bool Backtrace::contains(std::string_view name) const {
  for (const auto& f : frames_) {
    std::string_view w = f.where;
    if (w.size() <= name.size() || w.substr(0, name.size()) != name) continue;
    // "name+0x..", or a part the compiler split off: "name.cold+0x..".
    if (w[name.size()] == '+' || w[name.size()] == '.') return true;
  }
  return false;
}

std::string Backtrace::format() const {
  std::string out;
  char buf[40];
  for (size_t i = 0; i < frames_.size(); ++i) {
    std::snprintf(buf, sizeof buf, " #%zu 0x%08x ", i, frames_[i].pc);
    out += buf;
    out += frames_[i].where;
    if (frames_[i].exception) out += " (interrupted)";
    out += '\n';
  }
  return out;
}

}  // namespace tandem
