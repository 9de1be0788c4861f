// What a core file needs of one guest process, read from frozen machine
// state: its user memory (every present user page of its page tables), its
// user registers (the pt_regs the kernel saved at the top of its kernel
// stack on entry, or the CPU's own registers if it was running in user
// mode), its auxiliary vector and its command line (both kept in its
// mm_struct: saved_auxv[], and arg_start/arg_end just before it), and
// the whole vDSO image.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/TaskList.h"
#include "vmm/Result.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

// The i386 user register set, in the order of both struct pt_regs and the
// ELF core's elf_gregset_t (user_regs_struct).
struct UserRegs {
  uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
  uint32_t ds, es, fs, gs;
  uint32_t orig_eax, eip, cs, eflags, esp, ss;
};
static_assert(sizeof(UserRegs) == 17 * 4);
static_assert(std::is_trivially_copyable_v<UserRegs>);

struct UserSegment {
  uint32_t virt;
  bool writable;
  std::vector<uint8_t> data;  // whole pages
};

class ProcessImage {
 public:
  // `cpu` is the CPU state of the same moment (its registers are the
  // process's own if `task` is running in user mode).
  static Result<ProcessImage> capture(const GuestView& kernel, const TaskList& tasks,
                                      const TaskInfo& task, const CpuState& cpu);

  const TaskInfo& task() const { return task_; }
  const UserRegs& regs() const { return regs_; }
  const std::vector<UserSegment>& segments() const { return segments_; }
  // (type, value) pairs up to and including AT_NULL; empty if not found.
  const std::vector<std::pair<uint32_t, uint32_t>>& auxv() const { return auxv_; }
  // The command line with spaces between the arguments ("" if not found).
  const std::string& args() const { return args_; }

 private:
  static std::optional<UserRegs> savedRegs(const GuestView& kernel, const GuestView& user,
                                           const TaskInfo& task, uint32_t thread_size);
  void findAuxvAndArgs(const GuestView& kernel, const GuestView& user);
  // Adds the pages of the vDSO (AT_SYSINFO_EHDR) the process never
  // touched, so a debugger finds the vDSO's unwind tables.
  void completeVdso(const GuestView& user);

  TaskInfo task_;
  UserRegs regs_{};
  std::vector<UserSegment> segments_;
  std::vector<std::pair<uint32_t, uint32_t>> auxv_;
  std::string args_;
};

}  // namespace tandem
