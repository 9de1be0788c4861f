// Writes a bundle file. Sections go to disk as they are produced, so a
// snapshot's pages can stream out while events are still being appended
// (from the same thread, interleaved, or from another thread). Nothing is
// visible at the path until finish() has made the whole file durable; a
// writer destroyed before that leaves nothing behind (logstore/DurableFile.h).
//
//   auto w = BundleWriter::create("crash.tandem");
//   (*w)->setManifest(manifest);
//   (*w)->writeSnapshot(state, memory);      // or beginSnapshot() + addPage()*
//   for (const Event& e : log) (*w)->appendEvent(e);
//   (*w)->finish();
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "logstore/BundleFormat.h"
#include "logstore/DurableFile.h"
#include "logstore/Event.h"
#include "logstore/SnapshotState.h"
#include "logstore/Sha256.h"
#include "logstore/WorkerPool.h"
#include "logstore/tandem.pb.h"
#include "vmm/PhysMemory.h"
#include "vmm/Result.h"

namespace tandem {

class SnapshotWriter;

struct BundleWriterOptions {
  int page_zstd_level = 1;          // pages: speed matters most
  int section_zstd_level = 3;       // events and snapshot metadata
  uint32_t pages_per_section = 256; // about 1 MiB of pages per PAGES section
  uint32_t events_per_chunk = 8192; // events per EVENTS section
  unsigned threads = 0;             // page hashing/compression workers; 0: one per core, up to 4
};

// Where a page's record is: section ordinal and offset in its payload.
struct PageLocation {
  uint32_t section = 0;
  uint32_t offset = 0;
};

struct DigestHash {
  size_t operator()(const Sha256Digest& d) const {
    size_t h;
    static_assert(sizeof h <= sizeof d);
    __builtin_memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

class BundleWriter {
 public:
  static Result<std::unique_ptr<BundleWriter>> create(const std::string& path,
                                                      BundleWriterOptions options = {});
  ~BundleWriter();
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  // Required before finish(); may be called (again) at any time until then.
  // The format version and tandem version fields are filled in here.
  void setManifest(const pb::BundleManifest& manifest);

  // A full snapshot of `mem`: every page that is not all zeros. Returns the
  // snapshot's number (0 for the first).
  Result<uint32_t> writeSnapshot(const SnapshotState& state, const PhysMemory& mem);
  // An incremental snapshot over snapshot `base`: the pages `mem` marks
  // dirty, which must be every page written since `base` was taken.
  Result<uint32_t> writeIncrementalSnapshot(const SnapshotState& state, const PhysMemory& mem,
                                            uint32_t base);
  // Streaming form: add pages through the returned writer, then finish it.
  // One snapshot at a time.
  Result<std::unique_ptr<SnapshotWriter>> beginSnapshot(const SnapshotState& state,
                                                        uint64_t memory_bytes,
                                                        std::optional<uint32_t> base);

  // Events in non-decreasing icount order. Safe to call from another thread
  // while a snapshot is being written.
  Status appendEvent(const Event& event);

  // Flushes everything, writes the manifest, the index and the trailer,
  // and makes the file durable under its name.
  Status finish();

  const std::string& path() const { return file_->path(); }
  uint64_t bytesWritten() const;

 private:
  friend class SnapshotWriter;
  BundleWriter(std::unique_ptr<DurableFile> file, BundleWriterOptions options);

  // Writes one framed section; `entry` describes it for the index (its type,
  // offset, length and checksum are filled in). Returns the section ordinal.
  Result<uint32_t> emitSection(SectionType type, Codec codec, std::span<const uint8_t> raw,
                               pb::SectionEntry entry);
  Result<uint32_t> emitMessage(SectionType type, const google::protobuf::MessageLite& msg,
                               bool compress, pb::SectionEntry entry);
  Status flushEventsLocked();
  Status sticky(Status s);
  Status snapshotDone(uint32_t number, uint64_t icount, uint64_t memory_bytes);

  std::unique_ptr<DurableFile> file_;
  BundleWriterOptions options_;
  WorkerPool pool_;

  mutable std::mutex file_mutex_;  // guards the file, the index and failure_
  pb::BundleIndex index_;
  std::optional<Error> failure_;

  std::mutex events_mutex_;
  std::vector<Event> pending_events_;
  uint64_t last_event_icount_ = 0;

  // Touched only by the one snapshot being written (and by finish()).
  std::optional<pb::BundleManifest> manifest_;
  std::unordered_map<Sha256Digest, PageLocation, DigestHash> stored_pages_;
  uint32_t snapshots_ = 0;
  bool snapshot_open_ = false;
  std::vector<uint64_t> snapshot_icounts_;
  std::vector<uint64_t> snapshot_memory_;
  bool finished_ = false;
};

}  // namespace tandem
