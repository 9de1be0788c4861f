// What happened, from a machine stopped at its failure: the failure's kind
// and cause, its signature, the oops's exception and faulting address, the
// task that failed, the backtrace, the kernel's last words and the events
// before the failure.
//
// Input: the machine's RAM and CPU at the failure point (a replayed
// bundle's end, or a machine logger/FailureDetector.h stopped) and, when
// the caller could stop there, where the kernel's report began (the
// failure record's report_icount: the CPU is then in the kernel's report
// code, on the failing context's stack); the failure record the monitor
// wrote, and the event list. The kernel's log and messages are read at the
// failure point (they are complete there); the backtrace, the saved
// exception or interrupt state and the current task where the report
// began, since by the failure point the CPU may run another task. The monitor's kind
// is refined from the guest's own log: a reset after "Kernel panic - not
// syncing: Fatal exception" is an oops (panic_on_oops), a panic after
// "soft lockup" a hang. The frames of the signature are those of the code
// that failed: for an oops or a lockup, the context the exception or timer
// interrupt interrupted; for a panic, panic()'s caller; else where the CPU
// is. Whatever cannot be read is left out and said in `notes`, so a
// damaged guest still gets a report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/Backtrace.h"
#include "analysis/TaskList.h"
#include "analysis/Timeline.h"
#include "logstore/Event.h"
#include "logstore/tandem.pb.h"
#include "vmm/PhysMemory.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

// The state an exception or interrupt saved (i386 struct pt_regs).
struct TrapFrame {
  uint32_t vector = 0;          // CPU exception 0..31, or the interrupt vector
  bool vector_known = false;
  std::string name;             // "page fault", "invalid opcode", "interrupt", ...
  std::string handler;          // the kernel's handler, e.g. "exc_page_fault"
  std::optional<uint32_t> error_code;     // as the kernel's oops printed it
  std::optional<uint32_t> fault_address;  // CR2, for a page fault
  uint32_t eip = 0;
  std::string where;            // EIP as function+offset/size [module]
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0, esi = 0, edi = 0, ebp = 0, esp = 0;
  uint32_t eflags = 0, cs = 0;
};

// The guest at one moment: its RAM and CPU.
struct GuestMoment {
  const PhysMemory& ram;
  const CpuState& cpu;
};

struct DiagnosisOptions {
  uint64_t timeline_ns = 2'000'000'000;  // guest time of events shown before the failure
  size_t log_lines = 80;                 // kernel log lines kept
};

class Diagnosis {
 public:
  // `at_report` may be null: everything is then read at the failure point
  // (and a note says so when the kernel's report began elsewhere).
  static Diagnosis make(GuestMoment at_failure, const GuestMoment* at_report,
                        const pb::FailureRecord& failure, const std::vector<Event>& events,
                        const DiagnosisOptions& options = {});
  static Diagnosis make(const PhysMemory& ram, const CpuState& cpu, const pb::FailureRecord& failure,
                        const std::vector<Event>& events, const DiagnosisOptions& options = {}) {
    return make(GuestMoment{ram, cpu}, nullptr, failure, events, options);
  }

  pb::FailureKind kind = pb::FAILURE_KIND_UNSPECIFIED;
  std::string cause;          // "NULL pointer dereference", "BUG", "soft lockup", ...
  std::string message;        // the line that names the failure (in the signature)
  std::string panic_message;  // "Kernel panic - not syncing: ..." when there was a panic
  std::string signature;
  std::vector<std::string> stack_top;  // the failing code's frames, innermost first
  uint64_t icount = 0;
  uint64_t state_icount = 0;           // where the backtrace, trap frame and task were read
  std::optional<TrapFrame> trap;       // for an oops or a lockup
  std::optional<TaskInfo> task;        // what failed: the CPU's task, or the one an oops names
                                       // (only its pid and comm when address is 0)
  std::vector<BacktraceFrame> backtrace;  // from the CPU's state, innermost first
  std::string backtrace_end;
  size_t culprit_frame = 0;            // where stack_top starts in `backtrace`
  std::vector<std::string> modules;    // loaded kernel modules
  std::vector<std::string> log;        // the kernel's last log lines, as dmesg prints them
  Timeline timeline;
  std::vector<std::string> notes;      // what could not be read, and why

  // The failure record with the refined kind, message, frames and signature.
  pb::FailureRecord record(const pb::FailureRecord& original) const;
};

}  // namespace tandem
