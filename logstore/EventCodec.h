// Conversion between events and their stored form, an EventChunk message:
// icounts delta-encoded against the previous event, every field checked
// against the schema's limits when read back.
#pragma once

#include <span>
#include <vector>

#include "logstore/Event.h"
#include "logstore/tandem.pb.h"
#include "vmm/Result.h"

namespace tandem {

// Events must be in non-decreasing icount order (asserted: the recorder
// produces them in order).
void encodeEventChunk(std::span<const Event> events, pb::EventChunk& out);

// Errors name the event's position in the chunk.
Result<std::vector<Event>> decodeEventChunk(const pb::EventChunk& chunk);

}  // namespace tandem
