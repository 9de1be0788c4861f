// Measures what a log costs as stored: events gathered into chunks as a
// bundle stores them (delta-encoded EventChunk messages, zstd level 3),
// counting the compressed bytes. The backup runs one over everything the
// primary logs, so a recording can report its log rate without writing the
// whole log anywhere.
#pragma once

#include <cstdint>
#include <vector>

#include "logstore/Event.h"

namespace tandem {

class LogMeter {
 public:
  static constexpr size_t kChunkEvents = 8192;  // as BundleWriterOptions::events_per_chunk
  static constexpr int kLevel = 3;              // as BundleWriterOptions::section_zstd_level

  void add(const Event& e);
  // Compressed bytes of every event added so far (the partial chunk too).
  uint64_t storedBytes();
  uint64_t events() const { return events_; }

 private:
  void flush();

  std::vector<Event> chunk_;
  uint64_t stored_ = 0;
  uint64_t events_ = 0;
};

}  // namespace tandem
