#include "logstore/ArchivedBundleSource.h"

#include <algorithm>
#include <cstring>

#include "logstore/ArchivedLayout.h"

namespace tandem {

Result<std::unique_ptr<ArchivedBundleSource>> ArchivedBundleSource::open(const Archive& archive,
                                                                         const Sha256Digest& id) {
  auto txn = LmdbTxn::begin(archive.env(), false);
  if (!txn) return txn.error();
  auto store = PageStore::load(**txn, archive.dbs().pageStore());
  if (!store) return store.error();
  std::unique_ptr<ArchivedBundleSource> src(new ArchivedBundleSource(std::move(*txn), std::move(*store), archive));
  src->name_ = "archive:" + shortId(id);
  auto damaged = [&](const std::string& what) {
    return makeError("archive " + archive.dir() + ": bundle " + shortId(id) + ": " + what);
  };
  auto e = src->txn_->get(archive.dbs().bundles, {id.data(), id.size()});
  if (!e) return e.error();
  if (!*e) return makeError("archive " + archive.dir() + ": no bundle " + shortId(id));
  if (!src->entry_.ParseFromArray((*e)->data(), static_cast<int>((*e)->size()))) return damaged("damaged entry");
  auto l = src->txn_->get(archive.dbs().layouts, numberKey(src->entry_.number()));
  if (!l) return l.error();
  pb::ArchivedLayout layout;
  if (!*l || !layout.ParseFromArray((*l)->data(), static_cast<int>((*l)->size()))) return damaged("missing or damaged layout");
  src->extents_.reserve(static_cast<size_t>(layout.extents_size()));
  for (const pb::ArchivedExtent& x : layout.extents()) {
    Extent ext{src->size_, 0, x.literal_bytes() == 0, src->literal_total_, {}};
    if (ext.page) {
      if (x.page_key().size() != ext.key.size() || x.page_record_bytes() == 0) return damaged("bad page extent");
      std::memcpy(ext.key.data(), x.page_key().data(), ext.key.size());
      ext.length = x.page_record_bytes();
    } else {
      ext.length = x.literal_bytes();
      src->literal_total_ += ext.length;
    }
    src->size_ += ext.length;
    src->extents_.push_back(ext);
  }
  if (src->size_ != src->entry_.bundle_bytes() || src->literal_total_ != src->entry_.literal_bytes())
    return damaged("the layout covers " + std::to_string(src->size_) + " bytes, the bundle had " +
                   std::to_string(src->entry_.bundle_bytes()));
  return src;
}

Result<Bytes> ArchivedBundleSource::literalChunk(uint64_t chunk) const {
  auto v = txn_->get(dbs_.literals, literalKey(entry_.number(), static_cast<uint32_t>(chunk)));
  if (!v) return v.error();
  uint64_t expected = std::min<uint64_t>(kLiteralChunk, literal_total_ - chunk * kLiteralChunk);
  if (!*v || (*v)->size() != expected)
    return makeError(name_ + ": literal chunk " + std::to_string(chunk) + " is missing or damaged");
  return **v;
}

Result<Bytes> ArchivedBundleSource::pageRecord(const Extent& e) const {
  auto rec = store_.record(e.key);
  if (!rec) return rec.error();
  if (!*rec) return makeError(name_ + ": page " + toHex(e.key) + " is missing from the page store");
  if ((*rec)->size() != e.length)
    return makeError(name_ + ": page " + toHex(e.key) + " in the page store is not the record the bundle had");
  return **rec;
}

Status ArchivedBundleSource::readAt(uint64_t offset, void* out, size_t len) const {
  if (offset > size_ || len > size_ - offset)
    return makeError(name_ + ": read past the end (" + std::to_string(offset) + "+" + std::to_string(len) + ")");
  if (len == 0) return {};
  auto* dst = static_cast<uint8_t*>(out);
  auto it = std::upper_bound(extents_.begin(), extents_.end(), offset,
                             [](uint64_t off, const Extent& e) { return off < e.start; });
  --it;  // the extent holding `offset` (extents start at 0 and cover the file)
  while (len > 0) {
    const Extent& e = *it++;
    uint64_t within = offset - e.start;
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, e.length - within));
    if (e.page) {
      auto rec = pageRecord(e);
      if (!rec) return rec.error();
      std::memcpy(dst, rec->data() + within, n);
    } else {
      uint64_t lit = e.literal_offset + within;
      for (size_t done = 0; done < n;) {
        auto chunk = literalChunk((lit + done) / kLiteralChunk);
        if (!chunk) return chunk.error();
        size_t at = static_cast<size_t>((lit + done) % kLiteralChunk);
        size_t part = std::min(n - done, chunk->size() - at);
        std::memcpy(dst + done, chunk->data() + at, part);
        done += part;
      }
    }
    dst += n;
    offset += n;
    len -= n;
  }
  return {};
}

}  // namespace tandem
