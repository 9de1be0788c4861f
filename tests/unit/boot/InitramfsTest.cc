#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>

#include "vmm/boot/Initramfs.h"

namespace tandem {
namespace {

using Bytes = std::vector<uint8_t>;

void append(Bytes& b, const std::string& s) {
  b.insert(b.end(), s.begin(), s.end());
}
void pad4(Bytes& b) {
  while (b.size() % 4) b.push_back(0);
}

// One newc entry.
void entry(Bytes& b, const std::string& name, const std::string& data, uint32_t mode = 0100644) {
  char head[111];
  std::snprintf(head, sizeof head, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
                1u, mode, 0u, 0u, 1u, 0u, data.size(), 0u, 0u, 0u, 0u, name.size() + 1, 0u);
  append(b, std::string(head, 110));
  append(b, name);
  b.push_back(0);
  pad4(b);
  append(b, data);
  pad4(b);
}

Bytes archive() {
  Bytes b;
  entry(b, "init", "#!/bin/sh\necho hello\n", 0100755);
  entry(b, "bin", "", 040755);
  entry(b, "bin/tool", std::string(5000, 'x'));
  entry(b, "TRAILER!!!", "");
  return b;
}

Bytes gzip(const Bytes& in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&z, in.size()) + 64);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Status check(const Bytes& b) {
  return Initramfs::check(ImageFile("initrd test.img", b));
}

TEST(Initramfs, WholeArchivesPlainOrGzippedAreAccepted) {
  EXPECT_TRUE(check(archive()));
  EXPECT_TRUE(check(gzip(archive())));
  // An early uncompressed archive, padding, then a compressed one, as
  // distributions build them for microcode.
  Bytes both = archive();
  both.insert(both.end(), 512, 0);
  Bytes packed = gzip(archive());
  both.insert(both.end(), packed.begin(), packed.end());
  EXPECT_TRUE(check(both));
}

TEST(Initramfs, TruncatedArchiveIsReportedWithTheEntryAndOffset) {
  Bytes a = archive();
  a.resize(a.size() - 2000);
  auto s = check(a);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("initrd test.img: "), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("truncated"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("bin/tool"), std::string::npos) << s.error().message;
}

TEST(Initramfs, ArchiveWithoutTrailerIsTruncated) {
  Bytes a;
  entry(a, "init", "x");
  auto s = check(a);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("truncated"), std::string::npos) << s.error().message;
}

TEST(Initramfs, TruncatedGzipIsReported) {
  Bytes g = gzip(archive());
  g.resize(g.size() / 2);
  auto s = check(g);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("truncated"), std::string::npos) << s.error().message;
}

TEST(Initramfs, DamagedGzipIsReported) {
  Bytes g = gzip(archive());
  g[g.size() - 6] ^= 0xFF;  // the CRC-32 in the trailer
  auto s = check(g);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("damaged"), std::string::npos) << s.error().message;
}

TEST(Initramfs, GzipThatHoldsNoArchiveIsReported) {
  Bytes text;
  append(text, "this is not a cpio archive\n");
  auto s = check(gzip(text));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("neither a cpio header"), std::string::npos)
      << s.error().message;
}

TEST(Initramfs, OtherFormatsAreLeftToTheKernel) {
  Bytes ramdisk(4096, 0x55);  // an old-style ramdisk image
  EXPECT_TRUE(check(ramdisk));
  Bytes xz = {0xFD, '7', 'z', 'X', 'Z', 0};
  EXPECT_TRUE(check(xz));
}

}  // namespace
}  // namespace tandem
