// The bytes of an archived bundle, rebuilt on demand from its layout: the
// literal chunks and the page store, read in place from LMDB's memory map
// within one read transaction (which the source holds for its lifetime, so
// a concurrent prune cannot pull pages from under it). A BundleReader over
// it reads an archived bundle exactly as it would read the file.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "logstore/Archive.h"
#include "logstore/ByteSource.h"

namespace tandem {

class ArchivedBundleSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<ArchivedBundleSource>> open(const Archive& archive, const Sha256Digest& id);

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  Status readAt(uint64_t offset, void* out, size_t len) const override;

  const pb::ArchiveEntry& entry() const { return entry_; }

 private:
  struct Extent {
    uint64_t start;
    uint32_t length;
    bool page;
    uint64_t literal_offset;  // literal extents: position in the literal stream
    PageKey key;              // page extents
  };
  ArchivedBundleSource(std::unique_ptr<LmdbTxn> txn, PageStore store, const Archive& archive)
      : txn_(std::move(txn)), store_(std::move(store)), dbs_(archive.dbs()) {}
  Result<Bytes> literalChunk(uint64_t chunk) const;
  Result<Bytes> pageRecord(const Extent& e) const;

  std::unique_ptr<LmdbTxn> txn_;
  mutable PageStore store_;
  ArchiveDbs dbs_;
  std::string name_;
  pb::ArchiveEntry entry_;
  std::vector<Extent> extents_;
  uint64_t size_ = 0;
  uint64_t literal_total_ = 0;
};

}  // namespace tandem
