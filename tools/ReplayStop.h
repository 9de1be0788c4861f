// What `tandem replay --to` shows where the replay stopped: the registers,
// the instruction at EIP (with the kernel symbol it is in, when the guest's
// kallsyms tables are readable), the recorded events nearest before and
// after, and the guest's console from the bundle's start up to there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logger/ClockLine.h"
#include "replayer/BundleReplay.h"
#include "vmm/Result.h"

namespace tandem::cli {

class ReplayStop {
 public:
  // Events shown on each side of the stop.
  static constexpr size_t kNearEvents = 3;

  // `to` is "crash" (the failure's icount, `end`), "ICOUNT", "+N" (after
  // the bundle's start) or "-N" (before the crash). An icount outside
  // [start, end] is an error naming the window (the caller names its option).
  static Result<uint64_t> resolve(const std::string& to, uint64_t start, uint64_t end);

  // Reads the state of `replay` where it stands. `start_clock` is the
  // replay's clock at the bundle's start (for the events' times); `console`
  // the guest's output since then (`console_bytes` in all, the text may be
  // the tail of it).
  ReplayStop(BundleReplay& replay, const ClockLine& start_clock, std::string console,
             uint64_t console_bytes);

  uint64_t icount() const { return state_.icount; }
  // For people: the console (unless `with_console` is false), then the report.
  std::string text(bool with_console) const;
  // One JSON object (tools/Json.h); `to` is what was asked for.
  std::string json(const std::string& to, double wall_s) const;

 private:
  struct NearEvent {
    size_t index;       // in the bundle's event list, from 0
    uint64_t icount;
    uint32_t eip;
    uint64_t guest_ns;  // guest time when it happened
    std::string what;
  };
  struct Instruction {
    uint32_t address;
    std::vector<uint8_t> bytes;  // the instruction's, or what could be read when undecodable
    std::string mnemonic;        // empty when the bytes do not decode
    std::string symbol;          // "panic+0x4f/0x2b0", or empty
  };

  void readInstruction(Machine& m);
  void readEvents(BundleReplay& replay, ClockLine clock);

  CpuState state_;
  std::string failure_;        // the bundle's failure kind
  uint64_t start_ = 0, end_ = 0;
  uint64_t guest_ns_ = 0;
  Instruction insn_;
  std::vector<NearEvent> before_, after_;
  size_t events_total_ = 0;
  std::string console_;
  uint64_t console_bytes_ = 0;
};

}  // namespace tandem::cli
