// Checks a whole bundle: every section's checksum and size, every message
// against the schema, every page record's content against its SHA-256,
// every snapshot's page references, every event chunk against the index.
// Reads the bundle once, one section in memory at a time.
#pragma once

#include <cstdint>

#include "logstore/BundleReader.h"
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

Result<BundleVerification> verifyBundle(const BundleReader& reader);

}  // namespace tandem
