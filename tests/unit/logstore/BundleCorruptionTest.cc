#include <gtest/gtest.h>

#include "logstore/BundleReader.h"
#include "logstore/BundleScanner.h"
#include "logstore/Crc32c.h"
#include "tests/support/SampleBundle.h"
#include "tests/support/TempDir.h"

namespace tandem {
namespace {

using testing::TempDir;

// A byte range of the file and how errors about it must name it.
struct Region {
  std::string label;
  uint64_t begin, end;
  std::string must_mention;
};

class BundleCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SampleBundleSpec spec;
    spec.memory_bytes = 1 << 20;
    spec.events = 1000;
    spec.options.pages_per_section = 16;
    spec.options.events_per_chunk = 200;
    path_ = dir_.file("sample.tandem");
    ASSERT_TRUE(testing::writeSampleBundle(path_, spec).ok());
    original_ = testing::readFileBytes(path_);
    auto r = BundleReader::open(path_);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(verifyBundle(**r).ok());
    regions_.push_back({"file header", 0, kFileHeaderSize, "offset 0"});
    for (int i = 0; i < (*r)->index().sections_size(); ++i) {
      const auto& e = (*r)->index().sections(i);
      regions_.push_back({"section " + std::to_string(i), e.offset(), e.offset() + e.length(),
                          "section " + std::to_string(i)});
    }
    regions_.push_back({"index", (*r)->indexOffset(), original_.size() - kTrailerSize, "offset"});
    regions_.push_back({"trailer", original_.size() - kTrailerSize, original_.size(), "offset"});
    ASSERT_GE(regions_.size(), 12u);
  }

  // Opens and fully verifies `bytes`; returns the error (empty if accepted).
  std::string check(const std::vector<uint8_t>& bytes) {
    std::string bad = dir_.file("bad.tandem");
    testing::writeFileBytes(bad, bytes);
    auto r = BundleReader::open(bad);
    if (!r) return r.error().message;
    auto v = verifyBundle(**r);
    return v ? "" : v.error().message;
  }

  TempDir dir_;
  std::string path_;
  std::vector<uint8_t> original_;
  std::vector<Region> regions_;
};

TEST_F(BundleCorruption, EveryRegionTruncatedAnywhereIsReportedAsTruncation) {
  for (const Region& reg : regions_) {
    for (uint64_t cut : {reg.begin + 1, (reg.begin + reg.end) / 2, reg.end - 1}) {
      std::vector<uint8_t> bytes(original_.begin(), original_.begin() + static_cast<long>(cut));
      std::string err = check(bytes);
      SCOPED_TRACE(reg.label + " cut at " + std::to_string(cut) + ": " + err);
      ASSERT_FALSE(err.empty());
      EXPECT_NE(err.find("bad.tandem"), std::string::npos);
      EXPECT_NE(err.find("truncated"), std::string::npos);
      if (reg.label.rfind("section", 0) == 0) {
        EXPECT_NE(err.find(reg.must_mention), std::string::npos);
      }
    }
  }
}

TEST_F(BundleCorruption, EveryRegionWithAFlippedBitIsReportedWithItsOffset) {
  for (const Region& reg : regions_) {
    uint64_t len = reg.end - reg.begin;
    for (uint64_t at : {reg.begin + 5, reg.begin + len / 2, reg.end - 1}) {
      for (int bit : {0, 7}) {
        std::vector<uint8_t> bytes = original_;
        bytes[at] ^= static_cast<uint8_t>(1u << bit);
        std::string err = check(bytes);
        SCOPED_TRACE(reg.label + " bit " + std::to_string(bit) + " of byte " + std::to_string(at) + ": " + err);
        ASSERT_FALSE(err.empty());
        EXPECT_NE(err.find("bad.tandem"), std::string::npos);
        EXPECT_NE(err.find(reg.must_mention), std::string::npos);
      }
    }
  }
}

TEST_F(BundleCorruption, AnUnknownMajorVersionIsRefusedAndANewerMinorAccepted) {
  std::vector<uint8_t> bytes = original_;
  encodeFileHeader(FileHeader{2, 0}, bytes.data());
  EXPECT_NE(check(bytes).find("format version 2.0 is not supported"), std::string::npos);
  encodeFileHeader(FileHeader{kFormatMajor, 9}, bytes.data());
  EXPECT_EQ(check(bytes), "");
}

TEST_F(BundleCorruption, ASectionLargerThanTheLimitIsRefusedBeforeAllocating) {
  std::vector<uint8_t> bytes = original_;
  auto r = BundleReader::open(path_);
  ASSERT_TRUE(r.ok());
  uint64_t off = (*r)->index().sections(0).offset();
  SectionHeader h = *decodeSectionHeader(bytes.data() + off);
  h.stored_length = h.raw_length = 1ull << 40;
  encodeSectionHeader(h, bytes.data() + off);  // a valid header checksum over a hostile size
  std::string err = check(bytes);
  EXPECT_NE(err.find("section 0"), std::string::npos) << err;
  EXPECT_NE(err.find("exceeds the limit"), std::string::npos) << err;
}

TEST_F(BundleCorruption, ForeignAndEmptyFilesAreNamedAsSuch) {
  std::vector<uint8_t> text(200, 'x');
  EXPECT_NE(check(text).find("not a tandem bundle"), std::string::npos);
  EXPECT_NE(check({}).find("truncated: 0 bytes"), std::string::npos);
  auto r = BundleReader::open(dir_.file("missing.tandem"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("missing.tandem"), std::string::npos);
}

}  // namespace
}  // namespace tandem
