#include "logstore/DurableFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tandem {
namespace {

// Write-back of this much newly written data is started without waiting.
constexpr uint64_t kWritebackStep = 8ull << 20;

std::string uniqueSuffix() {
  static_assert(sizeof(pid_t) <= 8);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d.%lx", static_cast<int>(getpid()),
                static_cast<unsigned long>(ts.tv_nsec ^ (ts.tv_sec << 20)));
  return buf;
}

}  // namespace

DurableFile::DurableFile(std::string path, std::string dir, std::string base, int fd, int dir_fd,
                         std::string temp_name)
    : path_(std::move(path)),
      dir_(std::move(dir)),
      base_(std::move(base)),
      fd_(fd),
      dir_fd_(dir_fd),
      temp_name_(std::move(temp_name)) {}

Result<std::unique_ptr<DurableFile>> DurableFile::create(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return makeError(path + ": not a file name");
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return makeError(path + ": cannot open directory " + dir + ": " + std::strerror(errno));
  int fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  std::string temp_name;
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL || errno == ENOENT)) {
    // No O_TMPFILE on this filesystem: a hidden named temporary instead.
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
      temp_name = "." + base + "." + uniqueSuffix() + "." + std::to_string(attempt) + ".tmp";
      fd = openat(dir_fd, temp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0 && errno != EEXIST) break;
    }
  }
  if (fd < 0) {
    int e = errno;
    close(dir_fd);
    return makeError(path + ": cannot create a file in " + dir + ": " + std::strerror(e));
  }
  return std::unique_ptr<DurableFile>(new DurableFile(path, dir, base, fd, dir_fd, temp_name));
}

DurableFile::~DurableFile() {
  if (!committed_ && !temp_name_.empty()) unlinkat(dir_fd_, temp_name_.c_str(), 0);
  close(fd_);
  close(dir_fd_);
}

Error DurableFile::failure(const std::string& what, int err) const {
  return makeError(path_ + ": " + what + ": " + std::strerror(err));
}

Status DurableFile::write(const void* data, size_t len) {
  if (committed_) return makeError(path_ + ": written after commit");
  auto* p = static_cast<const uint8_t*>(data);
  while (len > 0) {
    ssize_t n = ::write(fd_, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure("write failed", errno);
    p += n;
    len -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  if (size_ - writeback_from_ >= kWritebackStep) {
    // Advisory: an error here resurfaces at fsync, which is checked.
    sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                    static_cast<off_t>(size_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
    writeback_from_ = size_;
  }
  return {};
}

Status DurableFile::linkIntoPlace() {
  if (!temp_name_.empty()) {
    if (renameat(dir_fd_, temp_name_.c_str(), dir_fd_, base_.c_str()) != 0)
      return failure("rename into place failed", errno);
    return {};
  }
  std::string proc = "/proc/self/fd/" + std::to_string(fd_);
  if (linkat(AT_FDCWD, proc.c_str(), dir_fd_, base_.c_str(), AT_SYMLINK_FOLLOW) == 0) return {};
  if (errno == ENOENT) {
    // No /proc: AT_EMPTY_PATH does the same where it is permitted.
    if (linkat(fd_, "", dir_fd_, base_.c_str(), AT_EMPTY_PATH) == 0) return {};
    if (errno != EEXIST) return failure("cannot give the file its name (is /proc mounted?)", errno);
  } else if (errno != EEXIST) {
    return failure("cannot give the file its name", errno);
  }
  // Replacing an existing file: link under a temporary name, then rename,
  // which replaces atomically.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temp = "." + base_ + "." + uniqueSuffix() + "." + std::to_string(attempt) + ".tmp";
    if (linkat(AT_FDCWD, proc.c_str(), dir_fd_, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) continue;
      return failure("cannot link the file into " + dir_, errno);
    }
    if (renameat(dir_fd_, temp.c_str(), dir_fd_, base_.c_str()) != 0) {
      int e = errno;
      unlinkat(dir_fd_, temp.c_str(), 0);
      return failure("rename into place failed", e);
    }
    return {};
  }
  return failure("cannot find a free temporary name", EEXIST);
}

Status DurableFile::commit() {
  if (committed_) return {};
  if (fsync(fd_) != 0) return failure("fsync failed", errno);
  if (auto s = linkIntoPlace(); !s) return s;
  committed_ = true;
  if (fsync(dir_fd_) != 0) return failure("fsync of directory " + dir_ + " failed", errno);
  return {};
}

}  // namespace tandem
