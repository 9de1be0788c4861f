// Random-access bytes a bundle is read from: a file, a buffer in memory, or
// (logstore/ArchivedBundle.h) a bundle rebuilt from the archive. Readers
// only ever ask for bounded ranges, so none of them needs the whole bundle
// in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "vmm/Result.h"

namespace tandem {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // How error messages name the source (a path, or "archive:<id>").
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Copies exactly `len` bytes from `offset`; an error if any of them lies
  // past the end or cannot be read.
  virtual Status readAt(uint64_t offset, void* out, size_t len) const = 0;
};

// A file read with pread. Its size is taken when it is opened.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> open(const std::string& path);
  ~FileSource() override;
  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  Status readAt(uint64_t offset, void* out, size_t len) const override;

 private:
  FileSource(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

// Bytes the caller keeps alive for the source's lifetime.
class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string name, std::span<const uint8_t> bytes)
      : name_(std::move(name)), bytes_(bytes) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  Status readAt(uint64_t offset, void* out, size_t len) const override;

 private:
  std::string name_;
  std::span<const uint8_t> bytes_;
};

}  // namespace tandem
