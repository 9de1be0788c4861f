#include "logstore/BundleVerifier.h"

#include <cstring>
#include <unordered_map>

#include "logstore/CpuStateProto.h"
#include "logstore/EventCodec.h"
#include "logstore/PageRecord.h"

namespace tandem {
namespace {

using RecordMap = std::unordered_map<uint64_t, Sha256Digest>;  // (section << 32 | offset) -> page

Status checkPages(const BundleReader& r, uint32_t ordinal, std::span<const uint8_t> payload,
                  PageDecoder& decoder, RecordMap& records) {
  uint8_t page[kPageSize];
  size_t off = 0;
  uint32_t count = 0;
  while (off < payload.size()) {
    auto rec = parsePageRecord(payload.subspan(off));
    if (!rec) return makeError(r.where(ordinal) + "record at offset " + std::to_string(off) + ": " + rec.error().message);
    if (auto s = decoder.decode(*rec, page); !s)
      return makeError(r.where(ordinal) + "record at offset " + std::to_string(off) + ": " + s.error().message);
    records.emplace(uint64_t{ordinal} << 32 | off, rec->sha256);
    off += rec->size();
    ++count;
  }
  if (count != r.index().sections(static_cast<int>(ordinal)).count())
    return makeError(r.where(ordinal) + std::to_string(count) + " page records, the index says " +
                     std::to_string(r.index().sections(static_cast<int>(ordinal)).count()));
  return {};
}

Status checkEvents(const BundleReader& r, uint32_t ordinal, std::span<const uint8_t> payload,
                   BundleVerification& v) {
  pb::EventChunk chunk;
  if (!chunk.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
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

Status checkSnapshot(const BundleReader& r, uint32_t number, const RecordMap& records) {
  auto m = r.snapshotMessage(number);
  if (!m) return m.error();
  auto cpu = cpuStateFromProto(m->cpu());
  if (!cpu) return makeError(r.name() + ": snapshot " + std::to_string(number) + ": " + cpu.error().message);
  for (const pb::PageRef& p : m->pages()) {
    if (std::memcmp(p.sha256().data(), zeroPageDigest().data(), 32) == 0) continue;
    auto it = records.find(uint64_t{p.section()} << 32 | p.offset());
    if (it == records.end() || std::memcmp(it->second.data(), p.sha256().data(), 32) != 0)
      return makeError(r.name() + ": snapshot " + std::to_string(number) + ": frame " +
                       std::to_string(p.pfn()) + " refers to section " + std::to_string(p.section()) +
                       " offset " + std::to_string(p.offset()) + ", where its page record is not");
  }
  return {};
}

}  // namespace

Result<BundleVerification> verifyBundle(const BundleReader& r) {
  BundleVerification v;
  PageDecoder decoder;
  RecordMap records;
  for (int i = 0; i < r.index().sections_size(); ++i) {
    const uint32_t ordinal = static_cast<uint32_t>(i);
    auto payload = r.readPayload(ordinal);
    if (!payload) return payload.error();
    ++v.sections;
    switch (r.index().sections(i).type()) {
      case pb::SECTION_PAGES:
        if (auto s = checkPages(r, ordinal, *payload, decoder, records); !s) return s.error();
        v.page_records += r.index().sections(i).count();
        break;
      case pb::SECTION_EVENTS:
        if (auto s = checkEvents(r, ordinal, *payload, v); !s) return s.error();
        break;
      default:
        break;  // the manifest was checked by open(); snapshots below; unknown types: checksum only
    }
  }
  for (uint32_t n = 0; n < r.snapshotCount(); ++n)
    if (auto s = checkSnapshot(r, n, records); !s) return s.error();
  v.snapshots = r.snapshotCount();
  return v;
}

}  // namespace tandem
