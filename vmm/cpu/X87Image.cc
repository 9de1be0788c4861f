#include "vmm/cpu/X87Image.h"

#include <cstring>

#include "vmm/cpu/X87State.h"

namespace tandem {
namespace {

void put16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, 2);
}
void put32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}
uint16_t get16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Reserved halves of the 32-bit layout's words are stored as ones.
constexpr uint32_t kHighOnes = 0xFFFF0000u;

uint32_t linearIp(const FpuState& f) {
  return (uint32_t{f.fcs} << 4) + f.fip;
}
uint32_t linearDp(const FpuState& f) {
  return (uint32_t{f.fds} << 4) + f.fdp;
}

void storeRegs(const FpuState& f, uint8_t* out) {
  for (int i = 0; i < 8; ++i) {
    const F80 v = stGet(f, i);
    std::memcpy(out + 10 * i, &v.mant, 8);
    put16(out + 10 * i + 8, v.sexp);
  }
}

// Registers are loaded by stack position, so TOP must already be set.
void loadRegs(FpuState& f, const uint8_t* in) {
  for (int i = 0; i < 8; ++i) {
    const unsigned p = physReg(f, i);
    std::memcpy(&f.mant[p], in + 10 * i, 8);
    f.sexp[p] = get16(in + 10 * i + 8);
  }
}

void loadControl(FpuState& f, uint16_t cw, uint16_t sw, uint16_t tw) {
  f.cw = uint16_t((cw & fcw::kStored) | fcw::kFixed1);
  f.sw = sw;
  f.top = (sw & fsw::kTopMask) >> fsw::kTopShift;
  // Only "empty" survives a load; the other tags follow the contents.
  uint16_t tags = 0;
  for (unsigned p = 0; p < 8; ++p)
    if (((tw >> (2 * p)) & 3) == kTagEmpty) tags |= uint16_t(kTagEmpty << (2 * p));
  f.tw = tags;
  updateSummary(f);
}

}  // namespace

uint16_t x87FullTagWord(const FpuState& f) {
  uint16_t tw = 0;
  for (unsigned p = 0; p < 8; ++p) {
    const X87Tag t = physTag(f, p) == kTagEmpty ? kTagEmpty : tagForValue(f.mant[p], f.sexp[p]);
    tw |= uint16_t(t << (2 * p));
  }
  return tw;
}

void x87StoreEnv(const FpuState& f, X87Layout layout, uint8_t* out) {
  const uint16_t tw = x87FullTagWord(f);
  const uint16_t fop = f.fop & 0x7FF;
  if (layout.op16) {
    put16(out + 0, f.cw);
    put16(out + 2, f.sw);
    put16(out + 4, tw);
    if (layout.real) {
      const uint32_t ip = linearIp(f), dp = linearDp(f);
      put16(out + 6, uint16_t(ip));
      put16(out + 8, uint16_t(((ip >> 16) & 0xF) << 12 | fop));
      put16(out + 10, uint16_t(dp));
      put16(out + 12, uint16_t(((dp >> 16) & 0xF) << 12));
    } else {
      put16(out + 6, uint16_t(f.fip));
      put16(out + 8, f.fcs);
      put16(out + 10, uint16_t(f.fdp));
      put16(out + 12, f.fds);
    }
    return;
  }
  put32(out + 0, kHighOnes | f.cw);
  put32(out + 4, kHighOnes | f.sw);
  put32(out + 8, kHighOnes | tw);
  if (layout.real) {
    const uint32_t ip = linearIp(f), dp = linearDp(f);
    put32(out + 12, kHighOnes | (ip & 0xFFFF));
    put32(out + 16, (ip >> 16) << 12 | fop);
    put32(out + 20, kHighOnes | (dp & 0xFFFF));
    put32(out + 24, (dp >> 16) << 12);
  } else {
    put32(out + 12, f.fip);
    put32(out + 16, uint32_t{fop} << 16 | f.fcs);
    put32(out + 20, f.fdp);
    put32(out + 24, kHighOnes | f.fds);
  }
}

void x87LoadEnv(FpuState& f, X87Layout layout, const uint8_t* in) {
  if (layout.op16) {
    loadControl(f, get16(in + 0), get16(in + 2), get16(in + 4));
    const uint16_t w4 = get16(in + 8);
    if (layout.real) {
      f.fip = get16(in + 6) | uint32_t(w4 >> 12) << 16;
      f.fcs = 0;
      f.fop = w4 & 0x7FF;
      f.fdp = get16(in + 10) | uint32_t(get16(in + 12) >> 12) << 16;
      f.fds = 0;
    } else {
      f.fip = get16(in + 6);
      f.fcs = w4;
      f.fdp = get16(in + 10);
      f.fds = get16(in + 12);
    }
    recomputeTags(f);
    return;
  }
  loadControl(f, get16(in + 0), get16(in + 4), get16(in + 8));
  const uint32_t d4 = get32(in + 16);
  if (layout.real) {
    f.fip = (get32(in + 12) & 0xFFFF) | ((d4 >> 12) & 0xFFFF) << 16;
    f.fcs = 0;
    f.fop = d4 & 0x7FF;
    f.fdp = (get32(in + 20) & 0xFFFF) | ((get32(in + 24) >> 12) & 0xFFFF) << 16;
    f.fds = 0;
  } else {
    f.fip = get32(in + 12);
    f.fcs = uint16_t(d4);
    f.fop = (d4 >> 16) & 0x7FF;
    f.fdp = get32(in + 20);
    f.fds = get16(in + 24);
  }
  // Only empty versus non-empty survives from the image's tag word; the
  // other tags follow the registers' contents, as after FRSTOR.
  recomputeTags(f);
}

void x87StoreState(const FpuState& f, X87Layout layout, uint8_t* out) {
  x87StoreEnv(f, layout, out);
  storeRegs(f, out + layout.envSize());
}

void x87LoadState(FpuState& f, X87Layout layout, const uint8_t* in) {
  x87LoadEnv(f, layout, in);
  loadRegs(f, in + layout.envSize());
  recomputeTags(f);
}

void x87HostImage(const FpuState& f, uint8_t* out) {
  constexpr uint16_t kPendingBits = fsw::kExceptions | fsw::SF | fsw::ES | fsw::B;
  std::memset(out, 0, kMaxSaveSize);
  put16(out + 0, f.cw);
  put16(out + 4, uint16_t(f.sw & ~kPendingBits));
  put16(out + 8, f.tw);
  storeRegs(f, out + 28);
}

uint16_t x87HostImageFlags(const uint8_t* in) {
  return get16(in + 4) & (fsw::kExceptions | fsw::SF);
}

void x87FromHostImage(FpuState& f, const uint8_t* in) {
  const uint16_t host_sw = get16(in + 4);
  const uint16_t tw = get16(in + 8);
  f.sw = uint16_t((f.sw & ~(fsw::kCc | fsw::kTopMask)) | (host_sw & (fsw::kCc | fsw::kTopMask)));
  f.top = (host_sw & fsw::kTopMask) >> fsw::kTopShift;
  uint16_t tags = 0;
  for (unsigned p = 0; p < 8; ++p)
    if (((tw >> (2 * p)) & 3) == kTagEmpty) tags |= uint16_t(kTagEmpty << (2 * p));
  f.tw = tags;
  loadRegs(f, in + 28);
  recomputeTags(f);
  raiseFlags(f, host_sw);
}

}  // namespace tandem
