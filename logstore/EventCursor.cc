#include "logstore/EventCursor.h"

#include "logstore/BundleReader.h"
#include "logstore/EventCodec.h"

namespace tandem {

Status EventCursor::loadChunk() {
  uint32_t ordinal = reader_->eventSections()[chunk_++];
  const pb::SectionEntry& entry = reader_->index().sections(static_cast<int>(ordinal));
  auto payload = reader_->readPayload(ordinal);
  if (!payload) return payload.error();
  pb::EventChunk chunk;
  if (!chunk.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
    return makeError(reader_->where(ordinal) + "not a valid EventChunk message");
  auto events = decodeEventChunk(chunk);
  if (!events) return makeError(reader_->where(ordinal) + events.error().message);
  if (events->size() != entry.count() || events->front().icount.value() != entry.first_icount() ||
      events->back().icount.value() != entry.last_icount())
    return makeError(reader_->where(ordinal) + "events do not match the index (" +
                     std::to_string(events->size()) + " events, icounts " +
                     std::to_string(events->front().icount.value()) + ".." +
                     std::to_string(events->back().icount.value()) + ")");
  events_ = std::move(*events);
  pos_ = 0;
  return {};
}

Result<std::optional<Event>> EventCursor::next() {
  for (;;) {
    if (failed_) return std::optional<Event>();
    while (pos_ < events_.size()) {
      Event& e = events_[pos_++];
      if (e.icount >= from_) return std::optional<Event>(std::move(e));
    }
    if (chunk_ >= reader_->eventSections().size()) return std::optional<Event>();
    if (auto s = loadChunk(); !s) {
      failed_ = true;
      events_.clear();
      return s.error();
    }
  }
}

}  // namespace tandem
