#include "logger/LogMeter.h"

#include <zstd.h>

#include <string>

#include "logstore/EventCodec.h"

namespace tandem {

void LogMeter::add(const Event& e) {
  chunk_.push_back(e);
  ++events_;
  if (chunk_.size() == kChunkEvents) flush();
}

void LogMeter::flush() {
  if (chunk_.empty()) return;
  pb::EventChunk msg;
  encodeEventChunk(chunk_, msg);
  std::string raw = msg.SerializeAsString();
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), kLevel);
  stored_ += ZSTD_isError(n) ? raw.size() : n;
  chunk_.clear();
}

uint64_t LogMeter::storedBytes() {
  flush();
  return stored_;
}

}  // namespace tandem
