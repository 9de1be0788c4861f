#include "logstore/BundleScanner.h"

#include <cstring>
#include <unordered_map>

#include "logstore/CpuStateProto.h"
#include "logstore/Crc32c.h"
#include "logstore/EventCodec.h"

namespace tandem {
namespace {

using RecordMap = std::unordered_map<uint64_t, Sha256Digest>;  // (section << 32 | offset) -> page

Status checkPages(const BundleReader& r, const SectionFrame& f, ScannedPiece& piece,
                  PageDecoder& decoder, RecordMap& records) {
  uint8_t page[kPageSize];
  size_t off = 0;
  while (off < f.payload.size()) {
    auto rec = parsePageRecord(f.payload.subspan(off));
    std::string at = "record at offset " + std::to_string(off) + ": ";
    if (!rec) return makeError(r.where(piece.ordinal) + at + rec.error().message);
    if (auto s = decoder.decode(*rec, page); !s) return makeError(r.where(piece.ordinal) + at + s.error().message);
    records.emplace(uint64_t{piece.ordinal} << 32 | off, rec->sha256);
    piece.records.push_back(*rec);
    off += rec->size();
  }
  if (piece.records.size() != piece.section->count())
    return makeError(r.where(piece.ordinal) + std::to_string(piece.records.size()) +
                     " page records, the index says " + std::to_string(piece.section->count()));
  return {};
}

Status checkEvents(const BundleReader& r, const SectionFrame& f, uint32_t ordinal, BundleVerification& v) {
  pb::EventChunk chunk;
  if (!chunk.ParseFromArray(f.payload.data(), static_cast<int>(f.payload.size())))
    return makeError(r.where(ordinal) + "not a valid EventChunk message");
  auto events = decodeEventChunk(chunk);
  if (!events) return makeError(r.where(ordinal) + events.error().message);
  const pb::SectionEntry& e = r.index().sections(static_cast<int>(ordinal));
  if (events->size() != e.count() || events->front().icount.value() != e.first_icount() ||
      events->back().icount.value() != e.last_icount())
    return makeError(r.where(ordinal) + "events do not match the index");
  if (v.events == 0) v.first_icount = e.first_icount();
  v.last_icount = e.last_icount();
  v.events += events->size();
  return {};
}

Status checkSnapshot(const BundleReader& r, const SectionFrame& f, uint32_t number,
                     const RecordMap& records) {
  auto m = r.parseSnapshot(number, f.payload);
  if (!m) return m.error();
  std::string where = r.where(r.snapshotSection(number));
  auto cpu = cpuStateFromProto(m->cpu());
  if (!cpu) return makeError(where + cpu.error().message);
  for (const pb::PageRef& p : m->pages()) {
    if (std::memcmp(p.sha256().data(), zeroPageDigest().data(), 32) == 0) continue;
    auto it = records.find(uint64_t{p.section()} << 32 | p.offset());
    if (it == records.end() || std::memcmp(it->second.data(), p.sha256().data(), 32) != 0)
      return makeError(where + "frame " + std::to_string(p.pfn()) + " refers to section " +
                       std::to_string(p.section()) + " offset " + std::to_string(p.offset()) +
                       ", where its page record is not");
  }
  return {};
}

// Reads `len` bytes at `offset` for the header/index/trailer pieces.
Result<std::vector<uint8_t>> readRaw(const ByteSource& src, uint64_t offset, uint64_t len) {
  std::vector<uint8_t> bytes(len);
  if (auto s = src.readAt(offset, bytes.data(), bytes.size()); !s) return s.error();
  return bytes;
}

}  // namespace

Result<BundleVerification> scanBundle(const BundleReader& r, const ScanVisitor& visit) {
  BundleVerification v;
  PageDecoder decoder;
  RecordMap records;
  const ByteSource& src = r.source();
  auto emit = [&](ScannedPiece& piece) -> Status { return visit ? visit(piece) : Status(); };

  auto head = readRaw(src, 0, kFileHeaderSize);
  if (!head) return head.error();
  auto h = decodeFileHeader(head->data());
  if (!h || h->major != r.header().major || h->minor != r.header().minor)
    return makeError(r.name() + ": the file header changed while the bundle was read");
  ScannedPiece hp;
  hp.bytes = *head;
  if (auto s = emit(hp); !s) return s.error();

  uint32_t snapshot = 0;
  for (int i = 0; i < r.index().sections_size(); ++i) {
    ScannedPiece piece;
    piece.ordinal = static_cast<uint32_t>(i);
    piece.section = &r.index().sections(i);
    auto f = r.readFrame(piece.ordinal);
    if (!f) return f.error();
    switch (piece.section->type()) {
      case pb::SECTION_PAGES:
        if (auto s = checkPages(r, *f, piece, decoder, records); !s) return s.error();
        v.page_records += piece.records.size();
        break;
      case pb::SECTION_EVENTS:
        if (auto s = checkEvents(r, *f, piece.ordinal, v); !s) return s.error();
        break;
      case pb::SECTION_SNAPSHOT:
        if (auto s = checkSnapshot(r, *f, snapshot++, records); !s) return s.error();
        break;
      default:
        break;  // the manifest was checked by open(); unknown types: checksum only
    }
    piece.bytes = f->bytes;
    ++v.sections;
    if (auto s = emit(piece); !s) return s.error();
  }
  v.snapshots = snapshot;

  auto tail = readRaw(src, r.indexOffset(), r.size() - r.indexOffset());
  if (!tail) return tail.error();
  auto ih = decodeSectionHeader(tail->data());
  if (!ih || ih->payload_crc != r.indexCrc() || ih->stored_length != tail->size() - kSectionHeaderSize - kTrailerSize ||
      (kCheckIntegrity && crc32c(tail->data() + kSectionHeaderSize, ih->stored_length) != r.indexCrc()))
    return makeError(r.name() + ": at offset " + std::to_string(r.indexOffset()) +
                     ": the index changed while the bundle was read");
  ScannedPiece ip;
  ip.bytes = *tail;
  if (auto s = emit(ip); !s) return s.error();
  return v;
}

Result<BundleVerification> verifyBundle(const BundleReader& r) { return scanBundle(r, nullptr); }

}  // namespace tandem
