// A child process with its output captured through a pipe, for tests that
// drive real programs (tandem, gdb). Reads never block past their timeout,
// and a child still running when the object dies is killed.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace tandem::test {

class Subprocess {
 public:
  enum class Capture { kStdoutAndStderr, kStderrOnly };

  // Starts `argv`; stdin is /dev/null. With kStderrOnly, stdout goes to
  // /dev/null. Returns nullptr when the program cannot be started.
  static std::unique_ptr<Subprocess> start(const std::vector<std::string>& argv, Capture capture);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Reads until the output holds `needle` (true) or `timeout_ms` passes
  // or the output ends (false).
  bool waitFor(const std::string& needle, int timeout_ms);
  // Reads to the end of the output and waits for the exit; kills the child
  // after `timeout_ms`. Returns the exit status (128 + signal if killed by
  // one, -1 on a timeout).
  int wait(int timeout_ms);
  void signal(int sig);

  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  // Reads what is there within `timeout_ms`; false at the end of output.
  bool readSome(int timeout_ms);

  pid_t pid_;
  int fd_;
  bool eof_ = false;
  bool reaped_ = false;
  int status_ = -1;
  std::string output_;
};

}  // namespace tandem::test
