#include "logstore/Lmdb.h"

#include <sys/stat.h>

namespace tandem {

Error LmdbEnv::error(const std::string& what, int rc) const {
  std::string hint;
  if (rc == MDB_MAP_FULL) hint = " (the archive reached its size limit)";
  return makeError("archive " + dir_ + ": " + what + ": " + mdb_strerror(rc) + hint);
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::open(const std::string& dir, unsigned max_dbs, uint64_t map_size) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return makeError("archive " + dir + ": " + mdb_strerror(rc));
  std::unique_ptr<LmdbEnv> e(new LmdbEnv(env, dir));
  if ((rc = mdb_env_set_maxdbs(env, max_dbs)) != 0) return e->error("set_maxdbs", rc);
  if ((rc = mdb_env_set_mapsize(env, map_size)) != 0) return e->error("set_mapsize", rc);
  // MDB_NOTLS: read transactions are not tied to threads, so one thread may
  // hold several (an archived bundle being read while the index is listed).
  if ((rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0644)) != 0) return e->error("cannot open", rc);
  // Free reader slots left by processes that died holding them.
  int dead = 0;
  mdb_reader_check(env, &dead);
  return e;
}

LmdbEnv::~LmdbEnv() { mdb_env_close(env_); }

Result<std::unique_ptr<LmdbTxn>> LmdbTxn::begin(const LmdbEnv& env, bool write) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.get(), nullptr, write ? 0 : MDB_RDONLY, &txn);
  if (rc != 0) return env.error(write ? "cannot start a write transaction" : "cannot start a read transaction", rc);
  return std::unique_ptr<LmdbTxn>(new LmdbTxn(env, txn));
}

LmdbTxn::~LmdbTxn() {
  if (txn_) mdb_txn_abort(txn_);
}

Status LmdbTxn::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  if (rc != 0) return env_.error("commit failed", rc);
  return {};
}

Result<MDB_dbi> LmdbTxn::openDb(const char* name, bool create) {
  MDB_dbi dbi;
  int rc = mdb_dbi_open(txn_, name, create ? MDB_CREATE : 0, &dbi);
  if (rc != 0) return env_.error(std::string("cannot open database '") + name + "'", rc);
  return dbi;
}

Result<std::optional<Bytes>> LmdbTxn::get(MDB_dbi db, Bytes key) const {
  MDB_val k = asVal(key), v;
  int rc = mdb_get(txn_, db, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<Bytes>();
  if (rc != 0) return env_.error("read failed", rc);
  return std::optional<Bytes>(asBytes(v));
}

Status LmdbTxn::put(MDB_dbi db, Bytes key, Bytes value) {
  MDB_val k = asVal(key), v = asVal(value);
  int rc = mdb_put(txn_, db, &k, &v, 0);
  if (rc != 0) return env_.error("write failed", rc);
  return {};
}

Status LmdbTxn::del(MDB_dbi db, Bytes key) {
  MDB_val k = asVal(key);
  int rc = mdb_del(txn_, db, &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return env_.error("delete failed", rc);
  return {};
}

Result<std::unique_ptr<LmdbCursor>> LmdbCursor::open(const LmdbTxn& txn, MDB_dbi db) {
  MDB_cursor* c = nullptr;
  int rc = mdb_cursor_open(txn.get(), db, &c);
  if (rc != 0) return txn.env().error("cannot open a cursor", rc);
  return std::unique_ptr<LmdbCursor>(new LmdbCursor(txn, c));
}

LmdbCursor::~LmdbCursor() { mdb_cursor_close(cursor_); }

Result<bool> LmdbCursor::step(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return txn_.env().error("cursor read failed", rc);
  return true;
}

Result<bool> LmdbCursor::seek(std::optional<Bytes> key) {
  if (!key) return step(MDB_FIRST);
  key_ = asVal(*key);
  return step(MDB_SET_RANGE);
}

Result<bool> LmdbCursor::next() { return step(MDB_NEXT); }

}  // namespace tandem
