#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "logstore/BundleReader.h"
#include "logstore/BundleScanner.h"
#include "logstore/BundleWriter.h"
#include "logstore/EventCursor.h"
#include "logstore/SnapshotWriter.h"
#include "tests/support/SampleBundle.h"
#include "tests/support/TempDir.h"

namespace tandem {
namespace {

using testing::TempDir;

// Counts the bytes a reader asks for, to show what it does not read.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  uint64_t size() const override { return inner_->size(); }
  Status readAt(uint64_t offset, void* out, size_t len) const override {
    read_ += len;
    return inner_->readAt(offset, out, len);
  }
  uint64_t bytesRead() const { return read_; }

 private:
  std::unique_ptr<ByteSource> inner_;
  mutable uint64_t read_ = 0;
};

std::vector<Event> readAllEvents(const BundleReader& r, Icount from = Icount(0)) {
  std::vector<Event> out;
  EventCursor c = r.events(from);
  for (;;) {
    auto e = c.next();
    EXPECT_TRUE(e.ok()) << e.error().message;
    if (!e.ok() || !*e) break;
    out.push_back(std::move(**e));
  }
  return out;
}

void expectSameState(const SnapshotState& a, const SnapshotState& b) {
  EXPECT_EQ(std::memcmp(&a.machine.cpu, &b.machine.cpu, sizeof a.machine.cpu), 0);
  ASSERT_EQ(a.machine.devices.size(), b.machine.devices.size());
  for (size_t i = 0; i < a.machine.devices.size(); ++i) {
    EXPECT_EQ(a.machine.devices[i].name, b.machine.devices[i].name);
    EXPECT_EQ(a.machine.devices[i].state, b.machine.devices[i].state);
  }
  EXPECT_EQ(a.clock_state, b.clock_state);
}

TEST(BundleRoundTrip, SnapshotAndEventsReadBackEqual) {
  TempDir dir;
  PhysMemory mem(4 << 20);
  testing::fillGuestImage(mem, 7);
  SnapshotState state = testing::sampleSnapshotState(7, 5000000);
  std::vector<Event> events = testing::sampleEvents(7, 5000000, 20000);
  auto w = BundleWriter::create(dir.file("a.tandem"));
  ASSERT_TRUE(w.ok()) << w.error().message;
  (*w)->setManifest(testing::sampleManifest(mem.size(), 123));
  ASSERT_TRUE((*w)->writeSnapshot(state, mem).ok());
  for (const Event& e : events) ASSERT_TRUE((*w)->appendEvent(e).ok());
  auto fin = (*w)->finish();
  ASSERT_TRUE(fin.ok()) << fin.error().message;

  auto r = BundleReader::open(dir.file("a.tandem"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->manifest().failure().wall_time_ns(), 123);
  EXPECT_EQ((*r)->manifest().guest().memory_bytes(), mem.size());
  EXPECT_EQ((*r)->manifest().format_major(), kFormatMajor);
  ASSERT_EQ((*r)->snapshotCount(), 1u);
  auto info = (*r)->snapshot(0);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->icount, 5000000u);
  expectSameState(info->state, state);
  PhysMemory back(mem.size());
  auto s = (*r)->readMemory(0, back);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(std::memcmp(back.base(), mem.base(), mem.size()), 0);
  EXPECT_EQ((*r)->eventCount(), events.size());
  EXPECT_EQ(readAllEvents(**r), events);
  auto v = verifyBundle(**r);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->events, events.size());
}

TEST(BundleRoundTrip, EventsFromAnIcountReadOnlyTheChunksTheyNeed) {
  TempDir dir;
  testing::SampleBundleSpec spec;
  spec.events = 50000;
  spec.options.events_per_chunk = 1000;
  ASSERT_TRUE(testing::writeSampleBundle(dir.file("b.tandem"), spec).ok());
  std::vector<Event> all = testing::sampleEvents(spec.seed, 5000000, spec.events);
  Icount from = all[45000].icount;

  auto file = FileSource::open(dir.file("b.tandem"));
  ASSERT_TRUE(file.ok());
  auto counting = std::make_unique<CountingSource>(std::move(*file));
  CountingSource* counter = counting.get();
  auto r = BundleReader::open(std::move(counting));
  ASSERT_TRUE(r.ok()) << r.error().message;
  uint64_t before = counter->bytesRead();
  std::vector<Event> tail = readAllEvents(**r, from);
  size_t first = 0;
  while (all[first].icount < from) ++first;
  EXPECT_EQ(tail, std::vector<Event>(all.begin() + static_cast<long>(first), all.end()));
  // Six chunks of fifty, plus whatever open() read: well under the file.
  EXPECT_LT(counter->bytesRead() - before, (*r)->size() / 5);
  EXPECT_LT(before, (*r)->size() / 10);
}

TEST(BundleRoundTrip, IncrementalSnapshotsRebuildEachPointInTime) {
  TempDir dir;
  PhysMemory mem(1 << 20);
  testing::fillGuestImage(mem, 3);
  std::vector<uint8_t> at0(mem.base(), mem.base() + mem.size());
  auto w = BundleWriter::create(dir.file("c.tandem"));
  ASSERT_TRUE(w.ok());
  (*w)->setManifest(testing::sampleManifest(mem.size(), 1));
  ASSERT_TRUE((*w)->writeSnapshot(testing::sampleSnapshotState(1, 100), mem).ok());
  mem.clearDirty();
  uint8_t page[kPageSize];
  std::memset(page, 0x5A, sizeof page);
  ASSERT_TRUE(mem.write(GuestPhys(3 * kPageSize), page, sizeof page));
  std::memset(page, 0, sizeof page);
  for (uint64_t pfn = 4; pfn < mem.pageCount(); ++pfn)
    if (!isZeroPage(mem.base() + pfn * kPageSize)) {
      ASSERT_TRUE(mem.write(GuestPhys(pfn * kPageSize), page, sizeof page));  // a page zeroed
      break;
    }
  auto inc = (*w)->writeIncrementalSnapshot(testing::sampleSnapshotState(2, 200), mem, 0);
  ASSERT_TRUE(inc.ok()) << inc.error().message;
  EXPECT_EQ(*inc, 1u);
  ASSERT_TRUE((*w)->finish().ok());

  auto r = BundleReader::open(dir.file("c.tandem"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  PhysMemory back(mem.size());
  ASSERT_TRUE((*r)->readMemory(1, back).ok());
  EXPECT_EQ(std::memcmp(back.base(), mem.base(), mem.size()), 0);
  ASSERT_TRUE((*r)->readMemory(0, back).ok());
  EXPECT_EQ(std::memcmp(back.base(), at0.data(), at0.size()), 0);
  auto info = (*r)->snapshot(1);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->base_snapshot, 0u);
  EXPECT_EQ(info->page_count, 2u);
  EXPECT_TRUE(verifyBundle(**r).ok());
}

TEST(BundleRoundTrip, EventsAppendedFromAnotherThreadWhilePagesStreamOut) {
  TempDir dir;
  PhysMemory mem(8 << 20);
  testing::fillGuestImage(mem, 11);
  std::vector<Event> events = testing::sampleEvents(11, 1000, 30000);
  BundleWriterOptions opt;
  opt.pages_per_section = 16;
  opt.events_per_chunk = 500;
  auto w = BundleWriter::create(dir.file("d.tandem"), opt);
  ASSERT_TRUE(w.ok());
  (*w)->setManifest(testing::sampleManifest(mem.size(), 1));
  auto sw = (*w)->beginSnapshot(testing::sampleSnapshotState(11, 1000), mem.size(), std::nullopt);
  ASSERT_TRUE(sw.ok());
  std::atomic<bool> events_ok{true};
  std::thread appender([&] {
    for (const Event& e : events) events_ok = events_ok && (*w)->appendEvent(e).ok();
  });
  for (uint64_t pfn = 0; pfn < mem.pageCount(); ++pfn)
    ASSERT_TRUE((*sw)->addPage(pfn, mem.base() + pfn * kPageSize).ok());
  appender.join();
  ASSERT_TRUE(events_ok);
  ASSERT_TRUE((*sw)->finish().ok());
  ASSERT_TRUE((*w)->finish().ok());

  auto r = BundleReader::open(dir.file("d.tandem"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  // Event and page sections are interleaved in the file.
  std::string order;
  for (const auto& s : (*r)->index().sections())
    if (order.empty() || order.back() != static_cast<char>('0' + s.type())) order += static_cast<char>('0' + s.type());
  EXPECT_GT(order.size(), 4u) << order;
  PhysMemory back(mem.size());
  ASSERT_TRUE((*r)->readMemory(0, back).ok());
  EXPECT_EQ(std::memcmp(back.base(), mem.base(), mem.size()), 0);
  EXPECT_EQ(readAllEvents(**r), events);
}

TEST(BundleRoundTrip, IdenticalPagesAreStoredOnce) {
  TempDir dir;
  PhysMemory mem(2 << 20);
  uint8_t page[kPageSize];
  for (size_t i = 0; i < kPageSize; ++i) page[i] = static_cast<uint8_t>(i * 31 + 7);
  for (uint64_t pfn = 0; pfn < mem.pageCount(); pfn += 2) ASSERT_TRUE(mem.write(GuestPhys(pfn * kPageSize), page, kPageSize));
  auto w = BundleWriter::create(dir.file("e.tandem"));
  ASSERT_TRUE(w.ok());
  (*w)->setManifest(testing::sampleManifest(mem.size(), 1));
  ASSERT_TRUE((*w)->writeSnapshot(testing::sampleSnapshotState(1, 1), mem).ok());
  ASSERT_TRUE((*w)->finish().ok());
  auto r = BundleReader::open(dir.file("e.tandem"));
  ASSERT_TRUE(r.ok());
  auto v = verifyBundle(**r);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->page_records, 1u);
  PhysMemory back(mem.size());
  ASSERT_TRUE((*r)->readMemory(0, back).ok());
  EXPECT_EQ(std::memcmp(back.base(), mem.base(), mem.size()), 0);
}

TEST(BundleRoundTrip, AnUnfinishedWriterLeavesNothingBehind) {
  TempDir dir;
  {
    auto w = BundleWriter::create(dir.file("f.tandem"));
    ASSERT_TRUE(w.ok());
    PhysMemory mem(1 << 20);
    testing::fillGuestImage(mem, 1);
    ASSERT_TRUE((*w)->writeSnapshot(testing::sampleSnapshotState(1, 1), mem).ok());
    EXPECT_GT((*w)->bytesWritten(), 100000u);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(BundleRoundTrip, FinishingReplacesAnExistingBundleWhole) {
  TempDir dir;
  testing::SampleBundleSpec spec;
  ASSERT_TRUE(testing::writeSampleBundle(dir.file("g.tandem"), spec).ok());
  spec.seed = 2;
  spec.wall_time_ns = 42;
  ASSERT_TRUE(testing::writeSampleBundle(dir.file("g.tandem"), spec).ok());
  auto r = BundleReader::open(dir.file("g.tandem"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->manifest().failure().wall_time_ns(), 42);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(BundleRoundTrip, MisuseIsReportedNotWritten) {
  TempDir dir;
  auto w = BundleWriter::create(dir.file("h.tandem"));
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE((*w)->finish().ok());  // no manifest
  (*w)->setManifest(testing::sampleManifest(1 << 20, 1));
  ASSERT_TRUE((*w)->appendEvent({Icount(10), 0, InterruptRaiseEvent{1}}).ok());
  EXPECT_FALSE((*w)->appendEvent({Icount(9), 0, InterruptRaiseEvent{1}}).ok());
  EXPECT_FALSE((*w)->appendEvent({Icount(11), 0, SerialInputEvent{}}).ok());
  auto sw = (*w)->beginSnapshot(testing::sampleSnapshotState(1, 1), 1 << 20, std::nullopt);
  ASSERT_TRUE(sw.ok());
  uint8_t page[kPageSize] = {1};
  EXPECT_FALSE((*sw)->addPage(256, page).ok());  // outside 1 MiB
  ASSERT_TRUE((*sw)->addPage(5, page).ok());
  EXPECT_FALSE((*sw)->addPage(5, page).ok());  // not ascending
  EXPECT_FALSE((*w)->beginSnapshot(testing::sampleSnapshotState(1, 1), 1 << 20, std::nullopt).ok());
  EXPECT_FALSE((*w)->finish().ok());  // snapshot still open
  ASSERT_TRUE((*sw)->finish().ok());
  EXPECT_TRUE((*w)->finish().ok());
  EXPECT_FALSE(BundleWriter::create(dir.file("no/such/dir.tandem")).ok());
}

}  // namespace
}  // namespace tandem
