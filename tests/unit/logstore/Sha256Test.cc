#include "logstore/Sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem {
namespace {

TEST(Sha256, MatchesFips180Examples) {
  EXPECT_EQ(toHex(sha256("abc", 3)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(toHex(sha256("", 0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(toHex(sha256(two.data(), two.size())),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalEqualsOneShotAndTheHasherIsReusable) {
  Sha256 h;
  h.update("ab", 2);
  h.update("c", 1);
  EXPECT_EQ(h.finish(), sha256("abc", 3));
  EXPECT_EQ(h.digest("abc", 3), sha256("abc", 3));
}

TEST(Sha256, HexRoundTripsAndRejectsNonHex) {
  Sha256Digest d = sha256("x", 1), back{};
  ASSERT_TRUE(fromHex(toHex(d), back));
  EXPECT_EQ(back, d);
  EXPECT_FALSE(fromHex(std::string(64, 'g'), back));
  EXPECT_FALSE(fromHex("abc", back));
}

}  // namespace
}  // namespace tandem
