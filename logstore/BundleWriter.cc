#include "logstore/BundleWriter.h"

#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "logstore/BundleReader.h"
#include "logstore/Crc32c.h"
#include "logstore/CpuStateProto.h"
#include "logstore/EventCodec.h"
#include "logstore/SnapshotWriter.h"
#include "vmm/Assert.h"

namespace tandem {
namespace {

int64_t wallNowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Status checkSnapshotState(const SnapshotState& state, uint64_t memory_bytes) {
  if (memory_bytes == 0 || memory_bytes % kPageSize != 0 || memory_bytes > kMaxGuestMemory)
    return makeError("guest memory of " + std::to_string(memory_bytes) +
                     " bytes is not a multiple of 4096 between 4096 and " +
                     std::to_string(kMaxGuestMemory));
  if (state.machine.devices.size() > kMaxDevices)
    return makeError(std::to_string(state.machine.devices.size()) + " devices (limit " +
                     std::to_string(kMaxDevices) + ")");
  std::set<std::string> names;
  for (const DeviceBlob& d : state.machine.devices) {
    if (d.name.empty() || !names.insert(d.name).second)
      return makeError("device name '" + d.name + "' is empty or used twice");
    if (d.state.size() > kMaxDeviceStateBytes)
      return makeError("device " + d.name + ": state of " + std::to_string(d.state.size()) + " bytes");
  }
  if (state.clock_state.size() > kMaxClockStateBytes)
    return makeError("clock state of " + std::to_string(state.clock_state.size()) + " bytes");
  return {};
}

}  // namespace

namespace {

unsigned poolWidth(unsigned requested) {
  if (requested) return requested;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

}  // namespace

BundleWriter::BundleWriter(std::unique_ptr<DurableFile> file, BundleWriterOptions options)
    : file_(std::move(file)), options_(options), pool_(poolWidth(options.threads)) {}

BundleWriter::~BundleWriter() = default;

Result<std::unique_ptr<BundleWriter>> BundleWriter::create(const std::string& path,
                                                           BundleWriterOptions options) {
  TANDEM_ASSERT(options.pages_per_section > 0 && options.events_per_chunk > 0 &&
                options.events_per_chunk <= kMaxEventsPerChunk &&
                options.pages_per_section * kMaxPageRecordSize <= kMaxSectionBytes);
  auto file = DurableFile::create(path);
  if (!file) return file.error();
  std::unique_ptr<BundleWriter> w(new BundleWriter(std::move(*file), options));
  uint8_t header[kFileHeaderSize];
  encodeFileHeader(FileHeader{}, header);
  if (auto s = w->file_->write(header, sizeof header); !s) return s.error();
  return w;
}

uint64_t BundleWriter::bytesWritten() const {
  std::lock_guard lock(file_mutex_);
  return file_->size();
}

void BundleWriter::setManifest(const pb::BundleManifest& manifest) {
  manifest_ = manifest;
  manifest_->set_format_major(kFormatMajor);
  manifest_->set_format_minor(kFormatMinor);
  manifest_->set_tandem_version(TANDEM_VERSION_STRING);
  if (manifest_->created_ns() == 0) manifest_->set_created_ns(wallNowNs());
  if (manifest_->host_name().empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) manifest_->set_host_name(host);
  }
}

Status BundleWriter::sticky(Status s) {
  if (!s && !failure_) failure_ = s.error();
  return s;
}

Result<uint32_t> BundleWriter::emitSection(SectionType type, Codec codec,
                                           std::span<const uint8_t> raw, pb::SectionEntry entry) {
  std::vector<uint8_t> compressed;
  std::span<const uint8_t> stored = raw;
  if (codec == Codec::kZstd) {
    compressed.resize(ZSTD_compressBound(raw.size()));
    size_t n = ZSTD_compress(compressed.data(), compressed.size(), raw.data(), raw.size(),
                             options_.section_zstd_level);
    TANDEM_ASSERT(!ZSTD_isError(n));
    compressed.resize(n);
    stored = compressed;
  }
  if (raw.size() > kMaxSectionBytes || stored.size() > kMaxSectionBytes)
    return makeError(path() + ": a " + sectionTypeName(static_cast<uint16_t>(type)) + " section of " +
                     std::to_string(raw.size()) + " bytes exceeds the format's limit");
  SectionHeader h;
  h.type = static_cast<uint16_t>(type);
  h.codec = codec;
  h.stored_length = stored.size();
  h.raw_length = raw.size();
  h.payload_crc = crc32c(stored.data(), stored.size());
  uint8_t header[kSectionHeaderSize];
  encodeSectionHeader(h, header);

  std::lock_guard lock(file_mutex_);
  if (failure_) return *failure_;
  if (finished_) return makeError(path() + ": bundle already finished");
  if (static_cast<uint64_t>(index_.sections_size()) >= kMaxSections)
    return makeError(path() + ": too many sections");
  entry.set_type(static_cast<pb::SectionType>(type));
  entry.set_offset(file_->size());
  entry.set_length(kSectionHeaderSize + stored.size());
  entry.set_payload_crc32c(h.payload_crc);
  if (auto s = sticky(file_->write(header, sizeof header)); !s) return s.error();
  if (auto s = sticky(file_->write(stored.data(), stored.size())); !s) return s.error();
  *index_.add_sections() = std::move(entry);
  return static_cast<uint32_t>(index_.sections_size() - 1);
}

Result<uint32_t> BundleWriter::emitMessage(SectionType type, const google::protobuf::MessageLite& msg,
                                           bool compress, pb::SectionEntry entry) {
  std::string bytes;
  TANDEM_ASSERT(msg.SerializeToString(&bytes));
  return emitSection(type, compress ? Codec::kZstd : Codec::kNone,
                     {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, std::move(entry));
}

Result<std::unique_ptr<SnapshotWriter>> BundleWriter::beginSnapshot(const SnapshotState& state,
                                                                    uint64_t memory_bytes,
                                                                    std::optional<uint32_t> base) {
  if (snapshot_open_) return makeError(path() + ": a snapshot is already being written");
  if (snapshots_ >= kMaxSnapshots) return makeError(path() + ": too many snapshots");
  if (auto s = checkSnapshotState(state, memory_bytes); !s) return makeError(path() + ": " + s.error().message);
  if (base && *base >= snapshots_)
    return makeError(path() + ": base snapshot " + std::to_string(*base) + " does not exist");
  if (base && snapshot_icounts_[*base] > state.machine.cpu.icount)
    return makeError(path() + ": base snapshot is later than the new one");
  pb::MachineSnapshot msg;
  msg.set_number(snapshots_);
  msg.set_icount(state.machine.cpu.icount);
  cpuStateToProto(state.machine.cpu, *msg.mutable_cpu());
  for (const DeviceBlob& d : state.machine.devices) {
    pb::DeviceState* ds = msg.add_devices();
    ds->set_name(d.name);
    ds->set_state(d.state.data(), d.state.size());
  }
  msg.set_clock_state(state.clock_state.data(), state.clock_state.size());
  msg.set_memory_bytes(memory_bytes);
  if (base) msg.set_base_snapshot(*base);
  snapshot_open_ = true;
  return std::unique_ptr<SnapshotWriter>(
      new SnapshotWriter(*this, snapshots_, std::move(msg)));
}

Status BundleWriter::snapshotDone(uint32_t number, uint64_t icount, uint64_t memory_bytes) {
  TANDEM_ASSERT(number == snapshots_);
  snapshot_icounts_.push_back(icount);
  snapshot_memory_.push_back(memory_bytes);
  ++snapshots_;
  snapshot_open_ = false;
  return {};
}

Result<uint32_t> BundleWriter::writeSnapshot(const SnapshotState& state, const PhysMemory& mem) {
  auto sw = beginSnapshot(state, mem.size(), std::nullopt);
  if (!sw) return sw.error();
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn)
    if (auto s = (*sw)->addPage(pfn, mem.base() + (pfn << kPageShift)); !s) return s.error();
  return (*sw)->finish();
}

Result<uint32_t> BundleWriter::writeIncrementalSnapshot(const SnapshotState& state,
                                                        const PhysMemory& mem, uint32_t base) {
  auto sw = beginSnapshot(state, mem.size(), base);
  if (!sw) return sw.error();
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn) {
    if (!mem.isDirty(pfn)) continue;
    if (auto s = (*sw)->addPage(pfn, mem.base() + (pfn << kPageShift)); !s) return s.error();
  }
  return (*sw)->finish();
}

Status BundleWriter::appendEvent(const Event& event) {
  std::lock_guard lock(events_mutex_);
  if (event.icount.value() < last_event_icount_)
    return makeError(path() + ": event at icount " + std::to_string(event.icount.value()) +
                     " after one at " + std::to_string(last_event_icount_));
  if (const auto* s = std::get_if<SerialInputEvent>(&event.body);
      s && (s->data.empty() || s->data.size() > kMaxSerialInputBytes))
    return makeError(path() + ": serial input event of " + std::to_string(s->data.size()) + " bytes");
  if (const auto* d = std::get_if<MachineDigestEvent>(&event.body); d && d->sha256.size() != 32)
    return makeError(path() + ": machine digest event that is not 32 bytes");
  if (std::holds_alternative<UnknownEvent>(event.body))
    return makeError(path() + ": an event of unknown kind cannot be written");
  last_event_icount_ = event.icount.value();
  pending_events_.push_back(event);
  if (pending_events_.size() >= options_.events_per_chunk) return flushEventsLocked();
  return {};
}

Status BundleWriter::flushEventsLocked() {
  if (pending_events_.empty()) return {};
  pb::EventChunk chunk;
  encodeEventChunk(pending_events_, chunk);
  pb::SectionEntry entry;
  entry.set_first_icount(pending_events_.front().icount.value());
  entry.set_last_icount(pending_events_.back().icount.value());
  entry.set_count(static_cast<uint32_t>(pending_events_.size()));
  pending_events_.clear();
  auto ordinal = emitMessage(SectionType::kEvents, chunk, true, std::move(entry));
  if (!ordinal) return ordinal.error();
  return {};
}

Status BundleWriter::finish() {
  if (finished_) return makeError(path() + ": bundle already finished");
  if (snapshot_open_) return makeError(path() + ": a snapshot is still being written");
  if (!manifest_) return makeError(path() + ": no manifest was set");
  {
    std::lock_guard lock(events_mutex_);
    if (auto s = flushEventsLocked(); !s) return s;
  }
  pb::GuestDescription* guest = manifest_->mutable_guest();
  for (uint64_t bytes : snapshot_memory_) {
    if (guest->memory_bytes() == 0) guest->set_memory_bytes(bytes);
    uint64_t memory = guest->memory_bytes();
    if (memory != bytes)
      return makeError(path() + ": the manifest says " + std::to_string(memory) +
                       " bytes of guest memory but a snapshot has " + std::to_string(bytes));
  }
  if (auto s = checkManifest(*manifest_); !s) return makeError(path() + ": manifest: " + s.error().message);
  if (auto m = emitMessage(SectionType::kManifest, *manifest_, false, pb::SectionEntry()); !m)
    return m.error();

  std::lock_guard lock(file_mutex_);
  if (failure_) return *failure_;
  uint64_t index_offset = file_->size();
  std::string bytes;
  TANDEM_ASSERT(index_.SerializeToString(&bytes));
  if (bytes.size() > kMaxSectionBytes) return makeError(path() + ": index too large");
  SectionHeader h;
  h.type = static_cast<uint16_t>(SectionType::kIndex);
  h.stored_length = h.raw_length = bytes.size();
  h.payload_crc = crc32c(bytes.data(), bytes.size());
  uint8_t header[kSectionHeaderSize];
  encodeSectionHeader(h, header);
  uint8_t trailer[kTrailerSize];
  encodeTrailer(Trailer{index_offset, index_offset + kSectionHeaderSize + bytes.size() + kTrailerSize},
                trailer);
  if (auto s = sticky(file_->write(header, sizeof header)); !s) return s;
  if (auto s = sticky(file_->write(bytes.data(), bytes.size())); !s) return s;
  if (auto s = sticky(file_->write(trailer, sizeof trailer)); !s) return s;
  if (auto s = sticky(file_->commit()); !s) return s;
  finished_ = true;
  return {};
}

}  // namespace tandem
