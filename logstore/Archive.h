// The failure archive: a directory holding an LMDB environment that keeps
// every ingested bundle, byte for byte, with the pages of all bundles stored
// once (logstore/PageStore.h). A bundle is known by the SHA-256 of its file
// (shown as its first 12 hex digits); export gives back exactly that file.
//
// LMDB makes the archive safe to share: any number of processes may read
// while one writes, writers queue, and each change (an ingest, a removal, a
// prune) is one transaction, on disk whole or not at all.
//
//   meta      "archive"           -> ArchiveCounters (below), "pagestore" -> PageStore counters
//   bundles   sha256 (32)         -> pb::ArchiveEntry
//   layouts   number (u64 BE)     -> pb::ArchivedLayout
//   literals  number, chunk (BE)  -> up to 1 MiB of the bundle's bytes that are not page records
//   pages, packs, packinfo        -> the page store
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logstore/BundleReader.h"
#include "logstore/Lmdb.h"
#include "logstore/PageStore.h"
#include "logstore/Sha256.h"
#include "logstore/tandem.pb.h"

namespace tandem {

constexpr uint32_t kArchiveFormat = 1;
constexpr size_t kLiteralChunk = 1u << 20;

struct ArchiveDbs {
  MDB_dbi meta, bundles, layouts, literals, pages, packs, packinfo;
  PageStore::Dbs pageStore() const { return {pages, packs, packinfo, meta}; }
};

struct ArchiveCounters {
  uint32_t format = kArchiveFormat;
  uint64_t next_number = 1;
  uint64_t bundles = 0;
  uint64_t bundle_bytes = 0;   // sum of the bundles' file sizes
  uint64_t literal_bytes = 0;  // bytes kept verbatim
  uint64_t layout_bytes = 0;   // bytes of layouts and entries
};

struct IngestResult {
  Sha256Digest id{};
  bool already_present = false;
  uint64_t bundle_bytes = 0;
  uint32_t page_records = 0;  // records served by the page store
  uint32_t new_pages = 0;     // of those, pages the store did not have
  uint64_t literal_bytes = 0;
};

struct ArchiveStats {
  ArchiveCounters counters;
  PageStoreStats pages;
  uint64_t stored_bytes = 0;  // packs + literals + layouts: what prune's --max-bytes limits
  uint64_t file_bytes = 0;    // disk space of the LMDB files
};

struct PruneOptions {
  std::optional<uint64_t> keep_ns;    // remove failures seen longer ago than this
  std::optional<uint64_t> max_bytes;  // then remove the oldest until stored bytes fit
  int64_t now_ns = 0;
};

struct PruneResult {
  std::vector<pb::ArchiveEntry> removed;
  uint64_t stored_before = 0, stored_after = 0;
  uint32_t packs_rewritten = 0;
};

class Archive {
 public:
  // $TANDEM_ARCHIVE, else $XDG_DATA_HOME/tandem/archive, else
  // ~/.local/share/tandem/archive.
  static std::string defaultDirectory();
  // `create`: make the directory (and parents) if missing.
  static Result<std::unique_ptr<Archive>> open(const std::string& dir, bool create);

  const std::string& dir() const { return env_->dir(); }
  const LmdbEnv& env() const { return *env_; }
  const ArchiveDbs& dbs() const { return dbs_; }

  // Checks the whole bundle and stores it; an identical bundle already in
  // the archive is not stored twice. Nothing changes if anything is wrong.
  Result<IngestResult> ingest(const std::string& path, int64_t now_ns);

  // Every entry, oldest failure first.
  Result<std::vector<pb::ArchiveEntry>> entries() const;
  // A full id or a unique prefix of at least 4 hex digits.
  Result<Sha256Digest> resolve(std::string_view id) const;
  Result<pb::ArchiveEntry> entry(const Sha256Digest& id) const;
  // Reads an archived bundle in place, without exporting it.
  Result<std::unique_ptr<BundleReader>> openBundle(const Sha256Digest& id) const;
  // Writes the bundle back to a file (durably), checked against its id.
  Status exportBundle(const Sha256Digest& id, const std::string& path) const;

  // Keeps what diagnosing the bundle found with its entry (replacing an
  // earlier diagnosis), stamped with this tandem's version; the bundle
  // itself is not touched.
  Status setDiagnosis(const Sha256Digest& id, const pb::ArchiveDiagnosis& diagnosis);

  Status remove(const Sha256Digest& id);
  Result<PruneResult> prune(const PruneOptions& options);
  Result<ArchiveStats> stats() const;

 private:
  // One write transaction, with the counters and the page store loaded.
  struct WriteSession {
    std::unique_ptr<LmdbTxn> txn;
    ArchiveCounters counters;
    std::unique_ptr<PageStore> store;
  };

  Archive(std::unique_ptr<LmdbEnv> env, ArchiveDbs dbs) : env_(std::move(env)), dbs_(dbs) {}
  Result<WriteSession> beginWrite();
  // Finishes the page store (see PageStore::finish), saves the counters, commits.
  Status commitWrite(WriteSession& w, bool compact_all = false);
  Result<ArchiveCounters> loadCounters(const LmdbTxn& txn) const;
  Status saveCounters(LmdbTxn& txn, const ArchiveCounters& c);
  Status removeIn(WriteSession& w, const pb::ArchiveEntry& e);

  std::unique_ptr<LmdbEnv> env_;
  ArchiveDbs dbs_;
};

// When a failure was seen: its wall time, else when it was ingested.
int64_t seenNs(const pb::ArchiveEntry& e);
// The short form of an id: its first 12 hex digits.
std::string shortId(const Sha256Digest& id);
std::string shortId(const std::string& sha256_bytes);

}  // namespace tandem
