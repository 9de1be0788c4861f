// A test program running natively under ptrace, single-stepped one
// instruction (one REP iteration) at a time, with its i386 registers, x87
// state and memory readable between steps.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "tests/diff/CaseLayout.h"
#include "vmm/Result.h"

namespace tandem::diff {

// The i386 register set as PTRACE_GETREGSET(NT_PRSTATUS) returns it for a
// 32-bit tracee (struct user_regs_struct of i386).
struct NativeRegs {
  uint32_t ebx, ecx, edx, esi, edi, ebp, eax, ds, es, fs, gs, orig_eax, eip, cs, eflags, esp, ss;
  // In the machine's order EAX ECX EDX EBX ESP EBP ESI EDI.
  void gprs(uint32_t out[8]) const {
    const uint32_t g[8] = {eax, ecx, edx, ebx, esp, ebp, esi, edi};
    for (int i = 0; i < 8; ++i) out[i] = g[i];
  }
};
static_assert(sizeof(NativeRegs) == 68);

class NativeTracee {
 public:
  // Starts `path` stopped at its first instruction.
  static Result<std::unique_ptr<NativeTracee>> start(const std::string& path);
  ~NativeTracee();
  NativeTracee(const NativeTracee&) = delete;
  NativeTracee& operator=(const NativeTracee&) = delete;

  // Executes one instruction. Returns 0, or the signal (other than the
  // step's SIGTRAP) the instruction raised; the signal is not delivered.
  Result<int> step();
  Result<NativeRegs> regs();
  Result<FsaveImage> fpu();
  [[nodiscard]] bool read(uint32_t addr, void* out, size_t len);
  [[nodiscard]] bool write(uint32_t addr, const void* in, size_t len);

 private:
  explicit NativeTracee(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  int mem_fd_ = -1;
};

}  // namespace tandem::diff
