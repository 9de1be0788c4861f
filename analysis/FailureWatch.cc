#include "analysis/FailureWatch.h"

#include <algorithm>

#include "analysis/FailureMessages.h"
#include "analysis/GuestView.h"
#include "analysis/KernelSymbols.h"
#include "analysis/PrintkLog.h"

namespace tandem {

FailureWatch::FailureWatch(Machine& machine, uint64_t hang_instructions, MachineObserver* next)
    : machine_(machine), hang_instructions_(hang_instructions), next_(next) {
  machine_.setObserver(this);
}

FailureWatch::~FailureWatch() { machine_.setObserver(next_); }

void FailureWatch::onInterrupt(Icount at, uint32_t eip, uint8_t vector) {
  interrupts_seen_ = true;
  last_interrupt_ = at.value();
  if (next_) next_->onInterrupt(at, eip, vector);
}

pb::FailureRecord FailureWatch::failure(pb::FailureKind kind, std::string message) const {
  pb::FailureRecord f;
  f.set_kind(kind);
  f.set_icount(machine_.icount().value());
  f.set_message(std::move(message));
  return f;
}

std::optional<std::string> FailureWatch::panicLine() const {
  auto symbols = KernelSymbols::fromMemory(machine_.memory());
  if (!symbols) return std::nullopt;
  auto view = GuestView::fromCpu(machine_.memory(), machine_.cpu().saveState());
  if (!view) return std::nullopt;
  auto log = PrintkLog::read(*view, *symbols);
  if (!log) return std::nullopt;
  FailureMessages m = FailureMessages::scan(log->records());
  if (!m.panic) return std::nullopt;
  return FailureMessages::firstLine(log->records()[*m.panic]);
}

WatchOutcome FailureWatch::run(uint64_t max_icount) {
  WatchOutcome out;
  for (;;) {
    uint64_t now = machine_.icount().value();
    if (now >= max_icount) {
      out.exit = MachineExit::kLimit;
      return out;
    }
    out.exit = machine_.run(std::min(max_icount, now + kCheckInterval));
    switch (out.exit) {
      case MachineExit::kLimit:
        break;
      case MachineExit::kReset: {
        auto panic = panicLine();
        out.failure = panic ? failure(pb::PANIC, *panic)
                            : failure(pb::UNEXPECTED_RESET,
                                      std::string("reset requested (") +
                                          resetSourceName(machine_.lastResetSource()) +
                                          ") without a kernel panic");
        return out;
      }
      case MachineExit::kTripleFault:
        out.failure = failure(pb::TRIPLE_FAULT, "triple fault: the CPU shut down");
        return out;
      default:
        return out;
    }
    now = machine_.icount().value();
    if (machine_.cpu().st.eflags & fl::IF) {
      if_off_since_.reset();
      continue;
    }
    if (!if_off_since_) if_off_since_ = now;
    // Only a guest that has taken interrupts can be said to have stopped.
    uint64_t quiet_since = std::max(*if_off_since_, last_interrupt_);
    if (interrupts_seen_ && now - quiet_since >= hang_instructions_) {
      out.exit = MachineExit::kStopped;
      out.failure = failure(pb::HANG, "hang: interrupts disabled and none delivered for " +
                                          std::to_string(now - quiet_since) + " instructions");
      return out;
    }
  }
}

}  // namespace tandem
