#include "replayer/gdb/GdbTargetXml.h"

#include <cstring>

#include "replayer/gdb/GdbRegisters.h"

namespace tandem::gdb {
namespace {

// EFLAGS bits gdb names when it prints the register.
struct FlagBit {
  const char* name;
  unsigned bit;
};
constexpr FlagBit kEflagsBits[] = {
    {"CF", 0},  {"", 1},    {"PF", 2},  {"AF", 4},   {"ZF", 6},   {"SF", 7},
    {"TF", 8},  {"IF", 9},  {"DF", 10}, {"OF", 11},  {"NT", 14},  {"RF", 16},
    {"VM", 17}, {"AC", 18}, {"VIF", 19}, {"VIP", 20}, {"ID", 21},
};

void appendEflagsType(std::string& out) {
  out += "    <flags id=\"i386_eflags\" size=\"4\">\n";
  for (const FlagBit& f : kEflagsBits) {
    std::string bit = std::to_string(f.bit);
    out += "      <field name=\"" + std::string(f.name) + "\" start=\"" + bit + "\" end=\"" + bit +
           "\"/>\n";
  }
  out += "    </flags>\n";
}

}  // namespace

std::string i386TargetXml() {
  std::string out =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n"
      "  <architecture>i386</architecture>\n";
  const char* open_feature = nullptr;
  for (unsigned n = 0; n < kRegisterCount; ++n) {
    const RegisterInfo& r = registerInfo(n);
    if (!open_feature || std::strcmp(open_feature, r.feature) != 0) {
      if (open_feature) out += "  </feature>\n";
      out += "  <feature name=\"" + std::string(r.feature) + "\">\n";
      if (n == 0) appendEflagsType(out);
      open_feature = r.feature;
    }
    out += "    <reg name=\"" + std::string(r.name) + "\" bitsize=\"" + std::to_string(r.bits) +
           "\" type=\"" + r.type + "\" regnum=\"" + std::to_string(n) + "\"";
    if (r.group) out += " group=\"" + std::string(r.group) + "\"";
    out += "/>\n";
  }
  out += "  </feature>\n</target>\n";
  return out;
}

}  // namespace tandem::gdb
