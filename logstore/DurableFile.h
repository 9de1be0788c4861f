// A file that appears under its name only once it is completely on stable
// storage: written as an unnamed temporary in the target's directory
// (O_TMPFILE, or a hidden temporary where that is unsupported), then
// fsync, link/rename over the target, fsync of the directory. Whoever looks
// at the path sees the previous file or the whole new one, even if the
// writer or the machine dies at any point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "vmm/Result.h"

namespace tandem {

class DurableFile {
 public:
  static Result<std::unique_ptr<DurableFile>> create(const std::string& path);
  // Without commit(), the temporary is removed and the target left alone.
  ~DurableFile();
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  // Appends. Starts write-back of completed stretches early so that
  // commit() has little left to wait for.
  Status write(const void* data, size_t len);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Makes the file durable under its name. Only the first call does anything.
  Status commit();

 private:
  DurableFile(std::string path, std::string dir, std::string base, int fd, int dir_fd,
              std::string temp_name);
  Error failure(const std::string& what, int err) const;
  Status linkIntoPlace();

  std::string path_;
  std::string dir_;
  std::string base_;
  int fd_;
  int dir_fd_;
  std::string temp_name_;  // named temporary (fallback path) or empty for O_TMPFILE
  uint64_t size_ = 0;
  uint64_t writeback_from_ = 0;
  bool committed_ = false;
};

}  // namespace tandem
