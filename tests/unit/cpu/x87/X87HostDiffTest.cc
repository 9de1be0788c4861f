// Every x87 encoding, run by tandem's FPU and by the host processor from the
// same random states; the results must agree bit for bit: control, status
// and tag words, all eight registers, the memory operand and EFLAGS.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "tests/unit/cpu/x87/X87HostOracle.h"
#include "tests/unit/cpu/x87/X87Random.h"
#include "tests/unit/cpu/x87/X87TestEnv.h"
#include "vmm/cpu/X87Host.h"
#include "vmm/cpu/X87Image.h"

namespace tandem::test {
namespace {

constexpr X87Layout kHostLayout{false, false};  // 64-bit FNSAVE: the 32-bit protected layout

std::string hex(const uint8_t* p, unsigned n) {
  std::string s;
  char b[4];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

bool isFisttp(uint8_t esc, uint8_t modrm) {
  return modrm < 0xC0 && ((modrm >> 3) & 7) == 1 && (esc == 0xDB || esc == 0xDD || esc == 0xDF);
}

// Memory forms are encoded with mod 0, rm 1 ([ecx] / the oracle's [rcx]).
std::vector<uint8_t> encodingsOf(uint8_t esc) {
  std::vector<uint8_t> v;
  for (unsigned reg = 0; reg < 8; ++reg) v.push_back(uint8_t(reg << 3 | 1));
  for (unsigned m = 0xC0; m <= 0xFF; ++m) v.push_back(uint8_t(m));
  return v;
}

class X87HostDifferential : public testing::TestWithParam<uint8_t> {
 protected:
  void check(X87Random& rng, uint8_t esc, uint8_t modrm, bool all_masked) {
    X87TestEnv env;
    env.f = rng.state(all_masked);
    for (auto& b : env.mem) b = uint8_t(rng.bits());
    rng.operand(env.mem, 10);
    const unsigned reg = (modrm >> 3) & 7;
    if (modrm < 0xC0 && reg == 4 && (esc == 0xD9 || esc == 0xDD)) {  // FLDENV, FRSTOR
      x87StoreState(rng.state(rng.chance(50)), kHostLayout, env.mem);
      if (rng.chance(20)) env.mem[rng.below(10)] ^= uint8_t(1u << rng.below(8));
    }
    if (modrm < 0xC0 && !(esc == 0xDB && reg == 5) && !(esc == 0xDF && reg == 4))
      rng.operand(env.mem, esc == 0xDA || esc == 0xD9 || esc == 0xDB ? 4
                           : esc == 0xDE || esc == 0xDF              ? 2
                                                                     : 8);
    env.flags = uint32_t(rng.bits()) & (fl::CF | fl::PF | fl::ZF);
    const FpuState start = env.f;

    alignas(16) uint8_t image[kMaxSaveSize];
    x87StoreState(start, kHostLayout, image);
    alignas(16) uint8_t host_mem[sizeof env.mem];
    std::memcpy(host_mem, env.mem, sizeof host_mem);
    uint8_t ah = eflagsToAh(env.flags);
    const bool host_ok = oracle_.run(esc, modrm, image, host_mem, &ah);

    const int vector = runX87(env, esc, modrm);
    auto what = [&] {
      return std::string(fpuName(esc, modrm)) + " (" + hex(&esc, 1) + " " + hex(&modrm, 1) +
             ") from " + describe(start);
    };
    if (!host_ok || isFisttp(esc, modrm)) {
      EXPECT_EQ(vector, kUD) << what();
      return;
    }
    ASSERT_EQ(vector, -1) << what();

    alignas(16) uint8_t mine[kMaxSaveSize];
    x87StoreState(env.f, kHostLayout, mine);
    auto same = [&](unsigned at, unsigned n, const char* part) {
      EXPECT_EQ(hex(mine + at, n), hex(image + at, n)) << part << " of " << what();
    };
    if (std::memcmp(mine, image, 2)) same(0, 2, "control word");
    if (std::memcmp(mine + 4, image + 4, 2)) same(4, 2, "status word (low byte first)");
    if (std::memcmp(mine + 8, image + 8, 2)) same(8, 2, "tag word (low byte first)");
    if (std::memcmp(mine + 28, image + 28, 80)) same(28, 80, "registers");
    if ((esc == 0xD9 || esc == 0xDD) && reg == 6 && modrm < 0xC0) {
      // FNSTENV/FNSAVE: the host's instruction and data pointers are its own.
      std::memset(env.mem + 12, 0, 16);
      std::memset(host_mem + 12, 0, 16);
    }
    if (std::memcmp(env.mem, host_mem, sizeof host_mem))
      EXPECT_EQ(hex(env.mem, sizeof env.mem), hex(host_mem, sizeof host_mem))
          << "memory of " << what();
    if (!(esc == 0xDF && modrm == 0xE0))  // the oracle's LAHF overwrites AH
      EXPECT_EQ(env.flags & (fl::CF | fl::PF | fl::ZF), ahToEflags(ah) & (fl::CF | fl::PF | fl::ZF))
          << "EFLAGS of " << what();
  }

  static const char* fpuName(uint8_t esc, uint8_t modrm) {
    return x87Decode<X87NameBind>(esc, modrm);
  }

  static std::string describe(const FpuState& f) {
    uint8_t img[kMaxSaveSize];
    x87StoreState(f, kHostLayout, img);
    return "cw " + hex(img, 2) + " sw " + hex(img + 4, 2) + " tw " + hex(img + 8, 2) + " st " +
           hex(img + 28, 80);
  }

  X87HostOracle oracle_;
};

TEST_P(X87HostDifferential, EveryEncodingMatchesHostWithExceptionsMasked) {
  const uint8_t esc = GetParam();
  X87Random rng(0x5EED0000u + esc);
  for (int trial = 0; trial < 150; ++trial)
    for (uint8_t modrm : encodingsOf(esc)) check(rng, esc, modrm, true);
}

TEST_P(X87HostDifferential, EveryEncodingMatchesHostWithExceptionsUnmasked) {
  const uint8_t esc = GetParam();
  X87Random rng(0xAB0000u + esc);
  for (int trial = 0; trial < 150; ++trial)
    for (uint8_t modrm : encodingsOf(esc)) check(rng, esc, modrm, false);
}

INSTANTIATE_TEST_SUITE_P(Escape, X87HostDifferential,
                         testing::Values(0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF),
                         [](const testing::TestParamInfo<uint8_t>& p) {
                           char b[8];
                           std::snprintf(b, sizeof b, "%02X", p.param);
                           return std::string(b);
                         });

}  // namespace
}  // namespace tandem::test
