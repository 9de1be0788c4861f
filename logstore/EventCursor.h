// Iterates a bundle's events from some icount on, one EVENTS section in
// memory at a time. Each chunk is checked against the index (count, first
// and last icount) as it is read.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "logstore/Event.h"
#include "vmm/Result.h"

namespace tandem {

class BundleReader;

class EventCursor {
 public:
  EventCursor(const BundleReader& reader, size_t chunk, Icount from)
      : reader_(&reader), chunk_(chunk), from_(from) {}

  // The next event, std::nullopt after the last one, or the error that
  // stopped reading (after which the cursor stays at the end).
  Result<std::optional<Event>> next();

 private:
  Status loadChunk();

  const BundleReader* reader_;
  size_t chunk_;  // next position in reader_->eventSections() to load
  Icount from_;
  std::vector<Event> events_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace tandem
