// How the archive keeps one bundle: its bytes split into extents, each
// either literal bytes (file header, manifest, snapshots, events, index,
// trailer, section headers, page records the store could not take) or one
// page record from the page store. Literal bytes are stored in order, in
// chunks of kLiteralChunk, under the bundle's archive number.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "logstore/Lmdb.h"
#include "logstore/Sha256.h"
#include "logstore/tandem.pb.h"

namespace tandem {

std::array<uint8_t, 12> literalKey(uint64_t number, uint32_t chunk);
std::array<uint8_t, 8> numberKey(uint64_t number);

// Builds a layout while a bundle is scanned, writing literal chunks as they fill.
class LayoutWriter {
 public:
  LayoutWriter(LmdbTxn& txn, MDB_dbi literals, uint64_t number) : txn_(txn), literals_(literals), number_(number) {}
  Status literal(std::span<const uint8_t> bytes);
  void page(const Sha256Digest& sha, uint32_t record_bytes);
  // Writes the last chunk; returns the layout.
  Result<pb::ArchivedLayout> finish();
  uint64_t literalBytes() const { return literal_bytes_; }
  uint32_t chunks() const { return chunk_; }

 private:
  Status flush();
  LmdbTxn& txn_;
  MDB_dbi literals_;
  uint64_t number_;
  pb::ArchivedLayout layout_;
  std::vector<uint8_t> buffer_;
  uint32_t chunk_ = 0;
  uint64_t literal_bytes_ = 0;
};

// Deletes a bundle's literal chunks.
Status deleteLiterals(LmdbTxn& txn, MDB_dbi literals, uint64_t number, uint64_t literal_bytes);

}  // namespace tandem
