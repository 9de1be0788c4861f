#include "logstore/Archive.h"

#include <gtest/gtest.h>

#include <set>

#include "logstore/ArchiveSummary.h"
#include "logstore/ArchiveVerifier.h"
#include "logstore/ArchivedLayout.h"
#include "logstore/BundleScanner.h"
#include "logstore/FailureSignature.h"
#include "tests/support/SampleBundle.h"
#include "tests/support/TempDir.h"

namespace tandem {
namespace {

using testing::TempDir;

constexpr int64_t kDay = 86400ll * 1000000000;
constexpr int64_t kNow = 1700000000ll * 1000000000;

class ArchiveTest : public ::testing::Test {
 protected:
  std::unique_ptr<Archive> openArchive() {
    auto a = Archive::open(dir_.file("archive"), true);
    EXPECT_TRUE(a.ok()) << a.error().message;
    return a ? std::move(*a) : nullptr;
  }
  std::string sample(const std::string& name, testing::SampleBundleSpec spec = {}, const PhysMemory* image = nullptr) {
    std::string path = dir_.file(name);
    auto s = testing::writeSampleBundle(path, spec, image);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return path;
  }
  IngestResult ingest(Archive& a, const std::string& path) {
    auto r = a.ingest(path, kNow);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : IngestResult{};
  }
  void expectSound(const Archive& a) {
    auto v = verifyArchive(a);
    ASSERT_TRUE(v.ok()) << v.error().message;
    for (const auto& p : v->problems) ADD_FAILURE() << p;
  }
  void expectExportsEqual(const Archive& a, const Sha256Digest& id, const std::string& original) {
    std::string out = dir_.file("export.tandem");
    auto s = a.exportBundle(id, out);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(testing::readFileBytes(out), testing::readFileBytes(original));
  }

  TempDir dir_;
};

TEST_F(ArchiveTest, AnIngestedBundleExportsByteForByteAndReadsInPlace) {
  auto a = openArchive();
  std::string path = sample("a.tandem");
  IngestResult r = ingest(*a, path);
  EXPECT_FALSE(r.already_present);
  EXPECT_GT(r.page_records, 100u);
  EXPECT_EQ(r.new_pages, r.page_records);
  EXPECT_EQ(r.id, *sha256File(path));
  expectExportsEqual(*a, r.id, path);

  auto reader = a->openBundle(r.id);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto original = BundleReader::open(path);
  ASSERT_TRUE(original.ok());
  PhysMemory m1(4 << 20), m2(4 << 20);
  ASSERT_TRUE((*reader)->readMemory(0, m1).ok());
  ASSERT_TRUE((*original)->readMemory(0, m2).ok());
  EXPECT_EQ(std::memcmp(m1.base(), m2.base(), m1.size()), 0);
  auto entries = a->entries();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].events(), 2000u);
  EXPECT_EQ((*entries)[0].manifest().failure().kind(), pb::PANIC);
  expectSound(*a);
}

TEST_F(ArchiveTest, TheSameBundleIngestedTwiceIsStoredOnce) {
  auto a = openArchive();
  std::string path = sample("a.tandem");
  ingest(*a, path);
  auto before = a->stats();
  IngestResult again = ingest(*a, path);
  EXPECT_TRUE(again.already_present);
  auto after = a->stats();
  EXPECT_EQ(after->counters.bundles, 1u);
  EXPECT_EQ(after->stored_bytes, before->stored_bytes);
  EXPECT_EQ(after->pages.pages, before->pages.pages);
}

TEST_F(ArchiveTest, PagesSharedByTwoCrashesOfOneGuestAreStoredOnce) {
  auto a = openArchive();
  PhysMemory mem(8 << 20);
  testing::fillGuestImage(mem, 5);
  testing::SampleBundleSpec spec;
  std::string first = sample("a.tandem", spec, &mem);
  testing::mutateGuestImage(mem, 6);
  spec.seed = 6;
  std::string second = sample("b.tandem", spec, &mem);
  IngestResult r1 = ingest(*a, first);
  auto one = a->stats();
  IngestResult r2 = ingest(*a, second);
  EXPECT_LT(r2.new_pages, r2.page_records / 2);
  auto two = a->stats();
  EXPECT_LT(two->stored_bytes, one->stored_bytes * 3 / 2);
  expectExportsEqual(*a, r1.id, first);
  expectExportsEqual(*a, r2.id, second);
  expectSound(*a);
}

TEST_F(ArchiveTest, RemovingABundleReclaimsOnlyThePagesNoOtherBundleUses) {
  auto a = openArchive();
  PhysMemory mem(8 << 20);
  testing::fillGuestImage(mem, 5);
  std::string first = sample("a.tandem", {}, &mem);
  testing::mutateGuestImage(mem, 9, 90, 20, 0);  // many pages change
  std::string second = sample("b.tandem", {}, &mem);
  IngestResult r1 = ingest(*a, first);
  IngestResult r2 = ingest(*a, second);
  auto both = a->stats();
  ASSERT_TRUE(a->remove(r1.id).ok());
  auto one = a->stats();
  EXPECT_LT(one->pages.pages, both->pages.pages);
  EXPECT_EQ(one->pages.pages, r2.page_records);
  EXPECT_LT(one->stored_bytes, both->stored_bytes);
  expectExportsEqual(*a, r2.id, second);
  expectSound(*a);
  EXPECT_FALSE(a->remove(r1.id).ok());
  ASSERT_TRUE(a->remove(r2.id).ok());
  auto none = a->stats();
  EXPECT_EQ(none->pages.pages, 0u);
  EXPECT_EQ(none->pages.pack_bytes, 0u);
  EXPECT_EQ(none->stored_bytes, 0u);
  expectSound(*a);
}

TEST_F(ArchiveTest, PruneRemovesOldFailuresThenTheOldestUntilTheSizeFits) {
  auto a = openArchive();
  std::vector<Sha256Digest> ids;
  for (int i = 0; i < 4; ++i) {
    testing::SampleBundleSpec spec;
    spec.seed = 10 + static_cast<uint64_t>(i);
    spec.wall_time_ns = kNow - (4 - i) * kDay;  // 4, 3, 2 and 1 days ago
    ids.push_back(ingest(*a, sample("p" + std::to_string(i) + ".tandem", spec)).id);
  }
  auto r = a->prune({static_cast<uint64_t>(2 * kDay + kDay / 2), std::nullopt, kNow});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->removed.size(), 2u);  // 4 and 3 days old
  EXPECT_LT(r->stored_after, r->stored_before);
  auto left = a->stats();
  r = a->prune({std::nullopt, left->stored_bytes - 1, kNow});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->removed.size(), 1u);
  EXPECT_EQ(r->removed[0].bundle_sha256(), std::string(ids[2].begin(), ids[2].end()));
  EXPECT_LE(r->stored_after, left->stored_bytes - 1);
  EXPECT_TRUE(a->entry(ids[3]).ok());
  expectSound(*a);
}

TEST_F(ArchiveTest, ABundleFromAnotherCompressorStillExportsExactly) {
  auto a = openArchive();
  PhysMemory mem(4 << 20);
  testing::fillGuestImage(mem, 5);
  std::string fast = sample("fast.tandem", {}, &mem);
  testing::SampleBundleSpec spec;
  spec.options.page_zstd_level = 19;  // the same pages, encoded differently
  std::string slow = sample("slow.tandem", spec, &mem);
  IngestResult r1 = ingest(*a, fast);
  IngestResult r2 = ingest(*a, slow);
  EXPECT_LT(r2.page_records, r1.page_records);  // conflicting records stay literal
  expectExportsEqual(*a, r1.id, fast);
  expectExportsEqual(*a, r2.id, slow);
  expectSound(*a);
}

TEST_F(ArchiveTest, ACorruptBundleIsRefusedAndTheArchiveStaysIntact) {
  auto a = openArchive();
  std::string good = sample("good.tandem");
  IngestResult r = ingest(*a, good);
  auto before = a->stats();
  testing::SampleBundleSpec spec;
  spec.seed = 3;
  spec.memory_bytes = 1 << 20;
  spec.options.pages_per_section = 16;
  spec.options.events_per_chunk = 300;
  std::vector<uint8_t> bytes = testing::readFileBytes(sample("other.tandem", spec));
  auto reader = BundleReader::open(dir_.file("other.tandem"));
  ASSERT_TRUE(reader.ok());
  for (const auto& e : (*reader)->index().sections()) {
    for (bool truncate : {false, true}) {
      std::vector<uint8_t> bad = bytes;
      uint64_t at = e.offset() + e.length() / 2;
      if (truncate) bad.resize(at);
      else bad[at] ^= 0x10;
      testing::writeFileBytes(dir_.file("bad.tandem"), bad);
      auto res = a->ingest(dir_.file("bad.tandem"), kNow);
      ASSERT_FALSE(res.ok()) << "section at " << e.offset();
      EXPECT_NE(res.error().message.find("bad.tandem"), std::string::npos) << res.error().message;
    }
  }
  auto after = a->stats();
  EXPECT_EQ(after->counters.bundles, 1u);
  EXPECT_EQ(after->stored_bytes, before->stored_bytes);
  EXPECT_EQ(after->pages.pages, before->pages.pages);
  expectExportsEqual(*a, r.id, good);
  expectSound(*a);
}

TEST_F(ArchiveTest, VerifyFindsADamagedPage) {
  auto a = openArchive();
  IngestResult r = ingest(*a, sample("a.tandem"));
  {
    auto txn = LmdbTxn::begin(a->env(), true);
    ASSERT_TRUE(txn.ok());
    auto pack = (*txn)->get(a->dbs().packs, numberKey(1));
    ASSERT_TRUE(pack.ok() && *pack);
    std::vector<uint8_t> bytes((*pack)->begin(), (*pack)->end());
    bytes[100] ^= 1;  // inside the first record's payload
    ASSERT_TRUE((*txn)->put(a->dbs().packs, numberKey(1), bytes).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto v = verifyArchive(*a);
  ASSERT_TRUE(v.ok());
  ASSERT_FALSE(v->problems.empty());
  EXPECT_NE(v->problems[0].find("page"), std::string::npos) << v->problems[0];
  EXPECT_FALSE(a->exportBundle(r.id, dir_.file("x.tandem")).ok());
}

TEST_F(ArchiveTest, IdsResolveFromUniquePrefixes) {
  auto a = openArchive();
  IngestResult r = ingest(*a, sample("a.tandem"));
  std::string hex = toHex(r.id);
  EXPECT_EQ(*a->resolve(hex.substr(0, 4)), r.id);
  EXPECT_EQ(*a->resolve(hex), r.id);
  EXPECT_FALSE(a->resolve(hex.substr(0, 3)).ok());
  EXPECT_FALSE(a->resolve("zzzz").ok());
  std::string other = hex.substr(0, 11) + (hex[11] == '0' ? '1' : '0');
  EXPECT_FALSE(a->resolve(other).ok());
}

TEST_F(ArchiveTest, TheSummaryCountsSignaturesAndMarksNewOnes) {
  auto a = openArchive();
  auto add = [&](uint64_t seed, int64_t when, const char* fn) {
    testing::SampleBundleSpec spec;
    spec.seed = seed;
    spec.memory_bytes = 1 << 20;
    spec.wall_time_ns = when;
    spec.panic_function = fn;
    ingest(*a, sample("s" + std::to_string(seed) + ".tandem", spec));
  };
  add(1, kNow - 3 * kDay, "old_bug");
  add(2, kNow - 2 * kDay, "recurring_bug");
  add(3, kNow - kDay / 2, "recurring_bug");
  add(4, kNow - kDay / 4, "new_bug");
  add(5, kNow - kDay / 8, "new_bug");
  auto entries = a->entries();
  ASSERT_TRUE(entries.ok());
  ArchiveSummary s = summarize(*entries, kNow, kDay);
  EXPECT_EQ(s.failures, 3u);
  ASSERT_EQ(s.signatures.size(), 2u);
  EXPECT_EQ(s.signatures[0].in_window, 2u);
  EXPECT_TRUE(s.signatures[0].is_new);
  EXPECT_EQ(s.signatures[0].first_seen_ns, kNow - kDay / 4);
  EXPECT_EQ(s.signatures[1].in_window, 1u);
  EXPECT_EQ(s.signatures[1].total, 2u);
  EXPECT_FALSE(s.signatures[1].is_new);
  EXPECT_EQ(s.signatures[1].first_seen_ns, kNow - 2 * kDay);
  EXPECT_EQ(s.signatures[1].last_seen_ns, kNow - kDay / 2);
}

TEST_F(ArchiveTest, ADiagnosisThatReproducedRegroupsTheEntryByItsRefinedSignature) {
  auto a = openArchive();
  std::vector<Sha256Digest> ids;
  for (uint64_t seed : {1, 2, 3}) {
    testing::SampleBundleSpec spec;
    spec.seed = seed;
    spec.memory_bytes = 1 << 20;
    spec.wall_time_ns = kNow - kDay / 2 + static_cast<int64_t>(seed);
    spec.panic_function = "same_message";
    ids.push_back(ingest(*a, sample("d" + std::to_string(seed) + ".tandem", spec)).id);
  }
  auto before = a->stats();
  ASSERT_TRUE(before.ok());
  // Diagnosis tells two causes apart that the recorder's message did not.
  auto diagnosed = [&](const Sha256Digest& id, const char* frame, bool reproduced) {
    auto e = a->entry(id);
    ASSERT_TRUE(e.ok());
    pb::ArchiveDiagnosis d;
    *d.mutable_failure() = e->manifest().failure();
    d.mutable_failure()->set_kind(pb::OOPS);
    d.mutable_failure()->add_stack_top(std::string(frame) + "+0x10/0x40");
    d.mutable_failure()->set_signature(failureSignature(d.failure()));
    d.set_reproduced(reproduced);
    d.set_verdict(reproduced ? "reproduced" : "did not reproduce");
    d.set_diagnosed_ns(kNow);
    ASSERT_TRUE(a->setDiagnosis(id, d).ok());
  };
  diagnosed(ids[0], "first_cause", true);
  diagnosed(ids[1], "second_cause", true);
  diagnosed(ids[2], "first_cause", false);  // not reproduced: not trusted
  auto entries = a->entries();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ(entryFailure((*entries)[0]).kind(), pb::OOPS);
  EXPECT_EQ(entryFailure((*entries)[2]).kind(), (*entries)[2].manifest().failure().kind());
  EXPECT_EQ((*entries)[0].diagnosis().tandem_version().empty(), false);
  ArchiveSummary s = summarize(*entries, kNow, kDay);
  ASSERT_EQ(s.signatures.size(), 3u);
  std::set<std::string> sigs;
  for (const SignatureSummary& g : s.signatures) sigs.insert(g.signature);
  EXPECT_TRUE(sigs.count(entrySignature((*entries)[0])));
  EXPECT_TRUE(sigs.count(entrySignature((*entries)[1])));
  EXPECT_TRUE(sigs.count((*entries)[2].manifest().failure().signature()));
  EXPECT_NE(entrySignature((*entries)[0]), entrySignature((*entries)[1]));
  // The entries grew, and the counters say so; the bundles did not change.
  auto after = a->stats();
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->counters.layout_bytes, before->counters.layout_bytes);
  EXPECT_EQ(after->counters.bundle_bytes, before->counters.bundle_bytes);
  expectSound(*a);
  expectExportsEqual(*a, ids[0], dir_.file("d1.tandem"));
  Sha256Digest missing{};
  EXPECT_FALSE(a->setDiagnosis(missing, pb::ArchiveDiagnosis()).ok());
}

TEST_F(ArchiveTest, OpeningAMissingArchiveWithoutCreatingIsAnError) {
  auto a = Archive::open(dir_.file("nothing-here"), false);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("nothing-here"), std::string::npos);
}

}  // namespace
}  // namespace tandem
