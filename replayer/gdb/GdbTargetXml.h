// The target description gdb reads with qXfer:features:read:target.xml:
// the architecture (i386) and the registers of GdbRegisters.h, grouped in
// gdb's feature names, with their numbers, sizes and types.
#pragma once

#include <string>

namespace tandem::gdb {

std::string i386TargetXml();

}  // namespace tandem::gdb
