#include "logstore/Crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace tandem {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(crc32c(s, 9), 0xE3069283u);  // RFC 3720 / iSCSI check value
  EXPECT_EQ(crc32cExtendPortable(0, s, 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
}

TEST(Crc32c, ThirtyTwoBytesOfZerosAndOfOnes) {
  // Test vectors from RFC 3720 appendix B.4.
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF);
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
}

TEST(Crc32c, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(4096 + 16);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t align = 0; align < 8; ++align)
    for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u, 4096u})
      EXPECT_EQ(crc32c(buf.data() + align, len), crc32cExtendPortable(0, buf.data() + align, len))
          << "align " << align << " len " << len;
}

TEST(Crc32c, ExtendingEqualsChecksummingTheConcatenation) {
  const char* a = "tandem ";
  const char* b = "bundle";
  std::string ab = std::string(a) + b;
  EXPECT_EQ(crc32cExtend(crc32c(a, std::strlen(a)), b, std::strlen(b)), crc32c(ab.data(), ab.size()));
}

}  // namespace
}  // namespace tandem
