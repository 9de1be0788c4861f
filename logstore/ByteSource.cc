#include "logstore/ByteSource.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tandem {
namespace {

Error pastEnd(const std::string& name, uint64_t offset, size_t len, uint64_t size) {
  return makeError(name + ": truncated: needs bytes " + std::to_string(offset) + ".." +
                   std::to_string(offset + len) + " but the file has " + std::to_string(size));
}

}  // namespace

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError(path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int e = errno;
    ::close(fd);
    return makeError(path + ": " + (e ? std::strerror(e) : "not a regular file"));
  }
  return std::unique_ptr<FileSource>(new FileSource(path, fd, static_cast<uint64_t>(st.st_size)));
}

FileSource::~FileSource() { ::close(fd_); }

Status FileSource::readAt(uint64_t offset, void* out, size_t len) const {
  if (offset > size_ || len > size_ - offset) return pastEnd(path_, offset, len, size_);
  auto* p = static_cast<uint8_t*>(out);
  while (len > 0) {
    ssize_t n = pread(fd_, p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError(path_ + ": read at offset " + std::to_string(offset) +
                                " failed: " + std::strerror(errno));
    if (n == 0) return makeError(path_ + ": file shrank while being read (at offset " +
                                 std::to_string(offset) + ")");
    p += n;
    offset += static_cast<uint64_t>(n);
    len -= static_cast<size_t>(n);
  }
  return {};
}

Status MemorySource::readAt(uint64_t offset, void* out, size_t len) const {
  if (offset > bytes_.size() || len > bytes_.size() - offset)
    return pastEnd(name_, offset, len, bytes_.size());
  if (len) std::memcpy(out, bytes_.data() + offset, len);
  return {};
}

}  // namespace tandem
