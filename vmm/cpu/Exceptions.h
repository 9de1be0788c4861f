// Guest exceptions. A handler that detects a fault throws GuestException;
// the run loop catches it at the instruction boundary, rolls EIP back to the
// faulting instruction and delivers it through the IDT. Nothing of the
// faulting instruction has been committed when it throws.
#pragma once

#include <cstdint>

namespace tandem {

enum Vector : uint8_t {
  kDE = 0,   // divide error
  kDB = 1,   // debug
  kNMI = 2,
  kBP = 3,   // INT3
  kOF = 4,   // INTO
  kBR = 5,   // BOUND
  kUD = 6,   // invalid opcode
  kNM = 7,   // device not available
  kDF = 8,   // double fault
  kTS = 10,  // invalid TSS
  kNP = 11,  // segment not present
  kSS = 12,  // stack fault
  kGP = 13,  // general protection
  kPF = 14,  // page fault
  kMF = 16,  // x87 floating point error
  kAC = 17,  // alignment check
  kMC = 18,
  kXM = 19,
};

struct GuestException {
  uint8_t vector;
  bool has_error;
  uint32_t error;
};

// True for vectors that push an error code when raised as exceptions.
constexpr bool vectorHasErrorCode(uint8_t v) {
  return v == kDF || v == kTS || v == kNP || v == kSS || v == kGP || v == kPF || v == kAC;
}

// Page-fault error code bits.
namespace pf_err {
constexpr uint32_t P = 1, W = 2, U = 4, RSVD = 8;
}

}  // namespace tandem
