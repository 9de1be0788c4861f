#include "analysis/SymbolElfWriter.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "analysis/LoadedModule.h"
#include "tests/unit/analysis/ElfBytes.h"

namespace tandem {
namespace {

using testing::at;

KernelSymbols kernelLike() {
  return KernelSymbols({
      {0xC1000000, 'T', "_text"},
      {0xC1000000, 'T', "startup_32"},
      {0xC1000200, 't', "local_helper"},
      {0xC1000300, 'T', "panic"},
      {0xC1000400, 'W', "weak_fn"},
      {0xC1001000, 'T', "_etext"},
      {0xC1100000, 'D', "__start_rodata"},
      {0xC1100010, 'r', "table"},
      {0xC1200000, 'D', "__end_rodata"},
      {0xC1200000, 'D', "_sdata"},
      {0xC1200040, 'D', "init_task"},
      {0xC1300000, 'D', "_edata"},
      {0xC1400000, 'B', "__bss_start"},
      {0xC1400100, 'b', "counter"},
      {0xC1500000, 'B', "__bss_stop"},
      {0x00000100, 'A', "absolute_thing"},
  });
}

TEST(SymbolElfWriter, SectionsFollowTheKernelsBoundarySymbols) {
  auto secs = SymbolElfWriter::sections(kernelLike());
  ASSERT_EQ(secs.size(), 4u);
  EXPECT_EQ(secs[0].name, ".text");
  EXPECT_EQ(secs[0].begin, 0xC1000000u);
  EXPECT_EQ(secs[0].end, 0xC1001000u);
  EXPECT_TRUE(secs[0].code);
  EXPECT_EQ(secs[1].name, ".rodata");
  EXPECT_EQ(secs[2].name, ".data");
  EXPECT_EQ(secs[3].name, ".bss");
  EXPECT_TRUE(secs[3].bss);
}

TEST(SymbolElfWriter, WritesAnElfWithLocalsFirstAndSymbolsInTheirSections) {
  auto elf = SymbolElfWriter::build(kernelLike());
  auto eh = at<Elf32_Ehdr>(elf, 0);
  ASSERT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(eh.e_ident[EI_CLASS], ELFCLASS32);
  EXPECT_EQ(eh.e_machine, EM_386);
  EXPECT_EQ(eh.e_type, ET_EXEC);
  EXPECT_EQ(eh.e_entry, 0xC1000000u);
  ASSERT_LE(eh.e_shoff + eh.e_shnum * sizeof(Elf32_Shdr), elf.size());
  std::vector<Elf32_Shdr> sh;
  for (int i = 0; i < eh.e_shnum; ++i) sh.push_back(at<Elf32_Shdr>(elf, eh.e_shoff + i * sizeof(Elf32_Shdr)));
  auto secname = [&](const Elf32_Shdr& h) {
    return std::string(reinterpret_cast<const char*>(elf.data() + sh[eh.e_shstrndx].sh_offset + h.sh_name));
  };
  std::map<std::string, int> index;
  for (int i = 0; i < eh.e_shnum; ++i) index[secname(sh[i])] = i;
  ASSERT_TRUE(index.count(".symtab") && index.count(".strtab") && index.count(".text"));
  const Elf32_Shdr& symtab = sh[index[".symtab"]];
  EXPECT_EQ(symtab.sh_link, static_cast<uint32_t>(index[".strtab"]));
  EXPECT_EQ(sh[index[".text"]].sh_addr, 0xC1000000u);
  EXPECT_EQ(sh[index[".text"]].sh_flags & SHF_EXECINSTR, uint32_t{SHF_EXECINSTR});

  size_t n = symtab.sh_size / sizeof(Elf32_Sym);
  ASSERT_EQ(n, 17u);  // the null symbol and 16
  std::map<std::string, Elf32_Sym> by_name;
  for (size_t i = 1; i < n; ++i) {
    auto s = at<Elf32_Sym>(elf, symtab.sh_offset + i * sizeof(Elf32_Sym));
    bool local = ELF32_ST_BIND(s.st_info) == STB_LOCAL;
    EXPECT_EQ(local, i < symtab.sh_info) << "locals must come before the first global";
    by_name[reinterpret_cast<const char*>(elf.data() + sh[index[".strtab"]].sh_offset + s.st_name)] = s;
  }
  EXPECT_EQ(by_name["panic"].st_value, 0xC1000300u);
  EXPECT_EQ(by_name["panic"].st_size, 0x100u);
  EXPECT_EQ(ELF32_ST_TYPE(by_name["panic"].st_info), STT_FUNC);
  EXPECT_EQ(by_name["panic"].st_shndx, index[".text"]);
  EXPECT_EQ(ELF32_ST_BIND(by_name["local_helper"].st_info), STB_LOCAL);
  EXPECT_EQ(ELF32_ST_BIND(by_name["weak_fn"].st_info), STB_WEAK);
  EXPECT_EQ(by_name["weak_fn"].st_size, 0xC00u);  // up to _etext
  EXPECT_EQ(ELF32_ST_TYPE(by_name["init_task"].st_info), STT_OBJECT);
  EXPECT_EQ(by_name["init_task"].st_shndx, index[".data"]);
  EXPECT_EQ(by_name["counter"].st_shndx, index[".bss"]);
  EXPECT_EQ(by_name["absolute_thing"].st_shndx, SHN_ABS);
}

// The loaded modules' code and data get sections of their own, their
// symbols land in them, and call frame information rides along as
// .debug_frame.
TEST(SymbolElfWriter, ModulesAndCallFrameInformation) {
  KernelSymbols k = kernelLike();
  LoadedModule m;
  m.name = "tandem_crash";
  m.base = 0xC8840000;
  m.size = 0x3000;
  m.text_size = 0x1000;
  m.symbols = {{0xC8840010, 't', "tandem_crash_null"}, {0xC8840040, 't', "tandem_crash_write"},
               {0xC8841100, 'd', "crash_table"}};
  LoadedModule clash = m;  // lies over the first: left out
  clash.name = "clash";
  k.setModules({m, clash});
  const std::vector<uint8_t> frames{1, 2, 3, 4, 5, 6, 7, 8};
  auto elf = SymbolElfWriter::build(k, frames);
  auto eh = at<Elf32_Ehdr>(elf, 0);
  std::vector<Elf32_Shdr> sh;
  for (int i = 0; i < eh.e_shnum; ++i) sh.push_back(at<Elf32_Shdr>(elf, eh.e_shoff + i * sizeof(Elf32_Shdr)));
  std::map<std::string, int> index;
  for (int i = 0; i < eh.e_shnum; ++i)
    index[reinterpret_cast<const char*>(elf.data() + sh[eh.e_shstrndx].sh_offset + sh[i].sh_name)] = i;
  ASSERT_TRUE(index.count("tandem_crash.text") && index.count("tandem_crash.data") &&
              index.count(".debug_frame"));
  EXPECT_FALSE(index.count("clash.text"));
  const Elf32_Shdr& text = sh[index["tandem_crash.text"]];
  EXPECT_EQ(text.sh_addr, 0xC8840000u);
  EXPECT_EQ(text.sh_size, 0x1000u);
  EXPECT_EQ(text.sh_flags & SHF_EXECINSTR, uint32_t{SHF_EXECINSTR});
  EXPECT_EQ(sh[index["tandem_crash.data"]].sh_addr, 0xC8841000u);
  const Elf32_Shdr& df = sh[index[".debug_frame"]];
  EXPECT_EQ(df.sh_type, uint32_t{SHT_PROGBITS});
  EXPECT_EQ(df.sh_flags & SHF_ALLOC, 0u);
  ASSERT_EQ(df.sh_size, frames.size());
  EXPECT_EQ(std::vector<uint8_t>(elf.begin() + df.sh_offset, elf.begin() + df.sh_offset + df.sh_size), frames);

  const Elf32_Shdr& symtab = sh[index[".symtab"]];
  std::map<std::string, Elf32_Sym> by_name;
  for (size_t i = 1; i < symtab.sh_size / sizeof(Elf32_Sym); ++i) {
    auto s = at<Elf32_Sym>(elf, symtab.sh_offset + i * sizeof(Elf32_Sym));
    by_name[reinterpret_cast<const char*>(elf.data() + sh[index[".strtab"]].sh_offset + s.st_name)] = s;
  }
  EXPECT_EQ(by_name["tandem_crash_null"].st_value, 0xC8840010u);
  EXPECT_EQ(by_name["tandem_crash_null"].st_size, 0x30u);
  EXPECT_EQ(by_name["tandem_crash_null"].st_shndx, index["tandem_crash.text"]);
  EXPECT_EQ(by_name["tandem_crash_write"].st_size, 0xFC0u);  // to the end of the module's code
  EXPECT_EQ(by_name["crash_table"].st_shndx, index["tandem_crash.data"]);
  EXPECT_EQ(by_name["crash_table"].st_size, 0x1F00u);  // to the end of the module
}

}  // namespace
}  // namespace tandem
