// A few task_structs laid out by hand (with offsets unknown to the code
// under test), linked the way Linux links them, plus the symbols the task
// code looks for.
#pragma once

#include <string>
#include <vector>

#include "analysis/KernelSymbols.h"
#include "tests/unit/analysis/CraftedMemory.h"

namespace tandem::testing {

struct CraftedTasks {
  // The layout the test kernel uses.
  static constexpr uint32_t kSize = 0x900, kTasks = 0x2F0, kChildren = 0x2F8, kSibling = 0x300,
                            kPid = 0x3A0, kComm = 0x560, kMm = 0x308, kStack = 0x14,
                            kRealParent = 0x3B0, kPgd = 0x28, kMmSize = 0x400,
                            kSavedAuxv = 0x100;

  struct Task {
    uint32_t addr;
    uint32_t stack;
    uint32_t mm;
    uint32_t pgd_phys;
  };

  explicit CraftedTasks(CraftedMemory& m) : m(m) {
    swapper_pg_dir = m.alloc(4096, 4096);
    init_mm = m.alloc(kMmSize);
    m.put32(init_mm + kPgd, swapper_pg_dir);
    init_stack = m.alloc(8192, 8192);
    percpu_var = m.alloc(4);
    per_cpu_offset = m.alloc(4 * 8);
    percpu_area = m.alloc(64);
    m.put32(per_cpu_offset, percpu_area - percpu_var);
    tasks.push_back(makeTask("swapper/0", 0, false, 0));
    m.put32(tasks[0].addr + kStack, init_stack);
    m.put32(tasks[0].addr + kMm + 4, init_mm);  // active_mm
    m.put32(tasks[0].addr + kRealParent, tasks[0].addr);
    // An empty list in init_task (points to itself) must not be taken.
    m.put32(tasks[0].addr + 0x40, tasks[0].addr + 0x40);
    m.put32(tasks[0].addr + 0x44, tasks[0].addr + 0x40);
    add("init", 1, true, 0);
    add("kthreadd", 2, false, 0);
    add("rcu_gp", 3, false, 2);
    add("kworker/0:0", 4, false, 2);
    add("sh", 57, true, 1);
    // init_task's children: pid 1 and 2, linked through their sibling fields.
    link(kChildren, kSibling, {tasks[0].addr, tasks[1].addr, tasks[2].addr});
    relinkTasks();
    setCurrent(tasks.back().addr);
  }

  Task& add(const std::string& comm, uint32_t pid, bool user, size_t parent) {
    Task t = makeTask(comm, pid, user, tasks[parent].addr);
    tasks.push_back(t);
    relinkTasks();
    return tasks.back();
  }

  void setCurrent(uint32_t task) { m.put32(percpu_area, task); }

  KernelSymbols symbols() const {
    return KernelSymbols({{tasks[0].addr, 'D', "init_task"},
                          {init_mm, 'D', "init_mm"},
                          {swapper_pg_dir, 'D', "swapper_pg_dir"},
                          {init_stack, 'D', "init_stack"},
                          {init_stack + 8192, 'D', "__end_init_task"},
                          {percpu_var, 'D', "current_task"},
                          {per_cpu_offset, 'D', "__per_cpu_offset"},
                          {percpu_area, 'd', "percpu_area"}});
  }

  CraftedMemory& m;
  std::vector<Task> tasks;
  uint32_t swapper_pg_dir, init_mm, init_stack, percpu_var, per_cpu_offset, percpu_area;

 private:
  Task makeTask(const std::string& comm, uint32_t pid, bool user, uint32_t parent) {
    Task t{};
    t.addr = m.alloc(kSize, 64);
    t.stack = m.alloc(8192, 8192);
    m.putString(t.addr + kComm, comm);
    m.put32(t.addr + kPid, pid);
    m.put32(t.addr + kPid + 4, pid);
    m.put32(t.addr + kStack, t.stack);
    m.put32(t.addr + kRealParent, parent);
    m.put32(t.addr + kRealParent + 4, parent);
    // Fields that look like pids in the first tasks but are not (prio, a counter).
    m.put32(t.addr + 0x20, 120);
    m.put32(t.addr + 0x24, pid);
    if (user) {
      t.mm = m.alloc(kMmSize);
      t.pgd_phys = m.allocPage();
      // The kernel half of every page directory is swapper's.
      for (uint32_t i = 768; i < 1024; ++i) {
        uint32_t e = 0;
        (void)m.mem.read(GuestPhys(CraftedMemory::kPageDirectory + i * 4), &e, 4);
        m.setPde(t.pgd_phys, i, e);
      }
      m.put32(t.mm + kPgd, t.pgd_phys + CraftedMemory::kPageOffset);
      m.put32(t.addr + kMm, t.mm);
      m.put32(t.addr + kMm + 4, t.mm);
    }
    return t;
  }

  // A circular list through field `node` of every task in `members`, whose
  // head is `head` in the first one.
  void link(uint32_t head, uint32_t node, const std::vector<uint32_t>& members) {
    std::vector<uint32_t> nodes = {members[0] + head};
    for (size_t i = 1; i < members.size(); ++i) nodes.push_back(members[i] + node);
    for (size_t i = 0; i < nodes.size(); ++i) {
      m.put32(nodes[i], nodes[(i + 1) % nodes.size()]);
      m.put32(nodes[i] + 4, nodes[(i + nodes.size() - 1) % nodes.size()]);
    }
  }

  void relinkTasks() {
    std::vector<uint32_t> all;
    for (const Task& t : tasks) all.push_back(t.addr);
    link(kTasks, kTasks, all);
  }
};

}  // namespace tandem::testing
