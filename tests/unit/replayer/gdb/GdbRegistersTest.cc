#include "replayer/gdb/GdbRegisters.h"

#include <gtest/gtest.h>

#include <cstring>

#include "replayer/gdb/GdbTargetXml.h"

namespace tandem::gdb {
namespace {

CpuState sampleState() {
  CpuState s = resetCpuState();
  for (unsigned i = 0; i < 8; ++i) s.gpr[i] = 0x11111111u * (i + 1);
  s.eip = 0xC0100000;
  s.eflags = 0x246;
  s.seg[ES].selector = 0x7B;
  s.seg[CS].selector = 0x60;
  s.seg[SS].selector = 0x68;
  s.seg[DS].selector = 0x7B;
  s.seg[FS].selector = 0xD8;
  s.seg[GS].selector = 0xE0;
  s.fpu.top = 6;
  s.fpu.sw = 6 << 11;
  s.fpu.mant[6] = 0x8000000000000000ull;  // 1.0
  s.fpu.sexp[6] = 0x3FFF;
  s.fpu.mant[7] = 0xC90FDAA22168C235ull;  // pi
  s.fpu.sexp[7] = 0x4000;
  s.fpu.tw = 0x0FFF;
  s.fpu.cw = 0x37F;
  s.fpu.fop = 0x1E8;
  s.fpu.fip = 0x1001AB;
  s.fpu.fcs = 0x10;
  return s;
}

TEST(GdbRegisters, LayoutFollowsGdbsI386Core) {
  EXPECT_STREQ(registerInfo(0).name, "eax");
  EXPECT_STREQ(registerInfo(3).name, "ebx");
  EXPECT_STREQ(registerInfo(kEspRegnum).name, "esp");
  EXPECT_STREQ(registerInfo(kEipRegnum).name, "eip");
  EXPECT_STREQ(registerInfo(10).name, "cs");
  EXPECT_STREQ(registerInfo(15).name, "gs");
  EXPECT_STREQ(registerInfo(16).name, "st0");
  EXPECT_EQ(registerInfo(16).bits, 80u);
  EXPECT_STREQ(registerInfo(31).name, "fop");
  unsigned bits = 0;
  for (unsigned n = 0; n < kRegisterCount; ++n) bits += registerInfo(n).bits;
  EXPECT_EQ(bits / 8, kRegisterFileBytes);
}

TEST(GdbRegisters, CpuStateMapsToGdbOrder) {
  I386Registers r = registersFromCpu(sampleState());
  EXPECT_EQ(r.gpr[0], 0x11111111u);
  EXPECT_EQ(r.eip, 0xC0100000u);
  EXPECT_EQ(r.seg[0], 0x60u);  // cs first, although the CPU numbers ES first
  EXPECT_EQ(r.seg[3], 0x7Bu);  // es
  uint64_t mant;
  std::memcpy(&mant, r.st[0], 8);
  EXPECT_EQ(mant, 0x8000000000000000ull);  // ST(0) is physical register TOP
  std::memcpy(&mant, r.st[1], 8);
  EXPECT_EQ(mant, 0xC90FDAA22168C235ull);
  EXPECT_EQ(r.fstat, 6u << 11);
  EXPECT_EQ(r.ftag, 0x0FFFu);
  EXPECT_EQ(r.fioff, 0x1001ABu);
}

TEST(GdbRegisters, EncodingIsLittleEndianInRegisterOrder) {
  I386Registers r = registersFromCpu(sampleState());
  std::string hex = encodeRegisters(r);
  ASSERT_EQ(hex.size(), kRegisterFileBytes * 2);
  EXPECT_EQ(hex.substr(0, 8), "11111111");
  EXPECT_EQ(hex.substr(8 * 8, 8), "000010c0");  // eip
  // st0: significand then exponent, 10 bytes from offset 64.
  EXPECT_EQ(hex.substr(64 * 2, 20), "0000000000000080ff3f");
  auto back = decodeRegisters(hex);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(decodeRegisters(hex.substr(2)));
  EXPECT_FALSE(decodeRegisters("zz" + hex.substr(2)));
}

TEST(GdbRegisters, SetRegisterNeedsExactlyItsSize) {
  I386Registers r{};
  const uint8_t four[4] = {1, 2, 3, 4}, ten[10] = {};
  EXPECT_TRUE(setRegisterBytes(r, 0, four));
  EXPECT_EQ(r.gpr[0], 0x04030201u);
  EXPECT_FALSE(setRegisterBytes(r, 0, ten));
  EXPECT_FALSE(setRegisterBytes(r, 16, four));
  EXPECT_TRUE(setRegisterBytes(r, 16, ten));
  EXPECT_FALSE(setRegisterBytes(r, kRegisterCount, four));
}

TEST(GdbRegisters, ApplyWritesGeneralAndX87AndKeepsSelectors) {
  CpuState s = sampleState();
  I386Registers r = registersFromCpu(s);
  r.gpr[0] = 42;
  r.eip = 0x1234;
  r.eflags |= fl::CF;
  std::memset(r.st[0], 0, 10);  // ST(0) = +0.0
  EXPECT_EQ(applyRegisters(r, s), nullptr);
  EXPECT_EQ(s.gpr[0], 42u);
  EXPECT_EQ(s.eip, 0x1234u);
  EXPECT_TRUE(s.eflags & fl::CF);
  EXPECT_EQ(s.fpu.mant[6], 0u);
  EXPECT_EQ((s.fpu.tw >> 12) & 3, 1u);  // the tag follows the new value: zero
}

TEST(GdbRegisters, ApplyRefusesSelectorsAndModeFlags) {
  CpuState s = sampleState();
  I386Registers r = registersFromCpu(s);
  r.seg[0] = 0x08;
  EXPECT_STREQ(applyRegisters(r, s), "cs");
  r = registersFromCpu(s);
  r.eflags |= fl::VM;
  EXPECT_STREQ(applyRegisters(r, s), "eflags");
  EXPECT_EQ(s.seg[CS].selector, 0x60u);
}

TEST(GdbTargetXml, DescribesEveryRegisterInOrderInTheCoreFeature) {
  std::string xml = i386TargetXml();
  EXPECT_NE(xml.find("<architecture>i386</architecture>"), std::string::npos);
  EXPECT_NE(xml.find("<feature name=\"org.gnu.gdb.i386.core\">"), std::string::npos);
  size_t at = 0;
  for (unsigned n = 0; n < kRegisterCount; ++n) {
    std::string reg = std::string("<reg name=\"") + registerInfo(n).name + "\" bitsize=\"" +
                      std::to_string(registerInfo(n).bits) + "\"";
    size_t found = xml.find(reg, at);
    ASSERT_NE(found, std::string::npos) << registerInfo(n).name;
    EXPECT_NE(xml.find("regnum=\"" + std::to_string(n) + "\"", found), std::string::npos);
    at = found;
  }
  EXPECT_NE(xml.find("<flags id=\"i386_eflags\""), std::string::npos);
  EXPECT_NE(xml.find("type=\"i387_ext\""), std::string::npos);
}

}  // namespace
}  // namespace tandem::gdb
