// Thin RAII wrappers over LMDB, with errors as Status values that name the
// environment. LMDB gives the archive its concurrency and crash safety: any
// number of readers, one writer at a time across processes, and a write
// transaction is on disk whole or not at all.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "vmm/Result.h"

namespace tandem {

using Bytes = std::span<const uint8_t>;

inline Bytes asBytes(const MDB_val& v) { return {static_cast<const uint8_t*>(v.mv_data), v.mv_size}; }
inline MDB_val asVal(Bytes b) { return MDB_val{b.size(), const_cast<uint8_t*>(b.data())}; }

class LmdbEnv {
 public:
  // Opens (creating if needed) the environment in directory `dir`.
  static Result<std::unique_ptr<LmdbEnv>> open(const std::string& dir, unsigned max_dbs, uint64_t map_size);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;
  MDB_env* get() const { return env_; }
  const std::string& dir() const { return dir_; }
  Error error(const std::string& what, int rc) const;

 private:
  LmdbEnv(MDB_env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  MDB_env* env_;
  std::string dir_;
};

class LmdbTxn {
 public:
  // A write transaction waits for any other writer (in any process).
  static Result<std::unique_ptr<LmdbTxn>> begin(const LmdbEnv& env, bool write);
  ~LmdbTxn();  // aborts unless committed
  LmdbTxn(const LmdbTxn&) = delete;
  LmdbTxn& operator=(const LmdbTxn&) = delete;

  Status commit();
  MDB_txn* get() const { return txn_; }
  const LmdbEnv& env() const { return env_; }

  Result<MDB_dbi> openDb(const char* name, bool create);
  // The value's bytes stay valid until the transaction ends or, in a write
  // transaction, until the key is written.
  Result<std::optional<Bytes>> get(MDB_dbi db, Bytes key) const;
  Status put(MDB_dbi db, Bytes key, Bytes value);
  Status del(MDB_dbi db, Bytes key);

 private:
  LmdbTxn(const LmdbEnv& env, MDB_txn* txn) : env_(env), txn_(txn) {}
  const LmdbEnv& env_;
  MDB_txn* txn_;
};

// Walks a database in key order.
class LmdbCursor {
 public:
  static Result<std::unique_ptr<LmdbCursor>> open(const LmdbTxn& txn, MDB_dbi db);
  ~LmdbCursor();
  LmdbCursor(const LmdbCursor&) = delete;
  LmdbCursor& operator=(const LmdbCursor&) = delete;

  // Positions at the first key >= `key` (or the first key at all); false at the end.
  Result<bool> seek(std::optional<Bytes> key);
  Result<bool> next();
  Bytes key() const { return asBytes(key_); }
  Bytes value() const { return asBytes(value_); }

 private:
  LmdbCursor(const LmdbTxn& txn, MDB_cursor* c) : txn_(txn), cursor_(c) {}
  Result<bool> step(MDB_cursor_op op);
  const LmdbTxn& txn_;
  MDB_cursor* cursor_;
  MDB_val key_{}, value_{};
};

// Big-endian keys sort numerically in LMDB's default byte order.
inline void putBe64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline uint64_t getBe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace tandem
