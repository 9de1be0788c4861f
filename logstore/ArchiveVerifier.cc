#include "logstore/ArchiveVerifier.h"

#include <cstring>
#include <map>

#include "logstore/ArchivedLayout.h"
#include "logstore/BundleScanner.h"

namespace tandem {
namespace {

constexpr size_t kMaxProblems = 100;

class Checker {
 public:
  Checker(const Archive& a, LmdbTxn& txn, ArchiveVerification& v) : a_(a), txn_(txn), v_(v) {}

  void problem(const std::string& p) {
    if (v_.problems.size() < kMaxProblems) v_.problems.push_back(p);
  }

  Status checkPages(PageStore& store, std::map<uint64_t, uint64_t>& live) {
    auto c = LmdbCursor::open(txn_, a_.dbs().pages);
    if (!c) return c.error();
    PageDecoder decoder;
    uint8_t page[kPageSize];
    for (auto ok = (*c)->seek(std::nullopt);; ok = (*c)->next()) {
      if (!ok) return ok.error();
      if (!*ok) break;
      ++v_.pages;
      Sha256Digest sha{};
      std::string key = toHex((*c)->key());
      auto loc = store.locateKey((*c)->key(), &sha);
      if (!loc || !*loc) {
        problem("page entry " + key + ": " + (!loc ? loc.error().message : "missing"));
        continue;
      }
      if ((*c)->key().size() != 8 || std::memcmp(sha.data(), (*c)->key().data(), 8) != 0) {
        problem("page entry " + key + " points at page " + toHex(sha));
        continue;
      }
      auto rec = store.record(sha);
      if (!rec || !*rec) {
        problem("page " + toHex(sha) + ": " + (!rec ? rec.error().message : "missing"));
        continue;
      }
      refs_[pageKey(sha)] = (*loc)->refs;
      live[(*loc)->pack] += (*loc)->length;
      auto view = parsePageRecord(**rec);
      if (!view || view->size() != (*rec)->size() || view->sha256 != sha) {
        problem("page " + toHex(sha) + ": the stored record is damaged");
        continue;
      }
      if (auto s = decoder.decode(*view, page); !s) problem("page " + toHex(sha) + ": " + s.error().message);
    }
    return {};
  }

  Status checkPacks(const std::map<uint64_t, uint64_t>& live, const PageStoreStats& stats) {
    auto c = LmdbCursor::open(txn_, a_.dbs().packinfo);
    if (!c) return c.error();
    uint64_t total_bytes = 0, live_bytes = 0;
    for (auto ok = (*c)->seek(std::nullopt);; ok = (*c)->next()) {
      if (!ok) return ok.error();
      if (!*ok) break;
      ++v_.packs;
      if ((*c)->key().size() != 8 || (*c)->value().size() != 8) {
        problem("pack table: malformed entry");
        continue;
      }
      uint64_t id = getBe64((*c)->key().data());
      uint32_t total = getLe32((*c)->value().data()), recorded_live = getLe32((*c)->value().data() + 4);
      auto pack = txn_.get(a_.dbs().packs, (*c)->key());
      if (!pack || !*pack || (*pack)->size() != total)
        problem("pack " + std::to_string(id) + ": missing or not " + std::to_string(total) + " bytes");
      auto it = live.find(id);
      uint64_t counted = it == live.end() ? 0 : it->second;
      if (counted != recorded_live)
        problem("pack " + std::to_string(id) + ": " + std::to_string(recorded_live) + " live bytes recorded, " +
                std::to_string(counted) + " counted");
      total_bytes += total;
      live_bytes += counted;
    }
    if (total_bytes != stats.pack_bytes || live_bytes != stats.live_bytes || v_.pages != stats.pages)
      problem("page store counters (" + std::to_string(stats.pages) + " pages, " + std::to_string(stats.pack_bytes) +
              " bytes) differ from what is stored (" + std::to_string(v_.pages) + " pages, " +
              std::to_string(total_bytes) + " bytes)");
    return {};
  }

  // Recounts page references from every layout; checks every bundle rebuilds.
  Status checkBundles() {
    auto c = LmdbCursor::open(txn_, a_.dbs().bundles);
    if (!c) return c.error();
    std::map<PageKey, uint64_t> counted;
    for (auto ok = (*c)->seek(std::nullopt);; ok = (*c)->next()) {
      if (!ok) return ok.error();
      if (!*ok) break;
      ++v_.bundles;
      Sha256Digest id{};
      if ((*c)->key().size() == 32) std::memcpy(id.data(), (*c)->key().data(), 32);
      pb::ArchiveEntry e;
      pb::ArchivedLayout layout;
      auto l = e.ParseFromArray((*c)->value().data(), static_cast<int>((*c)->value().size()))
                   ? txn_.get(a_.dbs().layouts, numberKey(e.number()))
                   : Result<std::optional<Bytes>>(std::optional<Bytes>());
      if (!l || !*l || !layout.ParseFromArray((**l).data(), static_cast<int>((**l).size()))) {
        problem("bundle " + shortId(id) + ": damaged entry or layout");
        continue;
      }
      for (const pb::ArchivedExtent& x : layout.extents()) {
        if (x.literal_bytes() != 0) continue;
        PageKey key{};
        if (x.page_key().size() != key.size()) {
          problem("bundle " + shortId(id) + ": malformed page extent");
          continue;
        }
        std::memcpy(key.data(), x.page_key().data(), key.size());
        ++counted[key];
      }
      checkRebuild(id);
    }
    for (const auto& [key, n] : counted) {
      auto it = refs_.find(key);
      if (it == refs_.end()) problem("page " + toHex(key) + " is used by bundles but not stored");
      else if (it->second != n)
        problem("page " + toHex(key) + ": " + std::to_string(it->second) + " references recorded, " +
                std::to_string(n) + " counted");
    }
    for (const auto& [key, n] : refs_)
      if (!counted.count(key)) problem("page " + toHex(key) + " is stored but no bundle uses it");
    return {};
  }

  void checkRebuild(const Sha256Digest& id) {
    auto reader = a_.openBundle(id);
    if (!reader) return problem("bundle " + shortId(id) + ": " + reader.error().message);
    Sha256 sha;
    auto scanned = scanBundle(**reader, [&](const ScannedPiece& p) -> Status {
      sha.update(p.bytes.data(), p.bytes.size());
      return {};
    });
    if (!scanned) return problem("bundle " + shortId(id) + ": " + scanned.error().message);
    if (sha.finish() != id) problem("bundle " + shortId(id) + ": does not rebuild to its original bytes");
  }

 private:
  const Archive& a_;
  LmdbTxn& txn_;
  ArchiveVerification& v_;
  std::map<PageKey, uint32_t> refs_;
};

}  // namespace

Result<ArchiveVerification> verifyArchive(const Archive& archive) {
  ArchiveVerification v;
  auto txn = LmdbTxn::begin(archive.env(), false);
  if (!txn) return txn.error();
  auto store = PageStore::load(**txn, archive.dbs().pageStore());
  if (!store) return store.error();
  Checker check(archive, **txn, v);
  std::map<uint64_t, uint64_t> live;
  if (auto s = check.checkPages(*store, live); !s) return s.error();
  if (auto s = check.checkPacks(live, store->stats()); !s) return s.error();
  if (auto s = check.checkBundles(); !s) return s.error();
  return v;
}

}  // namespace tandem
