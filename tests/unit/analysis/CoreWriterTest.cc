#include "analysis/CoreWriter.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>

#include "analysis/ProcessImage.h"
#include "tests/unit/analysis/CraftedTasks.h"
#include "tests/unit/analysis/ElfBytes.h"

namespace tandem {
namespace {

using testing::CraftedMemory;
using testing::CraftedTasks;
using testing::at;

// The crafted kernel with a user process "sh" (pid 57): code, data and a
// stack page, its registers saved on its kernel stack, and its auxiliary
// vector and command line in its mm.
struct Process {
  CraftedMemory m;
  CraftedTasks k{m};
  const CraftedTasks::Task& sh = k.tasks[5];
  uint32_t code = m.allocPage(), data = m.allocPage(), stack = m.allocPage();

  Process() {
    m.mapUserPage(sh.pgd_phys, 0x08048000, code, false);
    m.mapUserPage(sh.pgd_phys, 0x08049000, data, true);
    m.mapUserPage(sh.pgd_phys, 0xBFFFE000, stack, true);
    const char text[] = "\x55\x89\xe5\x90";
    m.put(code + CraftedMemory::kPageOffset + 0x10, text, 4);
    m.put(stack + CraftedMemory::kPageOffset + 0xF80, "/bin/sh\0-l\0", 11);
    // pt_regs below the 8-byte padding at the top of the kernel stack; the
    // selectors' upper halves hold junk, as pushes may leave there.
    uint32_t regs[17] = {1, 2, 3, 4, 5, 0xBFFFEF10, 0xFFFFFDFE, 0xABCD007B, 0x7B, 0, 0x33,
                         3, 0x08048012, 0x12340073, 0x246, 0xBFFFEF00, 0x7B};
    m.put(sh.stack + 8192 - 8 - sizeof regs, regs, sizeof regs);
    uint32_t mm_words[] = {0xBFFFEF80, 0xBFFFEF8B, 0xBFFFEF8B, 0xBFFFEF90,  // args, env
                           16, 0x1234, 6, 4096, 3, 0x08048034, 4, 32, 5, 8, 9, 0x08048010, 0, 0};
    m.put(sh.mm + 0x100, mm_words, sizeof mm_words);
  }

  ProcessImage capture(const CpuState& cpu) {
    auto tasks = TaskList::read(m.kernel(), k.textSymbols(), cpu);
    EXPECT_TRUE(tasks) << tasks.error().message;
    auto img = ProcessImage::capture(m.kernel(), *tasks, *tasks->byPid(57), cpu);
    EXPECT_TRUE(img) << img.error().message;
    return std::move(*img);
  }
};

TEST(ProcessImage, CapturesUserPagesSavedRegistersAuxvAndArguments) {
  Process p;
  ProcessImage img = p.capture(p.k.cpu());
  ASSERT_EQ(img.segments().size(), 3u);
  EXPECT_EQ(img.segments()[0].virt, 0x08048000u);
  EXPECT_FALSE(img.segments()[0].writable);
  EXPECT_EQ(img.segments()[0].data.size(), 4096u);
  EXPECT_EQ(img.segments()[0].data[0x10], 0x55);
  EXPECT_EQ(img.segments()[1].virt, 0x08049000u);
  EXPECT_TRUE(img.segments()[1].writable);
  EXPECT_EQ(img.segments()[2].virt, 0xBFFFE000u);
  EXPECT_EQ(img.regs().eip, 0x08048012u);
  EXPECT_EQ(img.regs().esp, 0xBFFFEF00u);
  EXPECT_EQ(img.regs().cs, 0x73u);
  EXPECT_EQ(img.regs().ds, 0x7Bu);
  EXPECT_EQ(img.regs().eax, 0xFFFFFDFEu);
  ASSERT_EQ(img.auxv().size(), 7u);
  EXPECT_EQ(img.auxv()[1], (std::pair<uint32_t, uint32_t>{6, 4096}));
  EXPECT_EQ(img.args(), "/bin/sh -l");
}

TEST(ProcessImage, ATaskRunningInUserModeHasTheCpusRegisters) {
  Process p;
  CpuState cpu = p.k.cpu();
  cpu.seg[CS].selector = 0x73;
  cpu.eip = 0x08048011;
  cpu.gpr[ESP] = 0xBFFFEE00;
  cpu.gpr[EAX] = 42;
  ProcessImage img = p.capture(cpu);
  EXPECT_EQ(img.regs().eip, 0x08048011u);
  EXPECT_EQ(img.regs().esp, 0xBFFFEE00u);
  EXPECT_EQ(img.regs().eax, 42u);
}

TEST(ProcessImage, KernelThreadsAndMissingRegistersAreErrors) {
  Process p;
  auto tasks = TaskList::read(p.m.kernel(), p.k.textSymbols(), p.k.cpu());
  ASSERT_TRUE(tasks);
  EXPECT_FALSE(ProcessImage::capture(p.m.kernel(), *tasks, *tasks->byPid(2), p.k.cpu()));
  // pid 1 has a page directory but no user memory and no saved registers.
  auto init = ProcessImage::capture(p.m.kernel(), *tasks, *tasks->byPid(1), p.k.cpu());
  ASSERT_FALSE(init);
  EXPECT_NE(init.error().message.find("pid 1 (init)"), std::string::npos);
}

TEST(ProcessImage, PageTablesMappingOneFrameEverywhereAreRefused) {
  Process p;
  // Every 4 MiB of the user half mapped, with large pages, to physical 0.
  for (uint32_t i = 0; i < 768; ++i) p.m.setPde(p.sh.pgd_phys, i, 0x87);
  auto tasks = TaskList::read(p.m.kernel(), p.k.textSymbols(), p.k.cpu());
  ASSERT_TRUE(tasks);
  auto img = ProcessImage::capture(p.m.kernel(), *tasks, *tasks->byPid(57), p.k.cpu());
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message.find("maps more than 1024 MiB"), std::string::npos)
      << img.error().message;
}

TEST(CoreWriter, WritesNotesAndOneLoadSegmentPerRun) {
  Process p;
  ProcessImage img = p.capture(p.k.cpu());
  auto core = CoreWriter::build(img);
  auto eh = at<Elf32_Ehdr>(core, 0);
  ASSERT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(eh.e_type, ET_CORE);
  EXPECT_EQ(eh.e_machine, EM_386);
  ASSERT_EQ(eh.e_phnum, 4);
  auto note = at<Elf32_Phdr>(core, eh.e_phoff);
  ASSERT_EQ(note.p_type, uint32_t{PT_NOTE});
  std::vector<uint32_t> types;
  for (size_t off = note.p_offset; off < note.p_offset + note.p_filesz;) {
    auto n = at<Elf32_Nhdr>(core, off);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&core[off + 12])), "CORE");
    size_t desc = off + 12 + 8;
    types.push_back(n.n_type);
    if (n.n_type == NT_PRSTATUS) {
      EXPECT_EQ(n.n_descsz, 144u);
      EXPECT_EQ(at<int32_t>(core, desc + 24), 57);            // pr_pid
      EXPECT_EQ(at<int32_t>(core, desc + 28), 1);             // pr_ppid
      EXPECT_EQ(at<uint32_t>(core, desc + 72 + 12 * 4), 0x08048012u);  // eip in pr_reg
    }
    if (n.n_type == NT_PRPSINFO) {
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(&core[desc + 28])), "sh");
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(&core[desc + 44])), "/bin/sh -l");
    }
    off = desc + ((n.n_descsz + 3) & ~3u);
  }
  EXPECT_EQ(types, (std::vector<uint32_t>{NT_PRSTATUS, NT_PRPSINFO, NT_AUXV}));
  for (int i = 1; i < 4; ++i) {
    auto ph = at<Elf32_Phdr>(core, eh.e_phoff + i * sizeof(Elf32_Phdr));
    const UserSegment& s = img.segments()[i - 1];
    EXPECT_EQ(ph.p_type, uint32_t{PT_LOAD});
    EXPECT_EQ(ph.p_vaddr, s.virt);
    EXPECT_EQ(ph.p_offset % 4096, 0u);
    EXPECT_EQ(ph.p_flags & PF_W, s.writable ? uint32_t{PF_W} : 0u);
    ASSERT_LE(ph.p_offset + ph.p_filesz, core.size());
    EXPECT_EQ(std::memcmp(&core[ph.p_offset], s.data.data(), s.data.size()), 0);
  }
}

}  // namespace
}  // namespace tandem
