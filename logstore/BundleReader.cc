#include "logstore/BundleReader.h"

#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

#include "logstore/Crc32c.h"
#include "logstore/CpuStateProto.h"
#include "logstore/EventCursor.h"
#include "logstore/PageRecord.h"
#include "vmm/Assert.h"

namespace tandem {

Result<std::unique_ptr<BundleReader>> BundleReader::open(const std::string& path) {
  auto src = FileSource::open(path);
  if (!src) return src.error();
  return open(std::move(*src));
}

Result<std::unique_ptr<BundleReader>> BundleReader::open(std::unique_ptr<ByteSource> source) {
  std::unique_ptr<BundleReader> r(new BundleReader(std::move(source)));
  if (auto s = r->load(); !s) return s.error();
  return r;
}

Error BundleReader::at(uint64_t offset, const std::string& what) const {
  return makeError(name() + ": at offset " + std::to_string(offset) + ": " + what);
}

std::string BundleReader::where(uint32_t ordinal) const {
  const pb::SectionEntry& e = index_.sections(static_cast<int>(ordinal));
  return name() + ": section " + std::to_string(ordinal) + " (" +
         sectionTypeName(static_cast<uint16_t>(e.type())) + ") at offset " + std::to_string(e.offset()) +
         ": ";
}

// Without a trailer, walks the section headers from the start to say where
// the file stops.
Error BundleReader::truncated() const {
  const uint64_t size = source_->size();
  uint64_t off = kFileHeaderSize;
  for (uint64_t k = 0;; ++k) {
    std::string sec = "section " + std::to_string(k) + " at offset " + std::to_string(off);
    if (k > 0 && size - off == kTrailerSize)
      return makeError(name() + ": at offset " + std::to_string(off) +
                       ": the trailer is damaged (wrong trailer magic)");
    if (off == size)
      return makeError(name() + ": truncated: the file ends at offset " + std::to_string(size) +
                       " after " + std::to_string(k) + " complete sections, without index and trailer");
    if (size - off < kSectionHeaderSize)
      return makeError(name() + ": truncated: the file ends at offset " + std::to_string(size) +
                       " inside the header of " + sec);
    uint8_t raw[kSectionHeaderSize];
    if (auto s = source_->readAt(off, raw, sizeof raw); !s) return s.error();
    auto h = decodeSectionHeader(raw);
    if (!h) return makeError(name() + ": no trailer, and " + sec + ": " + h.error().message);
    if (size - off - kSectionHeaderSize < h->stored_length)
      return makeError(name() + ": truncated: the file ends at offset " + std::to_string(size) +
                       " inside " + sec + " (" + sectionTypeName(h->type) + ", " +
                       std::to_string(kSectionHeaderSize + h->stored_length) + " bytes long)");
    off += kSectionHeaderSize + h->stored_length;
  }
}

Status BundleReader::load() {
  const uint64_t size = source_->size();
  constexpr uint64_t kMinimum = kFileHeaderSize + kSectionHeaderSize + kTrailerSize;
  uint8_t head[kFileHeaderSize];
  if (size < kFileHeaderSize) {
    if (size >= 8) {
      uint8_t magic[8];
      if (auto s = source_->readAt(0, magic, 8); !s) return s;
      if (std::memcmp(magic, kBundleMagic, 8) != 0) return at(0, "not a tandem bundle (wrong magic)");
    }
    return makeError(name() + ": truncated: " + std::to_string(size) + " bytes, a bundle has at least " +
                     std::to_string(kMinimum));
  }
  if (auto s = source_->readAt(0, head, sizeof head); !s) return s;
  auto header = decodeFileHeader(head);
  if (!header) return at(0, header.error().message);
  header_ = *header;
  if (size < kMinimum) return truncated();
  uint8_t tail[kTrailerSize];
  if (auto s = source_->readAt(size - kTrailerSize, tail, sizeof tail); !s) return s;
  auto trailer = decodeTrailer(tail);
  if (!trailer) {
    if (std::memcmp(tail + 16, "TEND", 4) != 0) return truncated();
    return at(size - kTrailerSize, trailer.error().message);
  }
  if (trailer->file_size != size)
    return at(size - kTrailerSize, "the trailer says the file has " + std::to_string(trailer->file_size) +
                                       " bytes but it has " + std::to_string(size));
  if (auto s = loadIndex(*trailer); !s) return s;
  if (auto s = checkIndexEntries(); !s) return s;
  return loadManifest();
}

Status BundleReader::loadIndex(const Trailer& trailer) {
  const uint64_t size = source_->size();
  index_offset_ = trailer.index_offset;
  if (index_offset_ < kFileHeaderSize || index_offset_ > size - kTrailerSize - kSectionHeaderSize)
    return at(size - kTrailerSize, "the trailer's index offset " + std::to_string(index_offset_) +
                                       " lies outside the file");
  uint8_t raw[kSectionHeaderSize];
  if (auto s = source_->readAt(index_offset_, raw, sizeof raw); !s) return s;
  auto h = decodeSectionHeader(raw);
  if (!h) return at(index_offset_, "index: " + h.error().message);
  if (h->type != static_cast<uint16_t>(SectionType::kIndex) || h->codec != Codec::kNone)
    return at(index_offset_, std::string("expected the INDEX section, found ") + sectionTypeName(h->type));
  if (h->stored_length != size - kTrailerSize - index_offset_ - kSectionHeaderSize)
    return at(index_offset_, "the index's length " + std::to_string(h->stored_length) +
                                 " does not reach the trailer");
  std::vector<uint8_t> payload(h->stored_length);
  if (auto s = source_->readAt(index_offset_ + kSectionHeaderSize, payload.data(), payload.size()); !s)
    return s;
  uint32_t crc = crc32c(payload.data(), payload.size());
  if (kCheckIntegrity && crc != h->payload_crc) return at(index_offset_, "index: payload checksum mismatch");
  index_crc_ = h->payload_crc;
  if (!index_.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return at(index_offset_, "index: not a valid BundleIndex message");
  return {};
}

Status BundleReader::checkIndexEntries() {
  if (static_cast<uint64_t>(index_.sections_size()) > kMaxSections)
    return at(index_offset_, "index lists " + std::to_string(index_.sections_size()) + " sections");
  uint64_t expected = kFileHeaderSize;
  uint64_t last_icount = 0;
  int manifests = 0;
  for (int i = 0; i < index_.sections_size(); ++i) {
    const pb::SectionEntry& e = index_.sections(i);
    std::string what = "index entry " + std::to_string(i) + " (" +
                       sectionTypeName(static_cast<uint16_t>(e.type())) + "): ";
    if (e.offset() != expected)
      return at(index_offset_, what + "offset " + std::to_string(e.offset()) + ", expected " +
                                   std::to_string(expected) + " (sections must tile the file)");
    if (e.length() < kSectionHeaderSize || e.length() > kSectionHeaderSize + kMaxSectionBytes ||
        e.length() > index_offset_ - expected)
      return at(index_offset_, what + "impossible length " + std::to_string(e.length()));
    expected += e.length();
    switch (e.type()) {
      case pb::SECTION_MANIFEST: ++manifests; break;
      case pb::SECTION_SNAPSHOT:
        if (e.snapshot() != snapshot_sections_.size() || snapshot_sections_.size() >= kMaxSnapshots)
          return at(index_offset_, what + "snapshot number " + std::to_string(e.snapshot()) +
                                       " out of sequence");
        snapshot_sections_.push_back(static_cast<uint32_t>(i));
        break;
      case pb::SECTION_EVENTS:
        if (e.count() == 0 || e.count() > kMaxEventsPerChunk || e.first_icount() > e.last_icount() ||
            e.first_icount() < last_icount)
          return at(index_offset_, what + "bad event range (" + std::to_string(e.count()) +
                                       " events, icounts " + std::to_string(e.first_icount()) + ".." +
                                       std::to_string(e.last_icount()) + ")");
        last_icount = e.last_icount();
        event_count_ += e.count();
        event_sections_.push_back(static_cast<uint32_t>(i));
        break;
      case pb::SECTION_INDEX:
        return at(index_offset_, what + "the index cannot list an index");
      default:
        break;  // PAGES, or a type from a newer minor version
    }
  }
  if (expected != index_offset_)
    return at(index_offset_, "the sections end at offset " + std::to_string(expected) +
                                 ", not at the index");
  if (manifests != 1)
    return at(index_offset_, "the index lists " + std::to_string(manifests) + " MANIFEST sections, not 1");
  return {};
}

Status checkManifest(const pb::BundleManifest& m) {
  uint64_t memory = m.guest().memory_bytes();
  if (memory % kPageSize != 0 || memory > kMaxGuestMemory)
    return makeError("guest memory of " + std::to_string(memory) + " bytes is not a multiple of 4096 up to " +
                     std::to_string(kMaxGuestMemory));
  const pb::FailureRecord& f = m.failure();
  const struct {
    const char* name;
    size_t size, limit;
  } texts[] = {{"command line", m.guest().command_line().size(), 4096},
               {"console tail", f.console_tail().size(), 64u << 10},
               {"failure message", f.message().size(), 4096},
               {"failure detail", f.detail().size(), 64u << 10},
               {"final digest", f.final_digest().value().size(), 64},
               {"stack top", static_cast<size_t>(f.stack_top_size()), 16}};
  for (const auto& t : texts)
    if (t.size > t.limit)
      return makeError(std::string(t.name) + " of " + std::to_string(t.size) + " exceeds the limit of " +
                       std::to_string(t.limit));
  for (const auto& frame : f.stack_top())
    if (frame.size() > 512) return makeError("a stack frame of " + std::to_string(frame.size()) + " bytes");
  return {};
}

Status BundleReader::loadManifest() {
  for (int i = 0; i < index_.sections_size(); ++i) {
    if (index_.sections(i).type() != pb::SECTION_MANIFEST) continue;
    auto payload = readPayload(static_cast<uint32_t>(i));
    if (!payload) return payload.error();
    if (!manifest_.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
      return makeError(where(static_cast<uint32_t>(i)) + "not a valid BundleManifest message");
    if (auto s = checkManifest(manifest_); !s) return makeError(where(static_cast<uint32_t>(i)) + s.error().message);
    if (manifest_.format_major() != header_.major)
      return makeError(where(static_cast<uint32_t>(i)) + "format major version " +
                       std::to_string(manifest_.format_major()) + " differs from the file header's");
  }
  return {};
}

Result<SectionHeader> BundleReader::readSectionHeader(uint32_t ordinal) const {
  if (ordinal >= static_cast<uint32_t>(index_.sections_size()))
    return makeError(name() + ": no section " + std::to_string(ordinal));
  const pb::SectionEntry& e = index_.sections(static_cast<int>(ordinal));
  uint8_t raw[kSectionHeaderSize];
  if (auto s = source_->readAt(e.offset(), raw, sizeof raw); !s) return s.error();
  auto h = decodeSectionHeader(raw);
  if (!h) return makeError(where(ordinal) + h.error().message);
  if (h->type != static_cast<uint16_t>(e.type()) || kSectionHeaderSize + h->stored_length != e.length() ||
      h->payload_crc != e.payload_crc32c())
    return makeError(where(ordinal) + "the section header (" + sectionTypeName(h->type) + ", " +
                     std::to_string(h->stored_length) + " bytes) disagrees with the index");
  if (h->type == static_cast<uint16_t>(SectionType::kPages) && h->codec != Codec::kNone)
    return makeError(where(ordinal) + "a PAGES section must not be compressed as a whole");
  return *h;
}

Status BundleReader::checkPayload(uint32_t ordinal, const SectionHeader& h,
                                  std::span<const uint8_t> stored) const {
  uint32_t crc = crc32c(stored.data(), stored.size());
  if (crc == h.payload_crc || !kCheckIntegrity) return {};
  char buf[80];
  std::snprintf(buf, sizeof buf, "payload checksum mismatch (stored 0x%08x, computed 0x%08x)",
                h.payload_crc, crc);
  return makeError(where(ordinal) + buf);
}

Result<std::vector<uint8_t>> BundleReader::decompress(uint32_t ordinal, const SectionHeader& h,
                                                      std::span<const uint8_t> stored) const {
  std::vector<uint8_t> out(h.raw_length);
  unsigned long long declared = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (declared != h.raw_length)
    return makeError(where(ordinal) + "zstd frame declares " +
                     (declared >= ZSTD_CONTENTSIZE_ERROR ? std::string("no valid size")
                                                         : std::to_string(declared) + " bytes") +
                     ", the header " + std::to_string(h.raw_length));
  size_t n = ZSTD_decompress(out.data(), out.size(), stored.data(), stored.size());
  if (ZSTD_isError(n)) return makeError(where(ordinal) + "zstd: " + ZSTD_getErrorName(n));
  if (n != h.raw_length) return makeError(where(ordinal) + "decompressed size differs from the header");
  return out;
}

Result<std::vector<uint8_t>> BundleReader::readPayload(uint32_t ordinal) const {
  auto h = readSectionHeader(ordinal);
  if (!h) return h.error();
  const pb::SectionEntry& e = index_.sections(static_cast<int>(ordinal));
  std::vector<uint8_t> stored(h->stored_length);
  if (auto s = source_->readAt(e.offset() + kSectionHeaderSize, stored.data(), stored.size()); !s)
    return s.error();
  if (auto s = checkPayload(ordinal, *h, stored); !s) return s.error();
  if (h->codec == Codec::kNone) return stored;
  return decompress(ordinal, *h, stored);
}

Result<SectionFrame> BundleReader::readFrame(uint32_t ordinal) const {
  auto h = readSectionHeader(ordinal);
  if (!h) return h.error();
  const pb::SectionEntry& e = index_.sections(static_cast<int>(ordinal));
  SectionFrame f;
  f.bytes.resize(e.length());
  if (auto s = source_->readAt(e.offset(), f.bytes.data(), f.bytes.size()); !s) return s.error();
  if (auto s = checkPayload(ordinal, *h, f.stored()); !s) return s.error();
  if (h->codec == Codec::kNone) {
    f.payload = f.stored();
  } else {
    auto raw = decompress(ordinal, *h, f.stored());
    if (!raw) return raw.error();
    f.decoded = std::move(*raw);
    f.payload = f.decoded;
  }
  return f;
}

namespace {

Status checkDevices(const pb::MachineSnapshot& m) {
  if (static_cast<uint32_t>(m.devices_size()) > kMaxDevices)
    return makeError(std::to_string(m.devices_size()) + " devices (limit " + std::to_string(kMaxDevices) + ")");
  std::set<std::string> names;
  for (const pb::DeviceState& d : m.devices()) {
    if (d.name().empty() || !names.insert(d.name()).second)
      return makeError("device name '" + d.name() + "' is empty or used twice");
    if (d.state().size() > kMaxDeviceStateBytes)
      return makeError("device " + d.name() + ": state of " + std::to_string(d.state().size()) + " bytes");
  }
  if (m.clock_state().size() > kMaxClockStateBytes)
    return makeError("clock state of " + std::to_string(m.clock_state().size()) + " bytes");
  return {};
}

}  // namespace

Result<pb::MachineSnapshot> BundleReader::snapshotMessage(uint32_t number) const {
  if (number >= snapshotCount())
    return makeError(name() + ": no snapshot " + std::to_string(number) + " (the bundle has " +
                     std::to_string(snapshotCount()) + ")");
  auto payload = readPayload(snapshot_sections_[number]);
  if (!payload) return payload.error();
  return parseSnapshot(number, *payload);
}

Result<pb::MachineSnapshot> BundleReader::parseSnapshot(uint32_t number,
                                                        std::span<const uint8_t> payload) const {
  TANDEM_ASSERT(number < snapshotCount());
  const uint32_t ordinal = snapshot_sections_[number];
  pb::MachineSnapshot m;
  if (!m.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return makeError(where(ordinal) + "not a valid MachineSnapshot message");
  auto bad = [&](const std::string& what) { return makeError(where(ordinal) + what); };
  if (m.number() != number) return bad("snapshot numbered " + std::to_string(m.number()));
  if (m.icount() != m.cpu().icount()) return bad("snapshot icount differs from the CPU's");
  uint64_t memory = m.memory_bytes();
  if (memory == 0 || memory % kPageSize != 0 || memory > kMaxGuestMemory ||
      (manifest_.guest().memory_bytes() != 0 && memory != manifest_.guest().memory_bytes()))
    return bad("memory size " + std::to_string(memory) + " is impossible or differs from the manifest's");
  if (m.has_base_snapshot() && m.base_snapshot() >= number)
    return bad("base snapshot " + std::to_string(m.base_snapshot()) + " is not an earlier snapshot");
  if (auto s = checkDevices(m); !s) return bad(s.error().message);
  const uint64_t pages = memory / kPageSize;
  if (static_cast<uint64_t>(m.pages_size()) > pages) return bad("more pages than guest memory has");
  const Sha256Digest& zero = zeroPageDigest();
  for (int i = 0; i < m.pages_size(); ++i) {
    const pb::PageRef& p = m.pages(i);
    std::string which = "page " + std::to_string(i) + " (frame " + std::to_string(p.pfn()) + "): ";
    if (p.pfn() >= pages || (i > 0 && p.pfn() <= m.pages(i - 1).pfn()))
      return bad(which + "frame outside memory or out of order");
    if (p.sha256().size() != 32) return bad(which + "digest is not 32 bytes");
    if (std::memcmp(p.sha256().data(), zero.data(), 32) == 0) continue;
    if (p.section() >= ordinal || index_.sections(static_cast<int>(p.section())).type() != pb::SECTION_PAGES)
      return bad(which + "refers to section " + std::to_string(p.section()) + ", not an earlier PAGES section");
  }
  return m;
}

Result<SnapshotInfo> BundleReader::snapshot(uint32_t number) const {
  auto m = snapshotMessage(number);
  if (!m) return m.error();
  auto cpu = cpuStateFromProto(m->cpu());
  if (!cpu) return makeError(where(snapshot_sections_[number]) + cpu.error().message);
  SnapshotInfo info;
  info.number = number;
  info.icount = m->icount();
  info.memory_bytes = m->memory_bytes();
  if (m->has_base_snapshot()) info.base_snapshot = m->base_snapshot();
  info.page_count = static_cast<uint32_t>(m->pages_size());
  info.state.machine.cpu = *cpu;
  for (const pb::DeviceState& d : m->devices())
    info.state.machine.devices.push_back(DeviceBlob{d.name(), std::vector<uint8_t>(d.state().begin(), d.state().end())});
  info.state.clock_state.assign(m->clock_state().begin(), m->clock_state().end());
  return info;
}

Status BundleReader::readMemory(uint32_t number, PhysMemory& mem) const {
  // The chain of snapshots to apply, newest first; each is parsed again when
  // applied so only one is in memory at a time.
  std::vector<uint32_t> chain;
  for (uint32_t n = number;;) {
    auto m = snapshotMessage(n);
    if (!m) return m.error();
    if (mem.size() != m->memory_bytes())
      return makeError(name() + ": snapshot " + std::to_string(n) + " has " +
                       std::to_string(m->memory_bytes()) + " bytes of memory, the machine " +
                       std::to_string(mem.size()));
    chain.push_back(n);
    if (!m->has_base_snapshot()) break;
    n = m->base_snapshot();  // strictly smaller: checked by snapshotMessage()
  }
  std::memset(mem.base(), 0, mem.size());
  PageDecoder decoder;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto m = snapshotMessage(*it);
    if (!m) return m.error();
    struct Ref {
      uint32_t section, offset;
      int index;
    };
    std::vector<Ref> refs;
    refs.reserve(static_cast<size_t>(m->pages_size()));
    for (int i = 0; i < m->pages_size(); ++i) {
      const pb::PageRef& p = m->pages(i);
      if (std::memcmp(p.sha256().data(), zeroPageDigest().data(), 32) == 0)
        std::memset(mem.base() + p.pfn() * kPageSize, 0, kPageSize);
      else
        refs.push_back(Ref{p.section(), p.offset(), i});
    }
    std::sort(refs.begin(), refs.end(),
              [](const Ref& a, const Ref& b) { return a.section != b.section ? a.section < b.section : a.offset < b.offset; });
    std::vector<uint8_t> payload;
    uint32_t loaded = UINT32_MAX;
    for (const Ref& r : refs) {
      if (r.section != loaded) {
        auto p = readPayload(r.section);
        if (!p) return p.error();
        payload = std::move(*p);
        loaded = r.section;
      }
      const pb::PageRef& p = m->pages(r.index);
      std::string which = "record at offset " + std::to_string(r.offset) + " (frame " +
                          std::to_string(p.pfn()) + " of snapshot " + std::to_string(*it) + "): ";
      if (r.offset >= payload.size()) return makeError(where(r.section) + which + "offset past the end");
      auto rec = parsePageRecord(std::span<const uint8_t>(payload).subspan(r.offset));
      if (!rec) return makeError(where(r.section) + which + rec.error().message);
      if (std::memcmp(rec->sha256.data(), p.sha256().data(), 32) != 0)
        return makeError(where(r.section) + which + "holds a different page than the snapshot lists");
      if (auto s = decoder.decode(*rec, mem.base() + p.pfn() * kPageSize); !s)
        return makeError(where(r.section) + which + s.error().message);
    }
  }
  mem.clearDirty();
  return {};
}

EventCursor BundleReader::events(Icount from) const {
  // The first chunk whose last event is at or after `from`.
  auto it = std::partition_point(event_sections_.begin(), event_sections_.end(), [&](uint32_t ordinal) {
    return index_.sections(static_cast<int>(ordinal)).last_icount() < from.value();
  });
  return EventCursor(*this, static_cast<size_t>(it - event_sections_.begin()), from);
}

}  // namespace tandem
