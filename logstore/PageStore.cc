#include "logstore/PageStore.h"

#include <cstring>

#include "logstore/BundleFormat.h"
#include "vmm/Assert.h"

namespace tandem {
namespace {

constexpr char kMetaKey[] = "pagestore";

Bytes keyOf(const Sha256Digest& sha) { return {sha.data(), sizeof(PageKey)}; }
Bytes metaKey() { return {reinterpret_cast<const uint8_t*>(kMetaKey), sizeof kMetaKey - 1}; }

std::array<uint8_t, 8> packKey(uint64_t id) {
  std::array<uint8_t, 8> k;
  putBe64(k.data(), id);
  return k;
}

std::optional<PageLoc> decodeLoc(Bytes v) {
  if (v.size() != 12) return std::nullopt;
  return PageLoc{getLe32(v.data()), getLe32(v.data() + 4), 0, getLe32(v.data() + 8)};
}

struct PackInfo {
  uint32_t total = 0, live = 0;
};

}  // namespace

PageKey pageKey(const Sha256Digest& sha) {
  PageKey k;
  std::memcpy(k.data(), sha.data(), k.size());
  return k;
}

Result<PageStore> PageStore::load(LmdbTxn& txn, Dbs dbs) {
  PageStore s(txn, dbs);
  auto v = txn.get(dbs.meta, metaKey());
  if (!v) return v.error();
  if (*v) {
    if ((*v)->size() != 32) return makeError("archive " + txn.env().dir() + ": damaged page store counters");
    const uint8_t* p = (*v)->data();
    s.stats_ = PageStoreStats{getLe64(p), getLe64(p + 8), getLe64(p + 16), getLe64(p + 24)};
  }
  return s;
}

Result<Bytes> PageStore::packBytes(uint64_t pack) {
  if (pack == pending_id_ && pending_id_ != 0) return Bytes(pending_);
  auto v = txn_->get(dbs_.packs, packKey(pack));
  if (!v) return v.error();
  if (!*v) return makeError("archive " + txn_->env().dir() + ": pack " + std::to_string(pack) + " is missing");
  return **v;
}

Result<std::optional<PageLoc>> PageStore::locateKey(Bytes key, Sha256Digest* sha) {
  auto v = txn_->get(dbs_.pages, key);
  if (!v) return v.error();
  if (!*v) return std::optional<PageLoc>();
  auto loc = decodeLoc(**v);
  auto damaged = [&](const std::string& what) {
    return makeError("archive " + txn_->env().dir() + ": page entry " + toHex(key) + ": " + what);
  };
  if (!loc) return damaged("malformed");
  auto pack = packBytes(loc->pack);
  if (!pack) return pack.error();
  if (loc->offset > pack->size()) return damaged("points outside pack " + std::to_string(loc->pack));
  auto rec = parsePageRecord(pack->subspan(loc->offset));
  if (!rec) return damaged("no page record at offset " + std::to_string(loc->offset) + " of pack " +
                           std::to_string(loc->pack));
  loc->length = static_cast<uint32_t>(rec->size());
  *sha = rec->sha256;
  return loc;
}

Result<std::optional<PageLoc>> PageStore::locate(const Sha256Digest& sha) {
  Sha256Digest found;
  auto loc = locateKey(keyOf(sha), &found);
  if (!loc || !*loc || found == sha) return loc;
  return std::optional<PageLoc>();  // another page holds this key
}

Status PageStore::putLoc(const Sha256Digest& sha, const PageLoc& loc) {
  TANDEM_ASSERT(loc.pack <= UINT32_MAX);
  uint8_t v[12];
  putLe32(v, static_cast<uint32_t>(loc.pack));
  putLe32(v + 4, loc.offset);
  putLe32(v + 8, loc.refs);
  return txn_->put(dbs_.pages, keyOf(sha), {v, sizeof v});
}

Result<std::optional<Bytes>> PageStore::record(const Sha256Digest& sha) {
  auto loc = locate(sha);
  if (!loc) return loc.error();
  if (!*loc) return std::optional<Bytes>();
  auto pack = packBytes((*loc)->pack);
  if (!pack) return pack.error();
  return std::optional<Bytes>(pack->subspan((*loc)->offset, (*loc)->length));
}

Result<std::optional<Bytes>> PageStore::record(const PageKey& key) {
  Sha256Digest sha;
  auto loc = locateKey(key, &sha);
  if (!loc) return loc.error();
  if (!*loc) return std::optional<Bytes>();
  auto pack = packBytes((*loc)->pack);
  if (!pack) return pack.error();
  return std::optional<Bytes>(pack->subspan((*loc)->offset, (*loc)->length));
}

Result<PageLoc> PageStore::append(std::span<const uint8_t> record, uint32_t refs) {
  if (pending_.size() + record.size() > kPackTarget + kMaxPageRecordSize)
    if (auto s = flushPending(); !s) return s.error();
  if (pending_id_ == 0) pending_id_ = stats_.next_pack++;
  PageLoc loc{pending_id_, static_cast<uint32_t>(pending_.size()), static_cast<uint32_t>(record.size()), refs};
  pending_.insert(pending_.end(), record.begin(), record.end());
  pending_live_ += loc.length;
  stats_.live_bytes += loc.length;
  if (pending_.size() >= kPackTarget)
    if (auto s = flushPending(); !s) return s.error();
  return loc;
}

Status PageStore::flushPending() {
  if (pending_id_ == 0) return {};
  auto key = packKey(pending_id_);
  if (auto s = txn_->put(dbs_.packs, key, pending_); !s) return s;
  uint8_t info[8];
  putLe32(info, static_cast<uint32_t>(pending_.size()));
  putLe32(info + 4, pending_live_);
  if (auto s = txn_->put(dbs_.packinfo, key, {info, sizeof info}); !s) return s;
  stats_.pack_bytes += pending_.size();
  if (pending_live_ * 2 < pending_.size()) touched_.insert(pending_id_);
  pending_.clear();
  pending_id_ = 0;
  pending_live_ = 0;
  return {};
}

Result<PageStore::Added> PageStore::add(std::span<const uint8_t> record) {
  auto view = parsePageRecord(record);
  if (!view || view->size() != record.size()) return makeError("page store: not one page record");
  Sha256Digest holder;
  auto loc = locateKey(keyOf(view->sha256), &holder);
  if (!loc) return loc.error();
  if (*loc) {
    if (holder != view->sha256) return Added::kConflict;  // another page has the key
    auto pack = packBytes((*loc)->pack);
    if (!pack) return pack.error();
    Bytes existing = pack->subspan((*loc)->offset, (*loc)->length);
    if (existing.size() != record.size() || std::memcmp(existing.data(), record.data(), record.size()) != 0)
      return Added::kConflict;  // the same page, encoded differently
    PageLoc l = **loc;
    ++l.refs;
    if (auto s = putLoc(view->sha256, l); !s) return s.error();
    return Added::kShared;
  }
  auto l = append(record, 1);
  if (!l) return l.error();
  if (auto s = putLoc(view->sha256, *l); !s) return s.error();
  ++stats_.pages;
  return Added::kNew;
}

Status PageStore::dropLive(uint64_t pack, uint32_t bytes) {
  stats_.live_bytes -= bytes;
  if (pack == pending_id_ && pending_id_ != 0) {
    pending_live_ -= bytes;
    return {};
  }
  auto key = packKey(pack);
  auto v = txn_->get(dbs_.packinfo, key);
  if (!v) return v.error();
  if (!*v || (*v)->size() != 8) return makeError("archive " + txn_->env().dir() + ": no record of pack " + std::to_string(pack));
  uint8_t info[8];
  std::memcpy(info, (*v)->data(), 8);
  putLe32(info + 4, getLe32(info + 4) - bytes);
  touched_.insert(pack);
  return txn_->put(dbs_.packinfo, key, {info, sizeof info});
}

Status PageStore::release(const PageKey& key) {
  Sha256Digest sha;
  auto loc = locateKey(key, &sha);
  if (!loc) return loc.error();
  if (!*loc || (*loc)->refs == 0)
    return makeError("archive " + txn_->env().dir() + ": page " + toHex(key) + " is referenced but not stored");
  PageLoc l = **loc;
  if (--l.refs > 0) return putLoc(sha, l);
  --stats_.pages;
  if (auto s = txn_->del(dbs_.pages, key); !s) return s;
  return dropLive(l.pack, l.length);
}

Status PageStore::rewritePack(uint64_t pack) {
  auto key = packKey(pack);
  auto v = txn_->get(dbs_.packs, key);
  if (!v) return v.error();
  if (!*v) return makeError("archive " + txn_->env().dir() + ": pack " + std::to_string(pack) + " is missing");
  std::vector<uint8_t> bytes((*v)->begin(), (*v)->end());  // LMDB may move it once we write
  for (size_t off = 0; off < bytes.size();) {
    auto rec = parsePageRecord(Bytes(bytes).subspan(off));
    if (!rec) return makeError("archive " + txn_->env().dir() + ": pack " + std::to_string(pack) + " is damaged at offset " + std::to_string(off));
    auto loc = locate(rec->sha256);
    if (!loc) return loc.error();
    if (*loc && (*loc)->pack == pack && (*loc)->offset == off) {
      stats_.live_bytes -= (*loc)->length;  // append() counts it again
      auto moved = append(Bytes(bytes).subspan(off, rec->size()), (*loc)->refs);
      if (!moved) return moved.error();
      if (auto s = putLoc(rec->sha256, *moved); !s) return s;
    }
    off += rec->size();
  }
  stats_.pack_bytes -= bytes.size();
  ++packs_rewritten_;
  if (auto s = txn_->del(dbs_.packs, key); !s) return s;
  return txn_->del(dbs_.packinfo, key);
}

Status PageStore::finish(bool compact_all) {
  if (auto s = flushPending(); !s) return s;
  std::set<uint64_t> candidates = touched_;
  if (compact_all) {
    auto c = LmdbCursor::open(*txn_, dbs_.packinfo);
    if (!c) return c.error();
    for (auto ok = (*c)->seek(std::nullopt); ; ok = (*c)->next()) {
      if (!ok) return ok.error();
      if (!*ok) break;
      if ((*c)->key().size() == 8) candidates.insert(getBe64((*c)->key().data()));
    }
  }
  touched_.clear();
  for (uint64_t pack : candidates) {
    auto v = txn_->get(dbs_.packinfo, packKey(pack));
    if (!v) return v.error();
    if (!*v || (*v)->size() != 8) continue;  // already rewritten
    uint32_t total = getLe32((*v)->data()), live = getLe32((*v)->data() + 4);
    if (uint64_t{live} * 2 >= total) continue;
    if (auto s = rewritePack(pack); !s) return s;
  }
  if (auto s = flushPending(); !s) return s;
  uint8_t meta[32];
  putLe64(meta, stats_.pages);
  putLe64(meta + 8, stats_.pack_bytes);
  putLe64(meta + 16, stats_.live_bytes);
  putLe64(meta + 24, stats_.next_pack);
  return txn_->put(dbs_.meta, metaKey(), {meta, sizeof meta});
}

}  // namespace tandem
