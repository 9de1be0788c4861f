#include "logstore/ArchivedLayout.h"

#include <limits>

#include "logstore/Archive.h"
#include "logstore/PageStore.h"

namespace tandem {

std::array<uint8_t, 12> literalKey(uint64_t number, uint32_t chunk) {
  std::array<uint8_t, 12> k;
  putBe64(k.data(), number);
  for (int i = 0; i < 4; ++i) k[8 + i] = static_cast<uint8_t>(chunk >> (24 - 8 * i));
  return k;
}

std::array<uint8_t, 8> numberKey(uint64_t number) {
  std::array<uint8_t, 8> k;
  putBe64(k.data(), number);
  return k;
}

Status LayoutWriter::flush() {
  if (buffer_.empty()) return {};
  if (auto s = txn_.put(literals_, literalKey(number_, chunk_), buffer_); !s) return s;
  ++chunk_;
  buffer_.clear();
  return {};
}

Status LayoutWriter::literal(std::span<const uint8_t> bytes) {
  literal_bytes_ += bytes.size();
  // Extend the previous literal extent when there is one.
  while (!bytes.empty()) {
    int n = layout_.extents_size();
    pb::ArchivedExtent* last = n > 0 ? layout_.mutable_extents(n - 1) : nullptr;
    if (!last || last->literal_bytes() == 0 || last->literal_bytes() == std::numeric_limits<uint32_t>::max())
      last = layout_.add_extents();
    size_t room = std::numeric_limits<uint32_t>::max() - last->literal_bytes();
    size_t take = std::min(room, bytes.size());
    last->set_literal_bytes(last->literal_bytes() + static_cast<uint32_t>(take));
    while (take > 0) {
      size_t part = std::min(take, kLiteralChunk - buffer_.size());
      buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<long>(part));
      bytes = bytes.subspan(part);
      take -= part;
      if (buffer_.size() == kLiteralChunk)
        if (auto s = flush(); !s) return s;
    }
  }
  return {};
}

void LayoutWriter::page(const Sha256Digest& sha, uint32_t record_bytes) {
  pb::ArchivedExtent* e = layout_.add_extents();
  PageKey key = pageKey(sha);
  e->set_page_key(key.data(), key.size());
  e->set_page_record_bytes(record_bytes);
}

Result<pb::ArchivedLayout> LayoutWriter::finish() {
  if (auto s = flush(); !s) return s.error();
  return std::move(layout_);
}

Status deleteLiterals(LmdbTxn& txn, MDB_dbi literals, uint64_t number, uint64_t literal_bytes) {
  uint64_t chunks = (literal_bytes + kLiteralChunk - 1) / kLiteralChunk;
  for (uint64_t c = 0; c < chunks; ++c)
    if (auto s = txn.del(literals, literalKey(number, static_cast<uint32_t>(c))); !s) return s;
  return {};
}

}  // namespace tandem
