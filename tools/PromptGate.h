// Scripted console sessions: holds console input back and gives the guest
// one line at a time, each only once the console shows the prompt again.
// A shell drops input that arrives while it sets up its terminal, so input
// piped in all at once loses its first bytes; waiting for the prompt gives
// every line to a shell that is ready for it. The moments a line goes out
// depend only on what the guest printed, so a run with the virtual clock
// stays repeatable.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "tools/Console.h"
#include "vmm/Door.h"

namespace tandem::cli {

class PromptGate final : public Door {
 public:
  // `console` is where the guest's output goes; `prompt` the text a prompt
  // ends with.
  PromptGate(Door& inner, const ConsoleOutput& console, std::string prompt);

  // Bytes of input the guest has received through the gate.
  uint64_t released() const { return released_; }
  // Bytes taken from the input but not yet given to the guest.
  size_t held() const { return held_.size(); }
  // Whether the next line may go out without waiting for a new prompt (a
  // prompt is showing that no line has answered yet, or a line is half sent).
  bool promptSeen() const { return line_open_ || ready(); }
  // For a restored machine: the prompt the saved run had seen is showing.
  void assumePrompt() { assume_prompt_ = true; }

  uint64_t clockNs(Icount at, ClockRead why) override { return inner_.clockNs(at, why); }
  int64_t bootEpochSeconds() override { return inner_.bootEpochSeconds(); }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  // Time runs on while a line waits: the next timer tick brings the poll
  // that sends it.
  void idleUntil(Icount at, uint64_t deadline_ns) override { inner_.idleUntil(at, deadline_ns); }
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override { return inner_.icountAtNs(ns); }
  bool inputPossible() const override { return !held_.empty() || inner_.inputPossible(); }
  uint32_t psPerInstruction() const override { return inner_.psPerInstruction(); }
  void hostPaused(uint64_t ns) override { inner_.hostPaused(ns); }

 private:
  bool ready() const;
  bool promptShowing() const;

  Door& inner_;
  const ConsoleOutput& console_;
  std::string prompt_;
  std::deque<uint8_t> held_;
  uint64_t released_ = 0;
  uint64_t lines_ = 0;
  uint64_t output_mark_ = 0;  // console bytes written when the last line was sent
  bool line_open_ = false;    // a line is partly sent
  bool assume_prompt_ = false;
};

}  // namespace tandem::cli
