// Bad input to `tandem run` gets one clear line on stderr naming the file
// or option and what is wrong with it, and exit status 2; the guest never
// starts.
#include <gtest/gtest.h>

#include "tests/integration/TandemProcess.h"
#include "vmm/boot/DefaultGuest.h"

namespace tandem::test {
namespace {

void expectOneError(const TandemResult& r, const std::vector<std::string>& mentions) {
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "");
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line:\n" << r.err;
  EXPECT_EQ(r.err.rfind("tandem run: ", 0), 0u) << r.err;
  for (const auto& m : mentions) EXPECT_NE(r.err.find(m), std::string::npos) << r.err;
}

const DefaultGuest& guest() {
  static const DefaultGuest g = [] {
    auto found = DefaultGuest::find();
    if (!found) throw std::runtime_error(found.error().message);
    return *found;
  }();
  return g;
}

TEST(BadInput, MissingKernelIsNamed) {
  ScratchDir dir;
  std::string kernel = dir.file("no-such-vmlinuz");
  expectOneError(runTandem({"run", "--kernel", kernel}), {kernel, "no such file"});
}

TEST(BadInput, KernelThatIsNotABzImageIsNamed) {
  ScratchDir dir;
  std::string kernel = dir.file("vmlinuz");
  writeFile(kernel, std::string(8192, 'x'));
  expectOneError(runTandem({"run", "--kernel", kernel}), {kernel, "not a bzImage"});
}

TEST(BadInput, TruncatedInitrdIsNamedWithTheOffset) {
  ScratchDir dir;
  std::string whole = readFile(guest().initrd);
  ASSERT_GT(whole.size(), 4096u);
  std::string initrd = dir.file("initramfs.cpio.gz");
  writeFile(initrd, whole.substr(0, whole.size() / 2));
  expectOneError(runTandem({"run", "--kernel", guest().kernel, "--initrd", initrd}),
                 {initrd, "truncated", "offset"});
}

TEST(BadInput, BadMemIsNamed) {
  for (const char* mem : {"12Q", "1M", "64G", ""})
    expectOneError(runTandem({"run", "--mem", mem}), {"--mem"});
}

TEST(BadInput, UnknownClockIsNamed) {
  expectOneError(runTandem({"run", "--clock", "sundial"}), {"--clock", "sundial"});
}

TEST(BadInput, SaveWithoutAPointOrAFileIsRefused) {
  expectOneError(runTandem({"run", "--save-at", "1000"}), {"--save-at", "--save"});
  expectOneError(runTandem({"run", "--save-at", "soon", "--save", "x"}), {"--save-at", "soon"});
}

TEST(BadInput, DamagedOrForeignSavedMachineIsNamed) {
  ScratchDir dir;
  std::string file = dir.file("m.tsv");
  // A real saved machine: the default guest a few instructions in.
  TandemResult saved =
      runTandem({"run", "--clock", "virtual", "--json", "--save-at", "1000", "--save", file});
  ASSERT_EQ(saved.status, 0) << saved.err;
  std::string good = readFile(file);
  ASSERT_GT(good.size(), 4096u);

  std::string damaged = good;
  damaged[damaged.size() / 2] ^= 0x40;
  writeFile(file, damaged);
  expectOneError(runTandem({"run", "--restore", file}), {file, "checksum mismatch"});

  writeFile(file, good.substr(0, good.size() - 100));
  expectOneError(runTandem({"run", "--restore", file}), {file, "truncated"});

  writeFile(file, "just some text, not a machine\n");
  expectOneError(runTandem({"run", "--restore", file}), {file, "not a saved tandem machine"});

  writeFile(file, good);
  expectOneError(runTandem({"run", "--restore", file, "--mem", "64M"}), {"--mem", "128M"});
  expectOneError(runTandem({"run", "--restore", file, "--clock", "host"}), {"--clock", "virtual"});
  expectOneError(runTandem({"run", "--restore", file, "--workload", "selftest"}),
                 {"command line", "tandem.workload=selftest"});
  expectOneError(runTandem({"run", "--restore", dir.file("missing.tsv")}), {"missing.tsv"});
}

}  // namespace
}  // namespace tandem::test
