// The guest kernel's processes, read from task_structs in guest memory.
// The default guest's kernel has neither debug info nor data symbols
// (CONFIG_KALLSYMS_ALL is off), so both the structure offsets and the
// addresses of init_task and the per-CPU current_task are discovered from
// what the kernel must hold, and checked across every task:
//   init_task  its comm is "swapper/0": found with the init_task symbol,
//              or else by searching the kernel's memory for that name
//   tasks      the list_head whose list runs through tasks with names for
//              a comm, doubly linked, back to init_task (the longest such)
//   real_parent  init_task for itself and pids 1 and 2, pid 2 for pid 3;
//              its value in init_task is where init_task starts
//   pid, tgid  adjacent; 0, 1, 2 for the first three tasks, distinct and
//              equal for every task on the list (they are group leaders)
//   mm         0 in init_task and kthreadd; in pid 1 and every other user
//              task equal to active_mm, which follows it
//   mm->pgd    in every user task's mm, a page directory that maps the
//              kernel like the CPU's own
//   stack      THREAD_SIZE-aligned, mapped and distinct in every task
//   current    CPU 0's per-CPU current_task: the per-CPU base is the base
//              of GDT entry 27 (__KERNEL_PERCPU); the variable is the
//              current_task symbol or, without it, the %fs-relative
//              address kernel code reads most (every `current`)
// A layout found once can be reused for other states of the same kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/KernelSymbols.h"
#include "vmm/Result.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

// Where things are in one kernel build: byte offsets inside task_struct
// (and mm_struct for mm_pgd) and two kernel addresses.
struct TaskLayout {
  uint32_t init_task;    // address of init_task
  uint32_t current_var;  // link address of the per-CPU current_task (0: unknown)
  uint32_t tasks;
  uint32_t pid;  // tgid at pid + 4
  uint32_t comm;
  uint32_t mm;   // active_mm at mm + 4
  uint32_t stack;
  uint32_t real_parent;
  uint32_t mm_pgd;
  uint32_t thread_size;  // bytes of each kernel stack
};
static_assert(std::is_trivially_copyable_v<TaskLayout>);

struct TaskInfo {
  uint32_t address;  // of the task_struct
  int32_t pid;
  int32_t tgid;
  int32_t ppid;      // the real parent's tgid (0 for init_task)
  std::string comm;
  uint32_t mm;       // 0 for kernel threads
  uint32_t stack;    // lowest address of the kernel stack
  uint32_t pgd;      // the page directory's kernel virtual address (0: none)
  bool kernelThread() const { return mm == 0; }
};

class TaskList {
 public:
  // Discovers the layout (unless `known` is given) and reads every task;
  // `cpu` is the CPU of the same moment (for the per-CPU base).
  static Result<TaskList> read(const GuestView& kernel, const KernelSymbols& symbols,
                               const CpuState& cpu,
                               const std::optional<TaskLayout>& known = std::nullopt);
  static Result<TaskLayout> discoverLayout(const GuestView& kernel, const KernelSymbols& symbols,
                                           const CpuState& cpu);
  // One task_struct at `address` with `layout`.
  static Result<TaskInfo> readTask(const GuestView& kernel, const TaskLayout& layout,
                                   uint32_t address);
  // CPU 0's per-CPU offset: the base of GDT entry 27 (__KERNEL_PERCPU).
  static std::optional<uint32_t> perCpuBase(const GuestView& kernel, const CpuState& cpu);

  const TaskLayout& layout() const { return layout_; }
  // init_task first, then in the kernel's list order (thread-group leaders).
  const std::vector<TaskInfo>& tasks() const { return tasks_; }
  const TaskInfo* byPid(int32_t pid) const;
  // What CPU 0 runs (its per-CPU current_task); nullopt if unreadable.
  const std::optional<TaskInfo>& current() const { return current_; }

 private:
  static Result<TaskLayout> layoutFromComm(const GuestView& kernel, uint32_t comm);
  static uint32_t findCurrentVar(const GuestView& kernel, const KernelSymbols& symbols,
                                 const CpuState& cpu, const TaskLayout& layout,
                                 const std::vector<uint32_t>& tasks);

  TaskLayout layout_{};
  std::vector<TaskInfo> tasks_;
  std::optional<TaskInfo> current_;
};

}  // namespace tandem
