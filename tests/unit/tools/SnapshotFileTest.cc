#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/Console.h"
#include "tools/SnapshotFile.h"

namespace tandem::cli {
namespace {

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tandem-snapshot-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "m.tsv").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string bytes() {
    std::ifstream f(path_, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }
  void setBytes(const std::string& b) { std::ofstream(path_, std::ios::binary) << b; }

  std::filesystem::path dir_;
  std::string path_;
};

// A machine with its clock; sample() writes two pages of its RAM.
struct Rig {
  Rig() : clock(ClockMode::kVirtual, -1), console(-1) {
    m = std::move(*Machine::create(MachineConfig{8 << 20}, clock, console));
  }
  RunClock clock;
  ConsoleOutput console;
  std::unique_ptr<Machine> m;
};

MachineSnapshot sample(Rig& r) {
  const char text[] = "guest data";
  EXPECT_TRUE(r.m->memory().write(GuestPhys(0x5000), text, sizeof text));
  EXPECT_TRUE(r.m->memory().write(GuestPhys(0x7FFFF0), text, sizeof text));  // last page
  MachineSnapshot s = captureMachine(*r.m, r.clock);
  s.cmdline = "console=ttyS0 tandem.workload=shell";
  s.session = {1234, 1, 0};
  return s;
}

TEST_F(SnapshotFileTest, RoundTripKeepsEverythingAndLeavesZeroPagesOut) {
  Rig r;
  MachineSnapshot s = sample(r);
  EXPECT_EQ(s.page_numbers, (std::vector<uint32_t>{5, 0x7FF}));
  ASSERT_TRUE(SnapshotFile::write(path_, s));
  EXPECT_LT(bytes().size(), 3 * kPageSize);
  auto back = SnapshotFile::read(path_);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->ram_bytes, s.ram_bytes);
  EXPECT_EQ(back->cmdline, s.cmdline);
  EXPECT_EQ(std::memcmp(&back->machine.cpu, &s.machine.cpu, sizeof(CpuState)), 0);
  ASSERT_EQ(back->machine.devices.size(), s.machine.devices.size());
  for (size_t i = 0; i < s.machine.devices.size(); ++i) {
    EXPECT_EQ(back->machine.devices[i].name, s.machine.devices[i].name);
    EXPECT_EQ(back->machine.devices[i].state, s.machine.devices[i].state);
  }
  EXPECT_EQ(std::memcmp(&back->clock, &s.clock, sizeof s.clock), 0);
  EXPECT_EQ(back->session.input_consumed, 1234u);
  EXPECT_EQ(back->session.prompt_seen, 1u);
  EXPECT_EQ(back->page_numbers, s.page_numbers);
  EXPECT_EQ(back->page_data, s.page_data);
}

TEST_F(SnapshotFileTest, RestoredMachineHasTheSameRamAndStateAndNothingElse) {
  Rig a;
  MachineSnapshot s = sample(a);
  Rig b;
  const char junk[] = "left over";
  ASSERT_TRUE(b.m->memory().write(GuestPhys(0x9000), junk, sizeof junk));
  ASSERT_TRUE(restoreMachine(s, *b.m, b.clock));
  EXPECT_EQ(std::memcmp(a.m->memory().base(), b.m->memory().base(), a.m->memory().size()), 0);
  CpuState sa = a.m->cpu().saveState(), sb = b.m->cpu().saveState();
  EXPECT_EQ(std::memcmp(&sa, &sb, sizeof sa), 0);
  EXPECT_EQ(b.clock.clockNs(b.m->icount(), ClockRead::kPoll), s.clock.guest_ns);
}

TEST_F(SnapshotFileTest, RestoreIntoOtherRamSizeIsRefused) {
  Rig a;
  MachineSnapshot s = sample(a);
  RunClock clock(ClockMode::kVirtual, -1);
  ConsoleOutput console(-1);
  auto big = Machine::create(MachineConfig{16 << 20}, clock, console);
  ASSERT_TRUE(big);
  auto refused = restoreMachine(s, **big, clock);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("8 MiB"), std::string::npos) << refused.error().message;
}

TEST_F(SnapshotFileTest, EveryDamagedByteIsFound) {
  Rig r;
  ASSERT_TRUE(SnapshotFile::write(path_, sample(r)));
  const std::string good = bytes();
  // Flip one bit at a spread of offsets: header, section headers, payloads.
  for (size_t off = 0; off < good.size(); off += 97) {
    std::string bad = good;
    bad[off] ^= 0x10;
    setBytes(bad);
    EXPECT_FALSE(SnapshotFile::read(path_)) << "damage at offset " << off << " went unnoticed";
  }
}

TEST_F(SnapshotFileTest, TruncatedOrExtendedFileIsRefusedByName) {
  Rig r;
  ASSERT_TRUE(SnapshotFile::write(path_, sample(r)));
  const std::string good = bytes();
  for (size_t len : {size_t{0}, size_t{7}, size_t{15}, good.size() / 2, good.size() - 1}) {
    setBytes(good.substr(0, len));
    auto r2 = SnapshotFile::read(path_);
    ASSERT_FALSE(r2) << "length " << len;
    EXPECT_EQ(r2.error().message.rfind(path_ + ": ", 0), 0u) << r2.error().message;
  }
  setBytes(good + "x");
  auto extended = SnapshotFile::read(path_);
  ASSERT_FALSE(extended);
  EXPECT_NE(extended.error().message.find("stray bytes"), std::string::npos);
}

TEST_F(SnapshotFileTest, OtherVersionIsRefusedWithBothVersions) {
  Rig r;
  ASSERT_TRUE(SnapshotFile::write(path_, sample(r)));
  std::string b = bytes();
  b[8] = 9;
  setBytes(b);
  auto refused = SnapshotFile::read(path_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("version 9"), std::string::npos);
  EXPECT_NE(refused.error().message.find("version 1"), std::string::npos);
}

}  // namespace
}  // namespace tandem::cli
