// `build/tandem` run as a child process the way a user runs it: arguments,
// console input on stdin from a file (so the input is piped, not a
// terminal), stdout and stderr captured. Several may run at once.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tandem::test {

struct TandemResult {
  int status = -1;  // exit status, or 128 + signal
  std::string out;  // the guest's console
  std::string err;  // tandem's messages
  // "icount" from the JSON line --json prints on stderr.
  std::optional<uint64_t> icount() const;
};

// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class TandemProcess {
 public:
  // Starts `tandem ARGS...`; `env` entries ("NAME=value") are added to the
  // environment.
  TandemProcess(const std::vector<std::string>& args, const std::string& input,
                const std::vector<std::string>& env = {});
  ~TandemProcess();
  TandemProcess(const TandemProcess&) = delete;
  TandemProcess& operator=(const TandemProcess&) = delete;

  // Waits for the process and returns what it did.
  TandemResult wait();

  static std::string binary() { return std::string(TANDEM_BUILD_DIR) + "/tandem"; }

 private:
  ScratchDir dir_;
  pid_t pid_ = -1;
};

// Starts and waits.
TandemResult runTandem(const std::vector<std::string>& args, const std::string& input = "",
                       const std::vector<std::string>& env = {});

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& bytes);

}  // namespace tandem::test
