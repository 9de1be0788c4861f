#include "tests/diff/NativeTracee.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

Error sysError(const char* what) { return makeError(strf("%s: %s", what, std::strerror(errno))); }

}  // namespace

Result<std::unique_ptr<NativeTracee>> NativeTracee::start(const std::string& path) {
  const pid_t pid = fork();
  if (pid < 0) return sysError("fork");
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::unique_ptr<NativeTracee> t(new NativeTracee(pid));
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
    return makeError("the traced test program did not stop at exec: " + path);
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_EXITKILL));
  t->mem_fd_ = open(strf("/proc/%d/mem", pid).c_str(), O_RDWR);
  if (t->mem_fd_ < 0) return sysError("open /proc/PID/mem");
  return t;
}

NativeTracee::~NativeTracee() {
  if (mem_fd_ >= 0) close(mem_fd_);
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
}

Result<int> NativeTracee::step() {
  if (ptrace(PTRACE_SINGLESTEP, pid_, nullptr, nullptr) != 0) return sysError("PTRACE_SINGLESTEP");
  int status = 0;
  if (waitpid(pid_, &status, 0) != pid_) return sysError("waitpid");
  if (WIFEXITED(status)) return makeError(strf("the traced program exited with status %d", WEXITSTATUS(status)));
  if (WIFSIGNALED(status)) return makeError(strf("the traced program was killed by signal %d", WTERMSIG(status)));
  const int sig = WSTOPSIG(status);
  return sig == SIGTRAP ? 0 : sig;
}

// One i386 register set through PTRACE_GETREGSET, checked for its size.
template <typename T>
Result<T> getRegset(pid_t pid, unsigned type, const char* name) {
  T v{};
  iovec iov{&v, sizeof v};
  if (ptrace(PTRACE_GETREGSET, pid, reinterpret_cast<void*>(uintptr_t{type}), &iov) != 0)
    return sysError(name);
  if (iov.iov_len != sizeof v) return makeError(strf("%s returned %zu bytes, not the i386 layout", name, iov.iov_len));
  return v;
}

Result<NativeRegs> NativeTracee::regs() { return getRegset<NativeRegs>(pid_, NT_PRSTATUS, "NT_PRSTATUS"); }

Result<FsaveImage> NativeTracee::fpu() { return getRegset<FsaveImage>(pid_, NT_PRFPREG, "NT_PRFPREG"); }

bool NativeTracee::read(uint32_t addr, void* out, size_t len) {
  return pread(mem_fd_, out, len, addr) == static_cast<ssize_t>(len);
}

bool NativeTracee::write(uint32_t addr, const void* in, size_t len) {
  return pwrite(mem_fd_, in, len, addr) == static_cast<ssize_t>(len);
}

}  // namespace tandem::diff
