// A machine's result must not depend on how its run is cut up: run() in
// pieces of any size, or saved to a file and restored into a new machine
// at any instruction, finishes with the same icount, the same console
// output and the same state as one uninterrupted run. The guest
// (guests/ticker.asm) keeps the timer, the serial port, the interrupt
// controller and idle waits busy the whole time.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "tests/integration/TandemProcess.h"
#include "tools/MachineSnapshot.h"
#include "tools/SnapshotFile.h"
#include "vmm/Machine.h"

namespace tandem::test {
namespace {

using cli::ClockMode;
using cli::RunClock;

constexpr uint64_t kRam = 16ull << 20;
const std::string kInput = "hello from the serial line, in small pieces";

class CapturedConsole final : public ConsoleSink {
 public:
  void consoleWrite(uint8_t byte) override { text.push_back(static_cast<char>(byte)); }
  std::string text;
};

// One machine with the ticker guest, a virtual clock and console input.
struct Rig {
  explicit Rig(const std::string& input) : clock(ClockMode::kVirtual, -1) {
    clock.feedInput(std::span(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
    auto made = Machine::create(MachineConfig{kRam}, clock, console);
    if (!made) throw std::runtime_error(made.error().message);
    m = std::move(*made);
  }

  // Flat 32-bit protected mode, the guest at 1 MiB.
  void boot() {
    std::string image = readFile(TICKER_BIN);
    ASSERT_FALSE(image.empty());
    ASSERT_TRUE(m->memory().write(GuestPhys(0x100000), image.data(), image.size()));
    const uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
    ASSERT_TRUE(m->memory().write(GuestPhys(0x1000), gdt, sizeof gdt));
    CpuState s = resetCpuState();
    s.cr0 |= cr0::PE;
    s.gdtr = {0x1000, sizeof gdt - 1};
    s.seg[CS] = SegmentCache{0, 0xFFFFFFFFu, 0x08, 0xC09B, 1};
    for (unsigned r : {ES, SS, DS, FS, GS})
      s.seg[r] = SegmentCache{0, 0xFFFFFFFFu, 0x10, 0xC093, 1};
    s.eip = 0x100000;
    m->cpu().loadState(s);
  }

  MachineExit runToEnd() {
    MachineExit e;
    do e = m->run();
    while (e == MachineExit::kLimit);
    return e;
  }

  RunClock clock;
  CapturedConsole console;
  std::unique_ptr<Machine> m;
};

struct Outcome {
  MachineExit exit;
  uint64_t icount;
  std::string console;
  MachineState state;
  std::vector<uint8_t> ram;
};

Outcome outcome(Rig& r, MachineExit exit) {
  const uint8_t* ram = r.m->memory().base();
  return {exit, r.m->icount().value(), r.console.text, r.m->saveState(),
          std::vector<uint8_t>(ram, ram + r.m->memory().size())};
}

void expectSame(const Outcome& want, const Outcome& got, const std::string& how) {
  SCOPED_TRACE(how);
  EXPECT_EQ(got.exit, want.exit);
  EXPECT_EQ(got.icount, want.icount);
  EXPECT_EQ(got.console, want.console);
  EXPECT_EQ(std::memcmp(&got.state.cpu, &want.state.cpu, sizeof(CpuState)), 0);
  ASSERT_EQ(got.state.devices.size(), want.state.devices.size());
  for (size_t i = 0; i < want.state.devices.size(); ++i) {
    EXPECT_EQ(got.state.devices[i].name, want.state.devices[i].name);
    EXPECT_EQ(got.state.devices[i].state, want.state.devices[i].state)
        << "device " << want.state.devices[i].name;
  }
  EXPECT_TRUE(got.ram == want.ram) << "guest RAM differs";
}

const Outcome& reference() {
  static const Outcome ref = [] {
    Rig r(kInput);
    r.boot();
    return outcome(r, r.runToEnd());
  }();
  return ref;
}

TEST(MachineContinuity, TickerGuestEchoesInputAndPowersOff) {
  const Outcome& ref = reference();
  EXPECT_EQ(ref.exit, MachineExit::kPowerOff);
  // Every input byte came back, upper-cased, between the timer's letters.
  std::string echoed;
  for (char c : ref.console)
    if (c >= 'A' && c <= 'Z') echoed += c;
  std::string want;
  for (char c : kInput)
    if (c >= 'a' && c <= 'z') want += char(c - 0x20);
  EXPECT_EQ(echoed, want);
  EXPECT_GT(ref.icount, 1'000'000u);
}

TEST(MachineContinuity, RunInPiecesOfAnySizeGivesTheSameResult) {
  std::mt19937_64 rng(7);
  for (uint64_t max_piece : {1ull, 997ull, 50'000ull, 3'000'000ull}) {
    Rig r(kInput);
    r.boot();
    MachineExit e;
    uint64_t steps = 0;
    // Single steps only over a stretch: a whole run in steps of one is slow.
    do {
      uint64_t piece = 1 + rng() % max_piece;
      if (max_piece == 1 && ++steps > 200'000) piece = UINT64_MAX - r.m->icount().value();
      e = r.m->run(r.m->icount().value() + piece);
    } while (e == MachineExit::kLimit);
    expectSame(reference(), outcome(r, e), "pieces up to " + std::to_string(max_piece));
  }
}

// Saves at `at` (moved on to the next poll point when `at_poll`), writes
// and reads the file, restores into a new machine fed the input not yet
// received, and runs both to the end.
void saveAndRestore(uint64_t at, bool at_poll) {
  ScratchDir dir;
  Rig a(kInput);
  a.boot();
  ASSERT_EQ(a.m->run(at), MachineExit::kLimit);
  if (at_poll) ASSERT_EQ(a.m->runToPollPoint(), MachineExit::kLimit);
  cli::MachineSnapshot snap = cli::captureMachine(*a.m, a.clock);
  ASSERT_TRUE(cli::SnapshotFile::write(dir.file("m.tsv"), snap));
  std::string before = a.console.text;
  uint64_t received = a.clock.inputDelivered();

  auto read = cli::SnapshotFile::read(dir.file("m.tsv"));
  ASSERT_TRUE(read) << read.error().message;
  Rig b(kInput.substr(received));
  Status s = cli::restoreMachine(*read, *b.m, b.clock);
  ASSERT_TRUE(s) << s.error().message;
  MachineExit e = b.runToEnd();
  Outcome got = outcome(b, e);
  got.console = before + got.console;
  expectSame(reference(), got,
             "restored at icount " + std::to_string(at) + (at_poll ? " (poll point)" : ""));
  expectSame(reference(), outcome(a, a.runToEnd()), "the saved machine, run on");
}

TEST(MachineContinuity, RestoredAtAPollPointContinuesExactly) {
  uint64_t end = reference().icount;
  for (uint64_t at : {uint64_t{1}, end / 7, end / 3, end / 2, end - end / 10})
    saveAndRestore(at, true);
}

TEST(MachineContinuity, RestoredAtAnyInstructionContinuesExactly) {
  uint64_t end = reference().icount;
  std::mt19937_64 rng(11);
  for (int k = 0; k < 6; ++k) saveAndRestore(1 + rng() % (end - 1), false);
}

}  // namespace
}  // namespace tandem::test
