#include "logstore/CpuStateProto.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "tests/support/WireRoundTrip.h"

namespace tandem {
namespace {

// Every byte random, except what the format defines as zero: the "no
// register" slot gpr[8] and the padding words reserved0 and reserved1. A field added to
// CpuState without being added to the conversion fails this test.
CpuState randomCpuState(uint32_t seed) {
  CpuState s;
  std::mt19937 rng(seed);
  auto* bytes = reinterpret_cast<uint8_t*>(&s);
  for (size_t i = 0; i < sizeof s; ++i) bytes[i] = static_cast<uint8_t>(rng());
  s.gpr[8] = 0;
  s.reserved0 = 0;
  s.reserved1 = 0;
  s.fpu.top &= 7;
  return s;
}

TEST(CpuStateProto, EveryFieldRoundTrips) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    CpuState in = randomCpuState(seed);
    pb::CpuState p;
    cpuStateToProto(in, p);
    auto out = cpuStateFromProto(testing::throughTheWire(p));
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(std::memcmp(&in, &*out, sizeof in), 0) << "seed " << seed;
  }
}

TEST(CpuStateProto, WrongRegisterCountsAreRefused) {
  pb::CpuState p;
  cpuStateToProto(randomCpuState(1), p);
  p.add_gpr(5);
  auto r = cpuStateFromProto(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("8 general registers"), std::string::npos);
  cpuStateToProto(randomCpuState(1), p);
  p.mutable_seg()->RemoveLast();
  EXPECT_FALSE(cpuStateFromProto(p).ok());
}

TEST(CpuStateProto, ValuesWiderThanTheirFieldsAreRefused) {
  pb::CpuState p;
  cpuStateToProto(randomCpuState(2), p);
  p.mutable_seg(1)->set_selector(0x10000);
  auto r = cpuStateFromProto(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cs.selector"), std::string::npos);
  cpuStateToProto(randomCpuState(2), p);
  p.mutable_fpu()->set_top(8);
  EXPECT_FALSE(cpuStateFromProto(p).ok());
}

}  // namespace
}  // namespace tandem
