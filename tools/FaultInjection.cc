#include "tools/FaultInjection.h"

#include "tools/Args.h"

namespace tandem::cli {

Result<FaultInjection> parseFaultInjection(const std::string& text) {
  size_t a = text.find(':');
  size_t b = a == std::string::npos ? a : text.find(':', a + 1);
  if (b == std::string::npos) return makeError("'" + text + "' is not N:WHERE:BIT");
  FaultInjection f;
  auto icount = parseUint("inject-fault", text.substr(0, a));
  if (!icount) return icount.error();
  f.icount = *icount;
  std::string where = text.substr(a + 1, b - a - 1);
  static const char* kRegs[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"};
  for (int r = 0; r < 9; ++r)
    if (where == kRegs[r]) f.reg = r;
  if (f.reg < 0) {
    if (!where.starts_with("mem@"))
      return makeError("'" + where + "' is not a register (eax..edi, eip) or mem@ADDRESS");
    auto addr = parseUint("inject-fault", where.substr(4));
    if (!addr) return addr.error();
    f.address = *addr;
  }
  auto bit = parseUint("inject-fault", text.substr(b + 1));
  if (!bit) return bit.error();
  if (*bit > (f.reg < 0 ? 7u : 31u)) return makeError("bit " + std::to_string(*bit) + " is out of range");
  f.bit = static_cast<unsigned>(*bit);
  return f;
}

void applyFault(const FaultInjection& f, Machine& m) {
  Cpu& c = m.cpu();
  if (f.reg == 8) {
    c.st.eip ^= 1u << f.bit;
    c.flushCaches();
  } else if (f.reg >= 0) {
    c.st.gpr[f.reg] ^= 1u << f.bit;
  } else if (uint8_t* page = m.memory().pagePointer(GuestPhys(f.address))) {
    page[f.address & (kPageSize - 1)] ^= static_cast<uint8_t>(1u << f.bit);
    c.flushCaches();
  }
}

}  // namespace tandem::cli
