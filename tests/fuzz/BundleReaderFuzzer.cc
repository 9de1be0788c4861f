// libFuzzer target for the bundle reader: any bytes at all go through
// everything a reader of an untrusted bundle does (open, full verification,
// every snapshot, memory, every event, and the scan the archive ingests
// with). It must never crash, hang or allocate without bound; it may only
// refuse with an error.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "logstore/BundleReader.h"
#include "logstore/BundleScanner.h"
#include "logstore/EventCursor.h"

namespace {

// Guest memory the fuzzer is willing to give a snapshot.
constexpr uint64_t kMaxFuzzMemory = 64ull << 20;

void exercise(const tandem::BundleReader& r) {
  (void)tandem::verifyBundle(r);
  uint64_t bytes = 0;
  (void)tandem::scanBundle(r, [&](const tandem::ScannedPiece& p) -> tandem::Status {
    bytes += p.bytes.size();
    return {};
  });
  for (uint32_t n = 0; n < r.snapshotCount(); ++n) {
    auto info = r.snapshot(n);
    if (!info || info->memory_bytes > kMaxFuzzMemory) continue;
    tandem::PhysMemory mem(info->memory_bytes);
    (void)r.readMemory(n, mem);
  }
  for (uint64_t from : {uint64_t{0}, uint64_t{1} << 32}) {
    tandem::EventCursor c = r.events(tandem::Icount(from));
    for (int i = 0; i < 1000000; ++i) {
      auto e = c.next();
      if (!e || !*e) break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto src = std::make_unique<tandem::MemorySource>("fuzz.tandem", std::span<const uint8_t>(data, size));
  auto r = tandem::BundleReader::open(std::move(src));
  if (r) exercise(**r);
  return 0;
}
