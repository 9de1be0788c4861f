#include "tools/PromptGate.h"

#include "vmm/Log.h"

namespace tandem::cli {
namespace {

// A line editor asks the terminal where its cursor is (ESC [ 6 n) after
// printing the prompt; the question is not part of the prompt.
constexpr std::string_view kCursorQuery = "\x1b[6n";

}  // namespace

PromptGate::PromptGate(Door& inner, const ConsoleOutput& console, std::string prompt)
    : inner_(inner), console_(console), prompt_(std::move(prompt)) {}

bool PromptGate::promptShowing() const {
  std::string_view tail = console_.tail();
  while (tail.ends_with(kCursorQuery)) tail.remove_suffix(kCursorQuery.size());
  return tail.ends_with(prompt_);
}

bool PromptGate::ready() const {
  return assume_prompt_ || (console_.bytesWritten() > output_mark_ && promptShowing());
}

size_t PromptGate::serialInput(Icount at, uint8_t* out, size_t max) {
  uint8_t buf[256];
  while (size_t n = inner_.serialInput(at, buf, sizeof buf))
    held_.insert(held_.end(), buf, buf + n);
  if (held_.empty() || max == 0) return 0;
  if (!line_open_) {
    if (!ready()) return 0;
    line_open_ = true;
    assume_prompt_ = false;
    ++lines_;
    TANDEM_LOG("console", Info, "input line %llu sent at icount %llu",
               static_cast<unsigned long long>(lines_),
               static_cast<unsigned long long>(at.value()));
  }
  size_t n = 0;
  while (n < max && !held_.empty() && line_open_) {
    out[n] = held_.front();
    held_.pop_front();
    if (out[n++] == '\n') line_open_ = false;
  }
  released_ += n;
  output_mark_ = console_.bytesWritten();
  return n;
}

}  // namespace tandem::cli
