// Streams one snapshot into a bundle: the machine state given at the start,
// then pages in ascending frame order, each stored once per bundle (a page
// whose content is already in the bundle only gets a reference). Pages go
// out in PAGES sections of BundleWriterOptions::pages_per_section records;
// the snapshot's own section, with the page list, is written by finish().
#pragma once

#include <cstdint>
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

  // `page` is kPageSize bytes. Frame numbers strictly ascending, below
  // memory_bytes / kPageSize. In a full snapshot, pages of zeros may be
  // given or left out: both mean zeros.
  Status addPage(uint64_t pfn, const uint8_t* page);

  // Writes the remaining pages and the snapshot section. Returns the
  // snapshot's number.
  Result<uint32_t> finish();

  uint32_t number() const { return number_; }

 private:
  friend class BundleWriter;
  SnapshotWriter(BundleWriter& writer, uint32_t number, pb::MachineSnapshot msg, int zstd_level);
  Status flushPages();

  BundleWriter& writer_;
  uint32_t number_;
  pb::MachineSnapshot msg_;
  bool full_;
  uint64_t page_limit_;
  std::optional<uint64_t> last_pfn_;
  PageEncoder encoder_;
  Sha256 sha_;
  std::vector<uint8_t> section_;          // records of the PAGES section being filled
  uint32_t section_records_ = 0;
  std::vector<int> pending_refs_;         // pages refs pointing into section_
  std::vector<Sha256Digest> pending_new_; // records in section_, in order
  bool done_ = false;
};

}  // namespace tandem
