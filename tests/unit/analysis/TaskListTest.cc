#include "analysis/TaskList.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/analysis/CraftedTasks.h"

namespace tandem {
namespace {

using testing::CraftedMemory;
using testing::CraftedTasks;

void expectCraftedLayout(const TaskLayout& L, const CraftedTasks& k) {
  EXPECT_EQ(L.init_task, k.tasks[0].addr);
  EXPECT_EQ(L.tasks, CraftedTasks::kTasks);
  EXPECT_EQ(L.pid, CraftedTasks::kPid);
  EXPECT_EQ(L.comm, CraftedTasks::kComm);
  EXPECT_EQ(L.mm, CraftedTasks::kMm);
  EXPECT_EQ(L.stack, CraftedTasks::kStack);
  EXPECT_EQ(L.real_parent, CraftedTasks::kRealParent);
  EXPECT_EQ(L.mm_pgd, CraftedTasks::kPgd);
  EXPECT_EQ(L.thread_size, 8192u);
}

TEST(TaskList, DiscoversTheLayoutWithoutDataSymbols) {
  CraftedMemory m;
  CraftedTasks k(m);
  auto list = TaskList::read(m.kernel(), k.textSymbols(), k.cpu());
  ASSERT_TRUE(list) << list.error().message;
  expectCraftedLayout(list->layout(), k);
  EXPECT_EQ(list->layout().current_var, CraftedTasks::kCurrentVar);
  ASSERT_EQ(list->tasks().size(), 6u);
  const TaskInfo* sh = list->byPid(57);
  ASSERT_TRUE(sh);
  EXPECT_EQ(sh->comm, "sh");
  EXPECT_EQ(sh->ppid, 1);
  EXPECT_EQ(sh->stack, k.tasks[5].stack);
  EXPECT_EQ(sh->pgd, k.tasks[5].pgd_phys + CraftedMemory::kPageOffset);
  EXPECT_FALSE(sh->kernelThread());
  EXPECT_TRUE(list->byPid(2)->kernelThread());
  EXPECT_EQ(list->byPid(3)->ppid, 2);
  EXPECT_EQ(list->tasks()[0].comm, "swapper/0");
  ASSERT_TRUE(list->current());
  EXPECT_EQ(list->current()->pid, 57);
}

TEST(TaskList, UsesDataSymbolsWhenTheKernelHasThem) {
  CraftedMemory m;
  CraftedTasks k(m);
  uint32_t other_var = CraftedTasks::kCurrentVar + 0x40;
  m.put32(k.percpu_area + (other_var & 0xFFF), k.tasks[1].addr);
  KernelSymbols syms({{CraftedTasks::kText, 'T', "_text"},
                      {CraftedTasks::kText + CraftedTasks::kTextSize, 'T', "_etext"},
                      {k.tasks[0].addr, 'D', "init_task"},
                      {other_var, 'D', "current_task"}});
  auto list = TaskList::read(m.kernel(), syms, k.cpu());
  ASSERT_TRUE(list) << list.error().message;
  expectCraftedLayout(list->layout(), k);
  EXPECT_EQ(list->layout().current_var, other_var);
  EXPECT_EQ(list->current()->comm, "init");
}

TEST(TaskList, AKnownLayoutReadsALaterState) {
  CraftedMemory m;
  CraftedTasks k(m);
  auto first = TaskList::read(m.kernel(), k.textSymbols(), k.cpu());
  ASSERT_TRUE(first) << first.error().message;
  k.add("cat", 99, true, 5);
  k.setCurrent(k.tasks[0].addr);
  auto later = TaskList::read(m.kernel(), k.textSymbols(), k.cpu(), first->layout());
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(later->tasks().size(), 7u);
  EXPECT_EQ(later->byPid(99)->ppid, 57);
  EXPECT_EQ(later->current()->pid, 0);
}

TEST(TaskList, ABrokenTaskListIsAnError) {
  CraftedMemory m;
  CraftedTasks k(m);
  auto good = TaskList::read(m.kernel(), k.textSymbols(), k.cpu());
  ASSERT_TRUE(good);
  // kthreadd's tasks.prev no longer points back at init.
  m.put32(k.tasks[2].addr + CraftedTasks::kTasks + 4, k.tasks[4].addr + CraftedTasks::kTasks);
  EXPECT_FALSE(TaskList::read(m.kernel(), k.textSymbols(), k.cpu(), good->layout()));
  EXPECT_FALSE(TaskList::read(m.kernel(), k.textSymbols(), k.cpu()));
}

TEST(TaskList, RandomMemoryGivesAnErrorNotACrash) {
  std::mt19937 rng(7);
  for (int round = 0; round < 4; ++round) {
    CraftedMemory m(8u << 20);
    // Random words, many of them pointers into the direct map, around a
    // "swapper/0" that the search will find.
    for (uint32_t a = 0x100000; a < 0x180000; a += 4) {
      uint32_t w = rng();
      if (w & 1) w = CraftedMemory::kPageOffset + (w % (8u << 20) & ~3u);
      m.put32(CraftedMemory::kPageOffset + a, w);
    }
    m.putString(CraftedMemory::kPageOffset + 0x140000 + round * 4, "swapper/0");
    KernelSymbols syms({{0xC0000000, 'T', "_text"}, {0xC0001000, 'T', "_etext"}});
    CpuState cpu{};
    cpu.cr0 = cr0::PE | cr0::PG;
    cpu.cr3 = CraftedMemory::kPageDirectory;
    cpu.cr4 = cr4::PSE;
    EXPECT_FALSE(TaskList::read(m.kernel(), syms, cpu));
  }
}

}  // namespace
}  // namespace tandem
