#include "logstore/Archive.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "logstore/ArchivedBundleSource.h"
#include "logstore/ArchivedLayout.h"
#include "logstore/BundleFormat.h"
#include "logstore/BundleScanner.h"
#include "logstore/DurableFile.h"

namespace tandem {
namespace {

// Address space reserved for the memory map; the file grows only as needed.
constexpr uint64_t kMapSize = 1ull << 40;
constexpr char kCountersKey[] = "archive";

Bytes countersKey() { return {reinterpret_cast<const uint8_t*>(kCountersKey), sizeof kCountersKey - 1}; }
Bytes idKey(const Sha256Digest& id) { return {id.data(), id.size()}; }

uint64_t diskBytes(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
}

Status serializeTo(const google::protobuf::MessageLite& m, std::string& out) {
  if (!m.SerializeToString(&out)) return makeError("cannot serialise an archive record");
  return {};
}

}  // namespace

int64_t seenNs(const pb::ArchiveEntry& e) {
  return e.manifest().failure().wall_time_ns() != 0 ? e.manifest().failure().wall_time_ns() : e.ingested_ns();
}

std::string shortId(const Sha256Digest& id) { return toHex(id).substr(0, 12); }
std::string shortId(const std::string& sha256_bytes) {
  return toHex({reinterpret_cast<const uint8_t*>(sha256_bytes.data()), sha256_bytes.size()}).substr(0, 12);
}

std::string Archive::defaultDirectory() {
  if (const char* a = std::getenv("TANDEM_ARCHIVE"); a && *a) return a;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/tandem/archive";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/tandem/archive";
}

Result<std::unique_ptr<Archive>> Archive::open(const std::string& dir, bool create) {
  std::error_code ec;
  if (create) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return makeError("archive " + dir + ": cannot create the directory: " + ec.message());
  } else if (!std::filesystem::exists(dir + "/data.mdb", ec)) {
    return makeError("no archive at " + dir + " (nothing has been ingested there)");
  }
  auto env = LmdbEnv::open(dir, 8, kMapSize);
  if (!env) return env.error();
  // Databases are created once, in a write transaction; afterwards a read
  // transaction finds them (so read-only commands never wait for a writer).
  // Handles stay valid for the environment's lifetime once their
  // transaction commits.
  ArchiveDbs d{};
  const std::pair<const char*, MDB_dbi*> names[] = {{"meta", &d.meta},     {"bundles", &d.bundles},
                                                    {"layouts", &d.layouts}, {"literals", &d.literals},
                                                    {"pages", &d.pages},   {"packs", &d.packs},
                                                    {"packinfo", &d.packinfo}};
  for (bool write : {false, true}) {
    auto txn = LmdbTxn::begin(**env, write);
    if (!txn) return txn.error();
    bool all = true;
    for (const auto& [name, dbi] : names) {
      auto h = (*txn)->openDb(name, write);
      if (!h) {
        all = false;
        break;
      }
      *dbi = *h;
    }
    if (!all) {
      if (write) return makeError("archive " + dir + ": cannot create its databases");
      continue;
    }
    std::unique_ptr<Archive> a(new Archive(std::move(*env), d));
    auto c = a->loadCounters(**txn);
    if (!c) return c.error();
    if (write)
      if (auto s = a->saveCounters(**txn, *c); !s) return s.error();
    if (auto s = (*txn)->commit(); !s) return s.error();
    return a;
  }
  return makeError("archive " + dir + ": cannot open its databases");
}

Result<ArchiveCounters> Archive::loadCounters(const LmdbTxn& txn) const {
  auto v = txn.get(dbs_.meta, countersKey());
  if (!v) return v.error();
  ArchiveCounters c;
  if (!*v) return c;
  if ((*v)->size() != 44) return makeError("archive " + dir() + ": damaged counters");
  const uint8_t* p = (*v)->data();
  c.format = getLe32(p);
  if (c.format != kArchiveFormat)
    return makeError("archive " + dir() + ": format " + std::to_string(c.format) + " is not supported (this tandem uses " +
                     std::to_string(kArchiveFormat) + ")");
  c.next_number = getLe64(p + 4);
  c.bundles = getLe64(p + 12);
  c.bundle_bytes = getLe64(p + 20);
  c.literal_bytes = getLe64(p + 28);
  c.layout_bytes = getLe64(p + 36);
  return c;
}

Status Archive::saveCounters(LmdbTxn& txn, const ArchiveCounters& c) {
  uint8_t v[44];
  putLe32(v, c.format);
  putLe64(v + 4, c.next_number);
  putLe64(v + 12, c.bundles);
  putLe64(v + 20, c.bundle_bytes);
  putLe64(v + 28, c.literal_bytes);
  putLe64(v + 36, c.layout_bytes);
  return txn.put(dbs_.meta, countersKey(), {v, sizeof v});
}

Result<Archive::WriteSession> Archive::beginWrite() {
  WriteSession w;
  auto txn = LmdbTxn::begin(*env_, true);
  if (!txn) return txn.error();
  w.txn = std::move(*txn);
  auto counters = loadCounters(*w.txn);
  if (!counters) return counters.error();
  w.counters = *counters;
  auto store = PageStore::load(*w.txn, dbs_.pageStore());
  if (!store) return store.error();
  w.store = std::make_unique<PageStore>(std::move(*store));
  return w;
}

Status Archive::commitWrite(WriteSession& w, bool compact_all) {
  if (auto s = w.store->finish(compact_all); !s) return s;
  if (auto s = saveCounters(*w.txn, w.counters); !s) return s;
  return w.txn->commit();
}

Result<IngestResult> Archive::ingest(const std::string& path, int64_t now_ns) {
  auto reader = BundleReader::open(path);
  if (!reader) return reader.error();
  auto session = beginWrite();
  if (!session) return session.error();
  LmdbTxn& txn = *session->txn;
  PageStore& store = *session->store;
  ArchiveCounters& counters = session->counters;

  IngestResult result;
  const uint64_t number = counters.next_number;
  LayoutWriter layout(txn, dbs_.literals, number);
  Sha256 whole;
  auto visit = [&](const ScannedPiece& piece) -> Status {
    whole.update(piece.bytes.data(), piece.bytes.size());
    if (!piece.section || piece.section->type() != pb::SECTION_PAGES) return layout.literal(piece.bytes);
    if (auto s = layout.literal(piece.bytes.first(kSectionHeaderSize)); !s) return s;
    for (const PageRecordView& rec : piece.records) {
      std::span<const uint8_t> bytes(rec.payload.data() - kPageRecordHeaderSize, rec.size());
      auto added = store.add(bytes);
      if (!added) return added.error();
      if (*added == PageStore::Added::kConflict) {
        if (auto s = layout.literal(bytes); !s) return s;
        continue;
      }
      layout.page(rec.sha256, static_cast<uint32_t>(rec.size()));
      ++result.page_records;
      if (*added == PageStore::Added::kNew) ++result.new_pages;
    }
    return {};
  };
  auto scanned = scanBundle(**reader, visit);
  if (!scanned) return scanned.error();
  result.id = whole.finish();
  result.bundle_bytes = (*reader)->size();
  result.literal_bytes = layout.literalBytes();

  auto existing = txn.get(dbs_.bundles, idKey(result.id));
  if (!existing) return existing.error();
  if (*existing) {
    result.already_present = true;  // the transaction is dropped: nothing changes
    return result;
  }
  auto finished = layout.finish();
  if (!finished) return finished.error();
  pb::ArchiveEntry e;
  e.set_bundle_sha256(result.id.data(), result.id.size());
  e.set_bundle_bytes(result.bundle_bytes);
  e.set_number(number);
  e.set_ingested_ns(now_ns);
  std::error_code ec;
  e.set_source_path(std::filesystem::absolute(path, ec).string());
  *e.mutable_manifest() = (*reader)->manifest();
  e.set_literal_bytes(result.literal_bytes);
  e.set_page_records(result.page_records);
  e.set_new_pages(result.new_pages);
  e.set_snapshots(scanned->snapshots);
  e.set_events(scanned->events);
  e.set_first_icount(scanned->first_icount);
  e.set_last_icount(scanned->last_icount);
  std::string layout_bytes, entry_bytes;
  if (auto s = serializeTo(*finished, layout_bytes); !s) return s.error();
  if (auto s = serializeTo(e, entry_bytes); !s) return s.error();
  auto asB = [](const std::string& s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  if (auto s = txn.put(dbs_.layouts, numberKey(number), asB(layout_bytes)); !s) return s.error();
  if (auto s = txn.put(dbs_.bundles, idKey(result.id), asB(entry_bytes)); !s) return s.error();
  counters.next_number++;
  counters.bundles++;
  counters.bundle_bytes += result.bundle_bytes;
  counters.literal_bytes += result.literal_bytes;
  counters.layout_bytes += layout_bytes.size() + entry_bytes.size();
  if (auto s = commitWrite(*session); !s) return s.error();
  return result;
}

Result<std::vector<pb::ArchiveEntry>> Archive::entries() const {
  auto txn = LmdbTxn::begin(*env_, false);
  if (!txn) return txn.error();
  auto c = LmdbCursor::open(**txn, dbs_.bundles);
  if (!c) return c.error();
  std::vector<pb::ArchiveEntry> out;
  for (auto ok = (*c)->seek(std::nullopt);; ok = (*c)->next()) {
    if (!ok) return ok.error();
    if (!*ok) break;
    pb::ArchiveEntry e;
    if (!e.ParseFromArray((*c)->value().data(), static_cast<int>((*c)->value().size())))
      return makeError("archive " + dir() + ": damaged entry " + toHex((*c)->key()));
    out.push_back(std::move(e));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const pb::ArchiveEntry& a, const pb::ArchiveEntry& b) { return seenNs(a) < seenNs(b); });
  return out;
}

Result<Sha256Digest> Archive::resolve(std::string_view id) const {
  std::string hex(id);
  for (char& ch : hex) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (hex.size() < 4 || hex.size() > 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
    return makeError("'" + std::string(id) + "' is not a bundle id (4 to 64 hex digits)");
  std::string padded = hex + std::string(64 - hex.size(), '0');
  Sha256Digest low;
  fromHex(padded, low);
  auto txn = LmdbTxn::begin(*env_, false);
  if (!txn) return txn.error();
  auto c = LmdbCursor::open(**txn, dbs_.bundles);
  if (!c) return c.error();
  std::vector<Sha256Digest> found;
  for (auto ok = (*c)->seek(Bytes(low)); found.size() < 2; ok = (*c)->next()) {
    if (!ok) return ok.error();
    if (!*ok || (*c)->key().size() != 32 || toHex((*c)->key()).rfind(hex, 0) != 0) break;
    Sha256Digest d;
    std::memcpy(d.data(), (*c)->key().data(), 32);
    found.push_back(d);
  }
  if (found.empty()) return makeError("no bundle " + hex + " in the archive at " + dir());
  if (found.size() > 1)
    return makeError("bundle id " + hex + " is ambiguous (" + shortId(found[0]) + ", " + shortId(found[1]) +
                     ", ...): give more digits");
  return found[0];
}

Result<pb::ArchiveEntry> Archive::entry(const Sha256Digest& id) const {
  auto txn = LmdbTxn::begin(*env_, false);
  if (!txn) return txn.error();
  auto v = (*txn)->get(dbs_.bundles, idKey(id));
  if (!v) return v.error();
  pb::ArchiveEntry e;
  if (!*v) return makeError("no bundle " + shortId(id) + " in the archive at " + dir());
  if (!e.ParseFromArray((*v)->data(), static_cast<int>((*v)->size())))
    return makeError("archive " + dir() + ": damaged entry " + shortId(id));
  return e;
}

Result<std::unique_ptr<BundleReader>> Archive::openBundle(const Sha256Digest& id) const {
  auto src = ArchivedBundleSource::open(*this, id);
  if (!src) return src.error();
  return BundleReader::open(std::move(*src));
}

Status Archive::exportBundle(const Sha256Digest& id, const std::string& path) const {
  auto src = ArchivedBundleSource::open(*this, id);
  if (!src) return src.error();
  auto out = DurableFile::create(path);
  if (!out) return out.error();
  Sha256 sha;
  std::vector<uint8_t> buf(kLiteralChunk);
  for (uint64_t off = 0; off < (*src)->size();) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), (*src)->size() - off));
    if (auto s = (*src)->readAt(off, buf.data(), n); !s) return s;
    sha.update(buf.data(), n);
    if (auto s = (*out)->write(buf.data(), n); !s) return s;
    off += n;
  }
  if (sha.finish() != id)
    return makeError("archive " + dir() + ": bundle " + shortId(id) +
                     " does not rebuild to its original bytes (the archive is damaged; run `tandem archive verify`)");
  return (*out)->commit();
}

Status Archive::setDiagnosis(const Sha256Digest& id, const pb::ArchiveDiagnosis& diagnosis) {
  auto txn = LmdbTxn::begin(*env_, true);
  if (!txn) return txn.error();
  auto v = (*txn)->get(dbs_.bundles, idKey(id));
  if (!v) return v.error();
  if (!*v) return makeError("no bundle " + shortId(id) + " in the archive at " + dir());
  pb::ArchiveEntry e;
  const uint64_t old_size = (*v)->size();
  if (!e.ParseFromArray((*v)->data(), static_cast<int>(old_size)))
    return makeError("archive " + dir() + ": damaged entry " + shortId(id));
  *e.mutable_diagnosis() = diagnosis;
  e.mutable_diagnosis()->set_tandem_version(TANDEM_VERSION_STRING);
  std::string entry_bytes;
  if (auto s = serializeTo(e, entry_bytes); !s) return s;
  auto counters = loadCounters(**txn);
  if (!counters) return counters.error();
  counters->layout_bytes += entry_bytes.size();
  counters->layout_bytes -= std::min(counters->layout_bytes, old_size);
  Bytes value(reinterpret_cast<const uint8_t*>(entry_bytes.data()), entry_bytes.size());
  if (auto s = (*txn)->put(dbs_.bundles, idKey(id), value); !s) return s;
  if (auto s = saveCounters(**txn, *counters); !s) return s;
  return (*txn)->commit();
}

Status Archive::removeIn(WriteSession& w, const pb::ArchiveEntry& e) {
  LmdbTxn& txn = *w.txn;
  ArchiveCounters& c = w.counters;
  auto l = txn.get(dbs_.layouts, numberKey(e.number()));
  if (!l) return l.error();
  pb::ArchivedLayout layout;
  if (!*l || !layout.ParseFromArray((*l)->data(), static_cast<int>((*l)->size())))
    return makeError("archive " + dir() + ": bundle " + shortId(e.bundle_sha256()) + " has no readable layout");
  const uint64_t layout_size = (*l)->size();
  for (const pb::ArchivedExtent& x : layout.extents()) {
    if (x.literal_bytes() != 0) continue;
    PageKey key;
    if (x.page_key().size() != key.size()) return makeError("archive " + dir() + ": bad page extent");
    std::memcpy(key.data(), x.page_key().data(), key.size());
    if (auto s = w.store->release(key); !s) return s;
  }
  if (auto s = deleteLiterals(txn, dbs_.literals, e.number(), e.literal_bytes()); !s) return s;
  Bytes key(reinterpret_cast<const uint8_t*>(e.bundle_sha256().data()), 32);
  auto stored_entry = txn.get(dbs_.bundles, key);
  if (!stored_entry) return stored_entry.error();
  uint64_t record_bytes = layout_size + (*stored_entry ? (*stored_entry)->size() : 0);
  c.layout_bytes -= std::min(c.layout_bytes, record_bytes);
  if (auto s = txn.del(dbs_.layouts, numberKey(e.number())); !s) return s;
  if (auto s = txn.del(dbs_.bundles, key); !s) return s;
  c.bundles--;
  c.bundle_bytes -= e.bundle_bytes();
  c.literal_bytes -= e.literal_bytes();
  return {};
}

Status Archive::remove(const Sha256Digest& id) {
  auto session = beginWrite();
  if (!session) return session.error();
  auto v = session->txn->get(dbs_.bundles, idKey(id));
  if (!v) return v.error();
  if (!*v) return makeError("no bundle " + shortId(id) + " in the archive at " + dir());
  pb::ArchiveEntry e;
  if (!e.ParseFromArray((*v)->data(), static_cast<int>((*v)->size())))
    return makeError("archive " + dir() + ": damaged entry " + shortId(id));
  if (auto s = removeIn(*session, e); !s) return s;
  return commitWrite(*session);
}

Result<PruneResult> Archive::prune(const PruneOptions& opt) {
  auto all = entries();  // a snapshot for ordering; each is re-checked below
  if (!all) return all.error();
  auto session = beginWrite();
  if (!session) return session.error();
  const ArchiveCounters& c = session->counters;
  PageStore& store = *session->store;
  auto stored = [&] { return store.stats().pack_bytes + c.literal_bytes + c.layout_bytes; };
  PruneResult r;
  r.stored_before = stored();
  for (const pb::ArchiveEntry& listed : *all) {
    bool too_old = opt.keep_ns && seenNs(listed) < opt.now_ns - static_cast<int64_t>(*opt.keep_ns);
    bool too_big = opt.max_bytes && stored() > *opt.max_bytes;
    if (!too_old && !too_big) break;  // entries are oldest first
    auto v = session->txn->get(dbs_.bundles, {reinterpret_cast<const uint8_t*>(listed.bundle_sha256().data()), 32});
    if (!v) return v.error();
    if (!*v) continue;  // removed by another process meanwhile
    if (auto s = removeIn(*session, listed); !s) return s.error();
    if (too_big && !too_old)
      if (auto s = store.finish(); !s) return s.error();  // reclaim now, so stored() is current
    r.removed.push_back(listed);
  }
  if (auto s = commitWrite(*session, true); !s) return s.error();
  r.packs_rewritten = store.packsRewritten();
  r.stored_after = stored();
  return r;
}

Result<ArchiveStats> Archive::stats() const {
  auto txn = LmdbTxn::begin(*env_, false);
  if (!txn) return txn.error();
  ArchiveStats s;
  auto c = loadCounters(**txn);
  if (!c) return c.error();
  s.counters = *c;
  auto store = PageStore::load(**txn, dbs_.pageStore());
  if (!store) return store.error();
  s.pages = store->stats();
  s.stored_bytes = s.pages.pack_bytes + c->literal_bytes + c->layout_bytes;
  s.file_bytes = diskBytes(dir() + "/data.mdb") + diskBytes(dir() + "/lock.mdb");
  return s;
}

}  // namespace tandem
