#include "logger/FailureDetector.h"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace tandem {
namespace {

// Guest time after an oops report's first line within which its closing
// "---[ end trace" is expected; reports without one (a soft lockup's) are
// taken as complete after it.
constexpr uint64_t kOopsReportNs = 1'000'000'000;

// The line without the printk timestamp "[   12.345678] ".
std::string_view body(std::string_view line) {
  if (!line.empty() && line[0] == '[') {
    size_t close = line.find("] ");
    if (close != std::string_view::npos) return line.substr(close + 2);
  }
  return line;
}

bool contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

bool startsOops(std::string_view s) {
  return contains(s, "BUG: ") || s.starts_with("Oops: ") ||
         contains(s, "general protection fault") || s.starts_with("divide error: ") ||
         s.starts_with("kernel BUG at ") || s.starts_with("invalid opcode: ");
}

}  // namespace

FailureDetector::FailureDetector(ConsoleSink& out, MachineObserver* next, uint64_t watchdog_ns)
    : out_(out), next_(next), watchdog_ns_(watchdog_ns) {}

uint64_t FailureDetector::now() const {
  return machine_ ? machine_->icount().value() : 0;
}

void FailureDetector::consoleWrite(uint8_t byte) {
  out_.consoleWrite(byte);
  if (tail_.size() >= kTailBytes) tail_.erase(0, kTailBytes / 4);
  tail_.push_back(static_cast<char>(byte));
  if (byte == '\n') {
    line(line_);
    line_.clear();
  } else if (byte != '\r' && line_.size() < 4096) {
    line_.push_back(static_cast<char>(byte));
  }
}

void FailureDetector::line(const std::string& text) {
  std::string_view s = body(text);
  if (s.starts_with("Kernel panic - not syncing")) {
    panic_ = std::string(s);
    noteReport();
  } else if (s.starts_with("---[ end Kernel panic")) {
    detect(pb::PANIC, panic_.empty() ? std::string(s) : panic_);
  } else if (s.starts_with("reboot: Restarting system")) {
    restart_announced_ = true;
  } else if (!oops_.empty() && s.starts_with("---[ end trace")) {
    detect(pb::OOPS, oops_);
  } else if (oops_.empty() && startsOops(s)) {
    oops_ = std::string(s);
    oops_ns_ = last_ns_;
    noteReport();
  }
}

void FailureDetector::noteReport() {
  // A panic after an oops or a soft lockup is part of the same report.
  if (report_icount_ == 0) report_icount_ = now();
}

void FailureDetector::detect(pb::FailureKind kind, std::string message) {
  if (detected_) return;
  detected_ = Detection{kind, now(), std::move(message), report_icount_};
  if (machine_) machine_->requestStop();
}

void FailureDetector::onInterrupt(Icount at, uint32_t eip, uint8_t vector) {
  progress_pending_ = true;
  if (next_) next_->onInterrupt(at, eip, vector);
}

void FailureDetector::onIdle(Icount) {
  progress_pending_ = true;
}

void FailureDetector::onClock(Icount, uint64_t ns) {
  last_ns_ = ns;
  if (progress_pending_) {
    progress_ns_ = ns;
    progress_pending_ = false;
  }
  if (!oops_.empty() && ns - oops_ns_ > kOopsReportNs) detect(pb::OOPS, oops_);
  if (ns - progress_ns_ > watchdog_ns_) {
    char why[160];
    bool intr_off = machine_ && !(machine_->cpu().eflags() & fl::IF);
    std::snprintf(why, sizeof why,
                  "no interrupt taken and no idle wait for %.1f s of guest time (interrupts %s)",
                  (ns - progress_ns_) / 1e9, intr_off ? "off" : "on");
    detect(pb::HANG, why);
  }
}

void FailureDetector::onExit(MachineExit exit, Icount) {
  if (exit == MachineExit::kTripleFault) {
    detect(pb::TRIPLE_FAULT, "triple fault: the CPU shut down");
  } else if (exit == MachineExit::kReset) {
    if (!panic_.empty())
      detect(pb::PANIC, panic_);
    else if (!restart_announced_)
      detect(pb::UNEXPECTED_RESET,
             std::string("reset without a panic or reboot message (") +
                 resetSourceName(machine_ ? machine_->lastResetSource()
                                          : ResetSource::kKeyboardController) +
                 ")");
  }
}

namespace {

void putString(std::vector<uint8_t>& out, const std::string& s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out.insert(out.end(), reinterpret_cast<const uint8_t*>(&n), reinterpret_cast<const uint8_t*>(&n) + 4);
  out.insert(out.end(), s.begin(), s.end());
}

template <typename T>
void putPlain(std::vector<uint8_t>& out, T v) {
  out.insert(out.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + sizeof v);
}

struct Reader {
  std::span<const uint8_t> in;
  bool ok = true;
  template <typename T>
  T plain() {
    T v{};
    if (in.size() < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, in.data(), sizeof v);
    in = in.subspan(sizeof v);
    return v;
  }
  std::string string() {
    uint32_t n = plain<uint32_t>();
    if (!ok || n > 4096 || in.size() < n) {
      ok = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(in.data()), n);
    in = in.subspan(n);
    return s;
  }
};

}  // namespace

std::vector<uint8_t> FailureDetector::saveState() const {
  std::vector<uint8_t> out;
  putString(out, line_);
  putString(out, panic_);
  putString(out, oops_);
  putPlain(out, oops_ns_);
  putPlain(out, last_ns_);
  putPlain(out, progress_ns_);
  putPlain(out, static_cast<uint8_t>(restart_announced_ | progress_pending_ << 1));
  putPlain(out, report_icount_);
  return out;
}

Status FailureDetector::restoreState(std::span<const uint8_t> bytes) {
  Reader r{bytes};
  std::string line = r.string(), panic = r.string(), oops = r.string();
  uint64_t oops_ns = r.plain<uint64_t>(), last_ns = r.plain<uint64_t>(),
           progress_ns = r.plain<uint64_t>();
  uint8_t flags = r.plain<uint8_t>();
  // A state saved by a tandem that did not note where reports begin ends here.
  uint64_t report_icount = r.in.empty() ? 0 : r.plain<uint64_t>();
  if (!r.ok || !r.in.empty() || flags > 3) return makeError("the failure detector's state is damaged");
  detected_.reset();  // the state is from before any detection
  line_ = std::move(line);
  panic_ = std::move(panic);
  oops_ = std::move(oops);
  oops_ns_ = oops_ns;
  last_ns_ = last_ns;
  progress_ns_ = progress_ns;
  report_icount_ = report_icount;
  restart_announced_ = flags & 1;
  progress_pending_ = flags & 2;
  return Status();
}

}  // namespace tandem
