#include "tests/diff/NativeRunner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "tests/diff/FdIo.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {

Result<std::vector<uint8_t>> NativeRunner::run(const std::string& path, size_t expected_bytes) {
  int fds[2];
  if (pipe(fds) != 0) return makeError(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) return makeError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::vector<uint8_t> out;
  out.reserve(expected_bytes);
  readAll(fds[0], out);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    // The program maps its data at 0x7000 so that 16-bit addressing reaches
    // it; a kernel with a higher vm.mmap_min_addr refuses to load it.
    const char* hint = out.empty() ? " (it maps memory at 0x7000: is /proc/sys/vm/mmap_min_addr above that?)" : "";
    return makeError(strf("%s was killed by signal %d (%s)%s", path.c_str(), WTERMSIG(status),
                          strsignal(WTERMSIG(status)), hint));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return makeError(strf("%s exited with status %d", path.c_str(), WEXITSTATUS(status)));
  if (out.size() != expected_bytes)
    return makeError(strf("%s wrote %zu bytes of results, expected %zu", path.c_str(), out.size(),
                          expected_bytes));
  return out;
}

}  // namespace tandem::diff
