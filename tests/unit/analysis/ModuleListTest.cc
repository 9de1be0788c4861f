#include "analysis/ModuleList.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/analysis/CraftedMemory.h"

namespace tandem {
namespace {

using testing::CraftedMemory;

// Crafted kernel memory with modules in the vmalloc area (0xC8800000 on),
// laid out as Linux 6.1 on i386 lays out struct module, module_layout and
// mod_kallsyms, each module on a list whose head is in the kernel image.
class CraftedModules {
 public:
  static constexpr uint32_t kArea = 0xC8800000u;
  static constexpr uint32_t kImageBegin = 0xC0100000u, kImageEnd = 0xC0800000u;
  static constexpr uint32_t kLayoutAt = 256, kKallsymsPtrAt = 372, kKallsymsAt = 376;

  CraftedModules() {
    uint32_t table = k.allocPage();
    k.setPde(CraftedMemory::kPageDirectory, kArea >> 22, table | 3);
    head_ = k.alloc(8);
    k.put32(head_, head_);
    k.put32(head_ + 4, head_);
  }

  struct Symbol {
    uint32_t offset;  // from the module's base
    char type;
    const char* name;
    uint16_t shndx = 1;
  };
  // A module of `pages` pages at the next free place in the area: its code
  // first (`text_pages`), struct module on the last page, symbols after it.
  uint32_t addModule(const char* name, uint32_t pages, uint32_t text_pages,
                     const std::vector<Symbol>& symbols) {
    uint32_t base = next_;
    for (uint32_t i = 0; i < pages; ++i) mapPage(base + i * kPageSize);
    next_ += (pages + 1) * kPageSize;  // a guard page between modules
    uint32_t mod = base + (pages - 1) * kPageSize;
    put32(mod, 0);  // MODULE_STATE_LIVE
    char padded[60] = {};
    std::strncpy(padded, name, sizeof padded - 1);
    put(mod + 12, padded, sizeof padded);
    uint32_t layout[6] = {base, pages * kPageSize, text_pages * kPageSize,
                          (text_pages + 1) * kPageSize, (text_pages + 1) * kPageSize, mod};
    put(mod + kLayoutAt, layout, sizeof layout);
    // symtab, strtab and typetab after struct module (576 bytes).
    uint32_t symtab = mod + 640;
    uint32_t count = static_cast<uint32_t>(symbols.size()) + 1;
    uint32_t typetab = symtab + count * 16;
    uint32_t strtab = typetab + count;
    uint32_t str_off = 1;
    for (uint32_t i = 1; i < count; ++i) {
      const Symbol& s = symbols[i - 1];
      uint32_t sym[4] = {str_off, base + s.offset, 0, 0};
      put(symtab + i * 16, sym, 12);
      put(symtab + i * 16 + 14, &s.shndx, 2);
      put(typetab + i, &s.type, 1);
      put(strtab + str_off, s.name, std::strlen(s.name) + 1);
      str_off += static_cast<uint32_t>(std::strlen(s.name)) + 1;
    }
    uint32_t kallsyms[4] = {symtab, count, strtab, typetab};
    put(mod + kKallsymsAt, kallsyms, sizeof kallsyms);
    put32(mod + kKallsymsPtrAt, mod + kKallsymsAt);
    // list_add(&mod->list, &modules): the newest first.
    uint32_t first = *k.kernel().u32(head_);
    put32(mod + 4, first);
    put32(mod + 8, head_);
    writeWord(first + 4, mod + 4);
    writeWord(head_, mod + 4);
    return mod;
  }

  std::vector<LoadedModule> search() const {
    return ModuleList::search(k.kernel(), 0xC1000000u, 0x100000000ull, kImageBegin, kImageEnd);
  }

  void put(uint32_t virt, const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      uint64_t phys = *k.kernel().translate(virt + static_cast<uint32_t>(i));
      ASSERT_TRUE(k.mem.write(GuestPhys(phys), static_cast<const uint8_t*>(p) + i, 1));
    }
  }
  void put32(uint32_t virt, uint32_t v) { put(virt, &v, 4); }
  void writeWord(uint32_t virt, uint32_t v) {
    if (virt >= kArea) put32(virt, v);
    else k.put32(virt, v);
  }

  CraftedMemory k;

 private:
  void mapPage(uint32_t virt) {
    uint32_t table = 0;
    ASSERT_TRUE(k.mem.read(GuestPhys(CraftedMemory::kPageDirectory + (virt >> 22) * 4), &table, 4));
    uint32_t pte = k.allocPage() | 3;
    ASSERT_TRUE(k.mem.write(GuestPhys((table & ~0xFFFu) + ((virt >> 12) & 0x3FF) * 4), &pte, 4));
  }

  uint32_t head_ = 0;
  uint32_t next_ = kArea;
};

TEST(ModuleList, FindsModulesNewestFirstWithLayoutAndSymbols) {
  CraftedModules c;
  uint32_t a = c.addModule("first_mod", 3, 1, {{0x0, 't', "first_init"}, {0x40, 'T', "first_fn"}});
  uint32_t b = c.addModule("crashy", 4, 2,
                           {{0x10, 't', "crashy_null"}, {0x37, 't', "crashy_write"},
                            {0x100, 'U', "printk", 0}, {0x200, 't', ""}, {0x300, 't', "$x"},
                            {0x2100, 'd', "crashy_data"}});
  std::vector<LoadedModule> mods = c.search();
  ASSERT_EQ(mods.size(), 2u);
  EXPECT_EQ(mods[0].address, b);
  EXPECT_EQ(mods[0].name, "crashy");
  EXPECT_EQ(mods[1].address, a);
  EXPECT_EQ(mods[1].name, "first_mod");
  const LoadedModule& m = mods[0];
  EXPECT_EQ(m.base, CraftedModules::kArea + 4 * kPageSize);
  EXPECT_EQ(m.size, 4 * kPageSize);
  EXPECT_EQ(m.text_size, 2 * kPageSize);
  // Undefined, unnamed and mapping symbols are left out, as the kernel does.
  ASSERT_EQ(m.symbols.size(), 3u);
  EXPECT_EQ(m.symbols[0].name, "crashy_null");
  EXPECT_EQ(m.symbols[2].name, "crashy_data");
  EXPECT_EQ(m.symbols[2].type, 'd');
}

TEST(ModuleList, ModuleAddressesReadAsTheKernelPrintsThem) {
  CraftedModules c;
  c.addModule("crashy", 4, 2, {{0x10, 't', "crashy_null"}, {0x37, 't', "crashy_write"}});
  KernelSymbols k({{CraftedModules::kImageBegin, 'T', "_text"},
                   {CraftedModules::kImageBegin, 'T', "_stext"},
                   {CraftedModules::kImageBegin + 0x1000, 'T', "_etext"},
                   {CraftedModules::kImageEnd, 'B', "_end"}});
  k.setModules(c.search());
  uint32_t base = CraftedModules::kArea;
  EXPECT_EQ(k.describe(base + 0x22), "crashy_null+0x12/0x27 [crashy]");
  // The last function runs to the end of the module's code.
  EXPECT_EQ(k.describe(base + 0x40), "crashy_write+0x9/0x1fc9 [crashy]");
  EXPECT_TRUE(k.isText(base + 0x40));
  EXPECT_FALSE(k.isText(base + 2 * kPageSize));  // data
  EXPECT_EQ(k.describe(base + 0x8), "0xc8800008");  // before the first symbol
  EXPECT_EQ(k.describe(base + 5 * kPageSize), "0xc8805000");  // outside every module
}

TEST(ModuleList, ABrokenListIsNotBelieved) {
  CraftedModules c;
  uint32_t mod = c.addModule("crashy", 2, 1, {{0x10, 't', "crashy_null"}});
  c.put32(mod + 8, mod + 0x100);  // list.prev no longer points back
  EXPECT_TRUE(c.search().empty());
}

TEST(ModuleList, AModuleWithoutALayoutKeepsItsName) {
  CraftedModules c;
  uint32_t mod = c.addModule("crashy", 2, 1, {{0x10, 't', "crashy_null"}});
  c.put32(mod + CraftedModules::kLayoutAt + 20, 0);  // mtn.mod no longer points back
  std::vector<LoadedModule> mods = c.search();
  ASSERT_EQ(mods.size(), 1u);
  EXPECT_EQ(mods[0].name, "crashy");
  EXPECT_EQ(mods[0].size, 0u);
  EXPECT_TRUE(mods[0].symbols.empty());
}

TEST(ModuleList, NoModulesIsAnEmptyList) {
  CraftedModules c;
  EXPECT_TRUE(c.search().empty());
}

}  // namespace
}  // namespace tandem
