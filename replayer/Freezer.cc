#include "replayer/Freezer.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "logstore/BundleWriter.h"
#include "logstore/Sha256.h"

namespace tandem {

std::vector<uint8_t> saveReplayResume(const ReplayResume& r) {
  ReplayClockState c = r.clock;
  if (r.anchor_icount) c.flags |= ReplayClockState::kAnchorFollows;
  size_t anchor = r.anchor_icount ? 8 : 0;
  std::vector<uint8_t> bytes(sizeof c + anchor + r.detector.size());
  std::memcpy(bytes.data(), &c, sizeof c);
  if (anchor) std::memcpy(bytes.data() + sizeof c, &*r.anchor_icount, anchor);
  if (!r.detector.empty())
    std::memcpy(bytes.data() + sizeof c + anchor, r.detector.data(), r.detector.size());
  return bytes;
}

Result<ReplayResume> loadReplayResume(const std::vector<uint8_t>& bytes) {
  ReplayResume r;
  if (bytes.size() < sizeof r.clock)
    return makeError("the snapshot's clock state has " + std::to_string(bytes.size()) +
                     " bytes, fewer than the " + std::to_string(sizeof r.clock) + " of a replay clock");
  std::memcpy(&r.clock, bytes.data(), sizeof r.clock);
  if (r.clock.flags & ~(ReplayClockState::kVirtual | ReplayClockState::kAnchorFollows))
    return makeError("the snapshot's clock state is not one tandem writes");
  size_t at = sizeof r.clock;
  if (r.clock.flags & ReplayClockState::kAnchorFollows) {
    if (bytes.size() < at + 8) return makeError("the snapshot's clock state ends before its anchor");
    uint64_t anchor;
    std::memcpy(&anchor, bytes.data() + at, 8);
    r.anchor_icount = anchor;
    r.clock.flags &= ~ReplayClockState::kAnchorFollows;
    at += 8;
  }
  r.detector.assign(bytes.begin() + static_cast<ptrdiff_t>(at), bytes.end());
  return r;
}

Result<FreezeResult> freezeToArchive(const pb::BundleManifest& manifest,
                                     const SnapshotState& state, const PhysMemory& memory,
                                     const std::vector<Event>& events,
                                     const std::string& archive_dir) {
  auto t0 = std::chrono::steady_clock::now();
  auto since = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::error_code ec;
  std::string incoming = archive_dir + "/incoming";
  std::filesystem::create_directories(incoming, ec);
  if (ec) return makeError("cannot create " + incoming + ": " + ec.message());
  std::string path = incoming + "/" + std::to_string(getpid()) + "-" +
                     std::to_string(state.machine.cpu.icount) + ".tandem";

  auto writer = BundleWriter::create(path);
  if (!writer) return writer.error();
  (*writer)->setManifest(manifest);
  // Events go out while the pages are hashed and compressed.
  for (const Event& e : events)
    if (Status s = (*writer)->appendEvent(e); !s) return s.error();
  if (auto snap = (*writer)->writeSnapshot(state, memory); !snap) return snap.error();
  if (Status s = (*writer)->finish(); !s) return s.error();
  FreezeResult r;
  r.durable_s = since();
  r.bundle_bytes = (*writer)->bytesWritten();

  auto archive = Archive::open(archive_dir, true);
  if (!archive) return archive.error();
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto ingested = (*archive)->ingest(path, now);
  if (!ingested) return makeError(ingested.error().message + " (the bundle stays at " + path + ")");
  std::filesystem::remove(path, ec);
  r.bundle_id = toHex(ingested->id);
  r.ingested_s = since();
  return r;
}

}  // namespace tandem
