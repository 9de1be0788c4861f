// Reads a bundle with random access: open() reads only the header, the
// trailer, the index and the manifest; a snapshot or the events from some
// icount on are then read by going straight to their sections.
//
// Everything read is checked: magic, version, every checksum, sizes against
// the format's limits (before anything is allocated for them), every field
// against the schema. An error names the source, the section and the file
// offset, e.g.
//   crash.tandem: section 7 (PAGES) at offset 1049176: payload checksum
//   mismatch (stored 0x1c2d3e4f, computed 0x0a0b0c0d)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "logstore/BundleFormat.h"
#include "logstore/ByteSource.h"
#include "logstore/Event.h"
#include "logstore/SnapshotState.h"
#include "logstore/tandem.pb.h"
#include "vmm/PhysMemory.h"
#include "vmm/Result.h"

namespace tandem {

class EventCursor;

// The manifest's limits as tandem.proto states them (sizes of its texts,
// memory size, format version against the file's). Writers and readers
// both apply them.
Status checkManifest(const pb::BundleManifest& m);

// One section as stored: frame header and stored payload, checksum checked,
// with the decoded payload (the stored one itself when not compressed).
struct SectionFrame {
  std::vector<uint8_t> bytes;  // header + stored payload, as in the file
  std::vector<uint8_t> decoded;
  std::span<const uint8_t> payload;
  std::span<const uint8_t> stored() const {
    return std::span<const uint8_t>(bytes).subspan(kSectionHeaderSize);
  }
};

class BundleReader {
 public:
  static Result<std::unique_ptr<BundleReader>> open(const std::string& path);
  static Result<std::unique_ptr<BundleReader>> open(std::unique_ptr<ByteSource> source);

  const std::string& name() const { return source_->name(); }
  const ByteSource& source() const { return *source_; }
  uint64_t size() const { return source_->size(); }
  const FileHeader& header() const { return header_; }
  const pb::BundleManifest& manifest() const { return manifest_; }
  // Every section but the index, in file order, as the index lists them.
  const pb::BundleIndex& index() const { return index_; }
  uint64_t indexOffset() const { return index_offset_; }
  uint32_t indexCrc() const { return index_crc_; }

  uint32_t snapshotCount() const { return static_cast<uint32_t>(snapshot_sections_.size()); }
  Result<SnapshotInfo> snapshot(uint32_t number) const;
  // Fills `mem` (which must have the snapshot's memory size) with the
  // snapshot's memory, applying the snapshots an incremental one builds on,
  // and clears its dirty map.
  Status readMemory(uint32_t number, PhysMemory& mem) const;

  uint64_t eventCount() const { return event_count_; }
  // Events from the first one at or after `from`, read chunk by chunk.
  EventCursor events(Icount from = Icount(0)) const;

  // The decoded payload of section `ordinal` (checksum checked, decompressed).
  Result<std::vector<uint8_t>> readPayload(uint32_t ordinal) const;
  // The section's bytes as stored, checked, plus its decoded payload.
  Result<SectionFrame> readFrame(uint32_t ordinal) const;
  // The parsed MachineSnapshot of snapshot `number`, checked against the schema.
  Result<pb::MachineSnapshot> snapshotMessage(uint32_t number) const;
  // The same from a payload already read (a SNAPSHOT section's).
  Result<pb::MachineSnapshot> parseSnapshot(uint32_t number, std::span<const uint8_t> payload) const;
  // Ordinal of the SNAPSHOT section of snapshot `number`.
  uint32_t snapshotSection(uint32_t number) const { return snapshot_sections_[number]; }
  // "NAME: section K (TYPE) at offset N: " for error messages.
  std::string where(uint32_t ordinal) const;

  // Keeps `owner` (e.g. the archive an archived bundle is read from) alive
  // as long as this reader.
  void keepAlive(std::shared_ptr<const void> owner) { owner_ = std::move(owner); }

  // Ordinals of the EVENTS sections, in icount order.
  const std::vector<uint32_t>& eventSections() const { return event_sections_; }

 private:
  explicit BundleReader(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {}
  Status load();
  Status loadIndex(const Trailer& trailer);
  Status checkIndexEntries();
  Status loadManifest();
  Error truncated() const;
  Result<SectionHeader> readSectionHeader(uint32_t ordinal) const;
  Status checkPayload(uint32_t ordinal, const SectionHeader& h, std::span<const uint8_t> stored) const;
  Result<std::vector<uint8_t>> decompress(uint32_t ordinal, const SectionHeader& h,
                                          std::span<const uint8_t> stored) const;
  Error at(uint64_t offset, const std::string& what) const;

  std::shared_ptr<const void> owner_;  // first: destroyed after the source
  std::unique_ptr<ByteSource> source_;
  FileHeader header_;
  uint64_t index_offset_ = 0;
  uint32_t index_crc_ = 0;
  pb::BundleIndex index_;
  pb::BundleManifest manifest_;
  std::vector<uint32_t> snapshot_sections_;
  std::vector<uint32_t> event_sections_;
  uint64_t event_count_ = 0;
};

}  // namespace tandem
