// Streams one snapshot into a bundle: the machine state given at the start,
// then pages in ascending frame order. Pages are gathered into batches of
// BundleWriterOptions::pages_per_section; a batch is hashed and compressed
// by all the writer's workers at once, then goes out as one PAGES section.
// Each distinct page is stored once per bundle (a page whose content is
// already in the bundle only gets a reference). finish() writes the
// snapshot's own section, with the page list.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "logstore/PageRecord.h"
#include "logstore/Sha256.h"
#include "logstore/tandem.pb.h"
#include "vmm/Result.h"

namespace tandem {

class BundleWriter;

class SnapshotWriter {
 public:
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // `page` is kPageSize bytes, copied before this returns. Frame numbers
  // strictly ascending, below memory_bytes / kPageSize. In a full snapshot,
  // pages of zeros may be given or left out: both mean zeros.
  Status addPage(uint64_t pfn, const uint8_t* page);

  // Writes the remaining pages and the snapshot section. Returns the
  // snapshot's number.
  Result<uint32_t> finish();

  uint32_t number() const { return number_; }

 private:
  friend class BundleWriter;
  SnapshotWriter(BundleWriter& writer, uint32_t number, pb::MachineSnapshot msg);
  Status flushBatch();

  BundleWriter& writer_;
  uint32_t number_;
  pb::MachineSnapshot msg_;
  bool full_;
  uint64_t page_limit_;
  std::optional<uint64_t> last_pfn_;
  // Per worker: a compressor and a hasher.
  std::vector<std::unique_ptr<PageEncoder>> encoders_;
  std::vector<std::unique_ptr<Sha256>> hashers_;
  // The batch: page contents, their refs in msg_, then digests and records.
  std::vector<uint8_t> pages_;
  std::vector<int> refs_;
  std::vector<Sha256Digest> digests_;
  std::vector<uint8_t> records_;         // one kMaxPageRecordSize slot per page
  std::vector<uint32_t> record_sizes_;
  std::vector<uint8_t> section_;         // the PAGES section being built
  bool done_ = false;
};

}  // namespace tandem
