// Reads a whole bundle once, in file order, one section in memory at a
// time, and checks all of it: every checksum and size, every message against
// the schema, every page record's content against its SHA-256, every
// snapshot's page references, every event chunk against the index.
//
// A visitor sees every byte of the file exactly once, in order, each piece
// only after it has been checked: the archive builds its copy of a bundle
// this way without reading the file twice.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "logstore/BundleReader.h"
#include "logstore/PageRecord.h"
#include "vmm/Result.h"

namespace tandem {

struct BundleVerification {
  uint32_t sections = 0;      // excluding the index
  uint32_t snapshots = 0;
  uint64_t page_records = 0;  // distinct pages stored in the bundle
  uint64_t events = 0;
  uint64_t first_icount = 0;  // of the first event (0 without events)
  uint64_t last_icount = 0;   // of the last event
};

// A checked piece of the file. `section` is null for the file header, the
// index section and the trailer; for a PAGES section `records` holds its
// page records (views into `bytes`).
struct ScannedPiece {
  std::span<const uint8_t> bytes;
  const pb::SectionEntry* section = nullptr;
  uint32_t ordinal = 0;
  std::vector<PageRecordView> records;
};

using ScanVisitor = std::function<Status(const ScannedPiece&)>;

Result<BundleVerification> scanBundle(const BundleReader& reader, const ScanVisitor& visit);
Result<BundleVerification> verifyBundle(const BundleReader& reader);

}  // namespace tandem
