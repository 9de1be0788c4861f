// A frame-pointer backtrace of a kernel stack (the default guest's kernel is
// built with CONFIG_FRAME_POINTER): [EBP] holds the caller's EBP and
// [EBP+4] the return address. The i386 entry code marks an interrupt or
// exception frame by storing its pt_regs address with bit 31 cleared in
// EBP; the walk follows that into the interrupted context. Where the code
// the CPU stands in has no frame of its own yet (or none at all), a
// FramelessProbe lets the walk find the caller the chain skips.
//
// Garbage in guest memory cannot make the walk loop or stray: frames must
// move upwards within one kernel stack (a THREAD_SIZE-aligned block; a few
// moves to another block are allowed, for interrupt stacks), no frame is
// visited twice, every return address must be kernel text, and the walk
// stops after kMaxFrames.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/KernelSymbols.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

struct BacktraceFrame {
  uint32_t pc;        // the current instruction (frame 0, exception frames) or a return address
  uint32_t frame;     // the EBP this frame was found through
  std::string where;  // "function+0x1c/0x80"
  bool exception;     // the state an interrupt or exception interrupted
};

class Backtrace {
 public:
  static constexpr size_t kMaxFrames = 64;

  // For the code the CPU stands in (frame 0, and what an exception or
  // interrupt stopped): the distance from esp up to the CFA when that
  // function has no frame in ebp at that instant (KernelFrames::
  // framelessDepth). The frame-pointer chain skips such a function's
  // caller; with this the walk finds it at esp + depth - 4.
  using FramelessProbe = std::function<std::optional<uint32_t>(uint32_t pc)>;

  static Backtrace walk(const GuestView& kernel, const KernelSymbols& symbols, uint32_t eip,
                        uint32_t ebp, uint32_t esp, uint32_t thread_size = 8192,
                        const FramelessProbe& frameless = {});
  static Backtrace fromCpu(const GuestView& kernel, const KernelSymbols& symbols,
                           const CpuState& cpu, uint32_t thread_size = 8192,
                           const FramelessProbe& frameless = {});

  const std::vector<BacktraceFrame>& frames() const { return frames_; }
  // Why the walk ended ("end of chain", "user mode", "loop", ...).
  const std::string& end() const { return end_; }
  // True if some frame is in function `name` (or in a part of it the
  // compiler split off, such as name.cold).
  bool contains(std::string_view name) const;
  // One line per frame: " #0 0xc1234567 panic+0x1c/0x2b0".
  std::string format() const;

 private:
  std::vector<BacktraceFrame> frames_;
  std::string end_;
};

}  // namespace tandem
