// The memory layout shared by the generated test program, the native run and
// the tandem run: where the scratch area lives, and the byte layout of one
// case's initial-state record and result record (both 1184 bytes, so the
// driver can move them with one REP MOVSD).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace tandem::diff {

// The scratch area every memory operand points into. It lies below 64 KiB so
// that 16-bit addressing forms can reach it with a flat data segment.
constexpr uint32_t kScratchAddr = 0x8000;
constexpr uint32_t kScratchSize = 1024;
// The stack of a case lives in the top of the scratch area, so pushes are
// compared like any other memory write.
constexpr uint32_t kStackLow = 0x240;
constexpr uint32_t kStackHigh = kScratchSize;
// Just below the stack, the sequence records EFLAGS as they are produced,
// so that flags later overwritten are compared too. Generated
// memory operands stay below this region.
constexpr uint32_t kCaptureLow = kStackLow - 32;

// The driver assembles each case's result at kStageAddr; the scratch area
// follows it directly, so stage + scratch form one ResultRecord.
constexpr uint32_t kRecordHeader = 160;
constexpr uint32_t kStageAddr = kScratchAddr - kRecordHeader;
// The ELF section that holds stage and scratch starts here.
constexpr uint32_t kLowDataAddr = 0x7000;
constexpr uint32_t kLowDataSize = 0x2000;
// Code is linked here.
constexpr uint32_t kTextAddr = 0x100000;

constexpr uint32_t kNoFault = 0xFFFFFFFFu;
constexpr uint32_t kFsaveSize = 108;

// The FNSAVE image of the x87 state (32-bit protected mode layout).
struct FsaveImage {
  uint32_t cw, sw, tw, fip, fcs_fop, fdp, fds;
  uint8_t st[8][10];  // ST(0)..ST(7), 80 bits each
};
static_assert(sizeof(FsaveImage) == kFsaveSize);

// GPRs are in the machine's order: EAX ECX EDX EBX ESP EBP ESI EDI.
struct InitRecord {
  uint32_t gpr[8];
  uint32_t eflags;
  uint32_t has_fpu;   // 1: FRSTOR `fpu` before the case, else FNINIT
  uint32_t pad[2];
  FsaveImage fpu;
  uint8_t pad2[kRecordHeader - 48 - kFsaveSize];
  uint8_t scratch[kScratchSize];
};

struct ResultRecord {
  uint32_t gpr[8];
  uint32_t eflags;
  uint32_t fault_vector;  // kNoFault, or the vector of the exception that ended the case
  uint32_t fault_eip;     // EIP of the faulting instruction
  uint32_t pad;
  FsaveImage fpu;
  uint8_t pad2[kRecordHeader - 48 - kFsaveSize];
  uint8_t scratch[kScratchSize];
};

constexpr uint32_t kRecordSize = kRecordHeader + kScratchSize;
static_assert(sizeof(InitRecord) == kRecordSize && sizeof(ResultRecord) == kRecordSize);
static_assert(offsetof(InitRecord, fpu) == 48 && offsetof(ResultRecord, scratch) == kRecordHeader);
static_assert(std::is_trivially_copyable_v<InitRecord> && std::is_trivially_copyable_v<ResultRecord>);

}  // namespace tandem::diff
