// `monitor` commands (qRcmd): the text after "monitor", parsed here and
// answered by the target.
//   help               what the commands are
//   icount             the current instruction count
//   seek ICOUNT        go to an instruction count (time travel only)
//   events [N]         the next N recorded events (replay only; N <= 1000)
//   digest             the machine's digest (registers, devices, memory)
//   diverge            leave replay and run the guest live (replay only)
//   phys ADDR [LEN]    physical memory, as hex
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replayer/gdb/GdbTarget.h"

namespace tandem::gdb {

class GdbMonitor {
 public:
  explicit GdbMonitor(GdbTarget& target) : target_(target) {}

  struct Output {
    std::string text;  // ends with a newline
    bool ok;
  };
  // `poll` lets a long command (a seek) be interrupted.
  Output run(std::string_view command_line, InterruptPoll& poll);

  static constexpr uint64_t kMaxPhysBytes = 4096;
  static constexpr uint64_t kDefaultEvents = 10;
  static constexpr uint64_t kMaxEvents = 1000;

 private:
  GdbTarget& target_;
};

}  // namespace tandem::gdb
