// The archive's content-addressed page store, inside its LMDB environment.
// A page record (logstore/PageRecord.h) is kept once, under the SHA-256 of
// its page, however many bundles hold that page, with a count of the
// references to it.
//
// Records are packed into pack values of about 1 MiB rather than one LMDB
// value each: LMDB gives every value above ~2 KiB whole 4 KiB overflow
// pages, which would nearly double the space of incompressible pages. A pack
// is a sequence of complete records, so it says by itself which pages it
// holds. When references go, a pack whose live records fall under half of
// it is rewritten (its live records move to a new pack) and an empty pack is
// deleted, so space no bundle uses is given back to LMDB's free list.
//
//   pages     sha256[0..8)       -> pack u32, offset u32, refs u32 (LE)
//   packs     pack id (u64 BE)   -> records
//   packinfo  pack id (u64 BE)   -> total bytes u32, live bytes u32 (LE)
//   meta      "pagestore"        -> pages u64, pack bytes u64, live bytes u64, next pack u64
//
// The index is keyed by the first 8 bytes of the digest only, which keeps it
// (and the part of it LMDB copies on every ingest) less than half the size;
// the record in the pack holds the whole digest, and every lookup compares
// it. A second page sharing those 8 bytes (about one in 10^8 archives of a
// million pages, or a crafted one) is simply not deduplicated: the store
// answers kConflict and the bundle keeps that record verbatim.
//
// A PageStore works inside one write (or read) transaction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "logstore/Lmdb.h"
#include "logstore/PageRecord.h"

namespace tandem {

// A page's key in the store: the first 8 bytes of its SHA-256.
using PageKey = std::array<uint8_t, 8>;
PageKey pageKey(const Sha256Digest& sha);

struct PageStoreStats {
  uint64_t pages = 0;       // distinct pages stored
  uint64_t pack_bytes = 0;  // bytes of all packs
  uint64_t live_bytes = 0;  // bytes of the records still referenced
  uint64_t next_pack = 1;   // id the next pack gets
};

struct PageLoc {
  uint64_t pack = 0;
  uint32_t offset = 0;  // of the record (its hash) in the pack
  uint32_t length = 0;  // record bytes (from the record's header)
  uint32_t refs = 0;
};

class PageStore {
 public:
  struct Dbs {
    MDB_dbi pages, packs, packinfo, meta;
  };
  static constexpr size_t kPackTarget = 1u << 20;

  static Result<PageStore> load(LmdbTxn& txn, Dbs dbs);

  enum class Added { kNew, kShared, kConflict };
  // Adds a reference to the page of `record` (its complete bytes). kConflict:
  // the store holds the same page encoded differently (another compressor),
  // so these exact bytes cannot come from the store; nothing changed.
  Result<Added> add(std::span<const uint8_t> record);
  // Drops a reference; the page goes when none are left.
  Status release(const PageKey& key);
  // The record bytes of a page (valid until the next write in the
  // transaction): by digest, checked against all of it, or by key.
  Result<std::optional<Bytes>> record(const Sha256Digest& sha);
  Result<std::optional<Bytes>> record(const PageKey& key);
  // Where the page is; nothing if it is not stored (or another page holds
  // its 8-byte key).
  Result<std::optional<PageLoc>> locate(const Sha256Digest& sha);
  // Reads an index entry: the record it points at, as located by `key`.
  Result<std::optional<PageLoc>> locateKey(Bytes key, Sha256Digest* sha);

  // Writes the pack being filled, deletes emptied packs, rewrites packs that
  // are less than half live, and saves the counters. `compact_all`: consider
  // every pack, not only those that lost references in this transaction.
  Status finish(bool compact_all = false);

  const PageStoreStats& stats() const { return stats_; }
  uint32_t packsRewritten() const { return packs_rewritten_; }

 private:
  PageStore(LmdbTxn& txn, Dbs dbs) : txn_(&txn), dbs_(dbs) {}
  Status putLoc(const Sha256Digest& sha, const PageLoc& loc);
  Result<Bytes> packBytes(uint64_t pack);
  Result<PageLoc> append(std::span<const uint8_t> record, uint32_t refs);
  Status flushPending();
  Status rewritePack(uint64_t pack);
  Status dropLive(uint64_t pack, uint32_t bytes);

  LmdbTxn* txn_;
  Dbs dbs_;
  PageStoreStats stats_;
  std::vector<uint8_t> pending_;  // records of the pack being filled
  uint64_t pending_id_ = 0;       // its id, 0 while empty
  uint32_t pending_live_ = 0;
  std::set<uint64_t> touched_;    // packs that lost live records
  uint32_t packs_rewritten_ = 0;
};

}  // namespace tandem
