// A few task_structs laid out by hand (with offsets the code under test
// does not know), linked the way Linux links them, with the rest of what
// task discovery looks at: a GDT whose entry 27 is the per-CPU segment, a
// per-CPU current_task, kernel text that reads it through %fs, and text
// symbols that say where the kernel image is mapped.
#pragma once

#include <string>
#include <vector>

#include "analysis/KernelSymbols.h"
#include "tests/unit/analysis/CraftedMemory.h"
#include "vmm/cpu/CpuState.h"

namespace tandem::testing {

struct CraftedTasks {
  static constexpr uint32_t kSize = 0x900, kTasks = 0x2F0, kChildren = 0x2F8, kSibling = 0x300,
                            kPid = 0x3A0, kComm = 0x560, kMm = 0x308, kStack = 0x14,
                            kRealParent = 0x3B0, kPgd = 0x28, kMmSize = 0x400;
  static constexpr uint32_t kText = 0xC0800000, kTextSize = 0x2000;
  static constexpr uint32_t kCurrentVar = 0xC0A00010;  // link address in the per-CPU template

  struct Task {
    uint32_t addr;
    uint32_t stack;
    uint32_t mm;
    uint32_t pgd_phys;
  };

  explicit CraftedTasks(CraftedMemory& m) : m(m) {
    // A decoy name in "rodata" that leads nowhere.
    m.putString(m.alloc(32), "swapper/0");
    percpu_area = m.alloc(4096, 4096);
    gdt = m.alloc(32 * 8, 8);
    uint32_t base = percpu_area - (kCurrentVar & ~0xFFFu);
    uint64_t desc = 0x00CF92000000FFFFull;  // present, writable data, flat limit
    desc |= uint64_t{base & 0xFFFFFF} << 16 | uint64_t{base >> 24} << 56;
    m.put64(gdt + 27 * 8, desc);
    // Kernel code reading %fs:current_task most, and another variable less.
    uint32_t at = kText;
    auto fsLoad = [&](uint32_t var, bool eax) {
      uint8_t insn[7] = {0x64, 0x8B, 0x1D};  // mov %fs:disp32, %ebx
      uint32_t len = 7;
      if (eax) {
        insn[1] = 0xA1;  // mov %fs:disp32, %eax
        std::memcpy(insn + 2, &var, 4);
        len = 6;
      } else {
        std::memcpy(insn + 3, &var, 4);
      }
      m.put(at, insn, len);
      at += len + 3;
    };
    for (int i = 0; i < 6; ++i) fsLoad(kCurrentVar, i % 2);
    for (int i = 0; i < 3; ++i) fsLoad(kCurrentVar + 0x40, true);

    init_stack = m.alloc(8192, 8192);
    tasks.push_back(makeTask("swapper/0", 0, false, 0));
    m.put32(tasks[0].addr + kStack, init_stack);
    m.put32(tasks[0].addr + kRealParent, tasks[0].addr);
    m.put32(tasks[0].addr + kRealParent + 4, tasks[0].addr);
    // An empty list in init_task points to itself and must not be taken.
    m.put32(tasks[0].addr + 0x40, tasks[0].addr + 0x40);
    m.put32(tasks[0].addr + 0x44, tasks[0].addr + 0x40);
    add("init", 1, true, 0);
    add("kthreadd", 2, false, 0);
    add("rcu_gp", 3, false, 2);
    add("kworker/0:0", 4, false, 2);
    add("sh", 57, true, 1);
    // init_task's children, pids 1 and 2, linked through their siblings.
    link(kChildren, kSibling, {tasks[0].addr, tasks[1].addr, tasks[2].addr});
    setCurrent(tasks.back().addr);
  }

  Task& add(const std::string& comm, uint32_t pid, bool user, size_t parent) {
    tasks.push_back(makeTask(comm, pid, user, tasks[parent].addr));
    std::vector<uint32_t> all;
    for (const Task& t : tasks) all.push_back(t.addr);
    link(kTasks, kTasks, all);
    return tasks.back();
  }

  void setCurrent(uint32_t task) { m.put32(percpu_area + (kCurrentVar & 0xFFF), task); }

  // Text symbols only, like a kernel without CONFIG_KALLSYMS_ALL.
  KernelSymbols textSymbols() const {
    return KernelSymbols({{kText, 'T', "_text"}, {kText, 'T', "_stext"},
                          {kText + kTextSize, 'T', "_etext"}});
  }

  CpuState cpu() const {
    CpuState c{};
    c.cr0 = cr0::PE | cr0::PG;
    c.cr3 = CraftedMemory::kPageDirectory;
    c.cr4 = cr4::PSE;
    c.gdtr = TableRegister{gdt, 32 * 8 - 1};
    c.seg[CS].selector = 0x60;
    return c;
  }

  CraftedMemory& m;
  std::vector<Task> tasks;
  uint32_t init_stack, percpu_area, gdt;

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
    // Fields that look like a pid in the first tasks but are not one.
    m.put32(t.addr + 0x20, 120);
    m.put32(t.addr + 0x24, pid);
    if (user) {
      t.mm = m.alloc(kMmSize);
      t.pgd_phys = m.allocPage();
      // The kernel half of every page directory is the kernel's.
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
  // head is field `head` of the first one.
  void link(uint32_t head, uint32_t node, const std::vector<uint32_t>& members) {
    std::vector<uint32_t> nodes = {members[0] + head};
    for (size_t i = 1; i < members.size(); ++i) nodes.push_back(members[i] + node);
    for (size_t i = 0; i < nodes.size(); ++i) {
      m.put32(nodes[i], nodes[(i + 1) % nodes.size()]);
      m.put32(nodes[i] + 4, nodes[(i + nodes.size() - 1) % nodes.size()]);
    }
  }
};

}  // namespace tandem::testing
