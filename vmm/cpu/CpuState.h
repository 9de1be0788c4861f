// The architectural state of the IA-32 CPU as plain data. A CpuState can be
// copied, compared byte for byte, hashed and written to disk; restoring it
// into a Cpu continues execution exactly as the saved CPU would have.
// Every field is explicitly sized and the struct has no padding holes that
// could carry uninitialised bytes (checked below).
#pragma once

#include <cstdint>
#include <type_traits>

namespace tandem {

enum SegReg : uint8_t { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, kSegCount = 6 };
enum Gpr : uint8_t { EAX = 0, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

// EFLAGS bits.
namespace fl {
constexpr uint32_t CF = 1u << 0, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6, SF = 1u << 7,
                   TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, OF = 1u << 11,
                   IOPL = 3u << 12, NT = 1u << 14, RF = 1u << 16, VM = 1u << 17,
                   AC = 1u << 18, VIF = 1u << 19, VIP = 1u << 20, ID = 1u << 21;
constexpr uint32_t kArith = CF | PF | AF | ZF | SF | OF;
constexpr uint32_t kFixed1 = 1u << 1;
}  // namespace fl

namespace cr0 {
constexpr uint32_t PE = 1u << 0, MP = 1u << 1, EM = 1u << 2, TS = 1u << 3, ET = 1u << 4,
                   NE = 1u << 5, WP = 1u << 16, AM = 1u << 18, NW = 1u << 29, CD = 1u << 30,
                   PG = 1u << 31;
}
namespace cr4 {
constexpr uint32_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3, PSE = 1u << 4,
                   PAE = 1u << 5, MCE = 1u << 6, PGE = 1u << 7, PCE = 1u << 8,
                   OSFXSR = 1u << 9, OSXMMEXCPT = 1u << 10;
}

// A segment register: the visible selector and the hidden descriptor cache.
struct SegmentCache {
  uint32_t base;
  uint32_t limit;     // effective byte limit (granularity already applied)
  uint16_t selector;
  // Descriptor attribute bits as in the descriptor's bytes 5 and 6:
  // bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 14 D/B, 15 G.
  uint16_t attr;
  uint32_t valid;     // 0 for a null or unusable segment
};
static_assert(sizeof(SegmentCache) == 16);

namespace seg_attr {
constexpr uint16_t kTypeMask = 0xF, S = 1u << 4, kDplShift = 5, P = 1u << 7, AVL = 1u << 12,
                   DB = 1u << 14, G = 1u << 15;
// Type bits for code/data segments (S=1).
constexpr uint16_t kAccessed = 1, kWritable = 2, kReadable = 2, kExpandDown = 4,
                   kConforming = 4, kCode = 8;
}  // namespace seg_attr

struct TableRegister {
  uint32_t base;
  uint32_t limit;  // 16 bits used
};

// x87 register file and control state. Registers are stored by physical
// index as 80-bit values split into a 64-bit significand and a 16-bit
// sign+exponent; ST(i) is physical register (top + i) mod 8.
struct FpuState {
  uint64_t mant[8];
  uint16_t sexp[8];
  uint16_t cw;     // control word
  uint16_t sw;     // status word, with TOP in bits 11-13 kept in sync with `top`
  uint16_t tw;     // full tag word: 2 bits per physical register (0 valid, 1 zero, 2 special, 3 empty)
  uint16_t fop;    // last non-control opcode (11 bits)
  uint32_t fip;    // last instruction pointer (offset)
  uint32_t fdp;    // last data pointer (offset)
  uint16_t fcs;    // last instruction CS selector
  uint16_t fds;    // last data DS selector
  uint32_t top;    // 0..7
};
static_assert(sizeof(FpuState) == 8 * 8 + 8 * 2 + 2 * 4 + 4 + 4 + 2 + 2 + 4);

struct CpuState {
  // General registers EAX..EDI. gpr[8] is always zero: address generation
  // uses it for "no base" and "no index".
  uint32_t gpr[9];
  uint32_t eip;
  uint32_t eflags;  // all flags, materialised

  SegmentCache seg[kSegCount];
  SegmentCache ldtr;
  SegmentCache tr;
  TableRegister gdtr;
  TableRegister idtr;

  uint32_t cr0, cr2, cr3, cr4;
  uint32_t dr[8];  // DR4/DR5 alias DR6/DR7 and are not stored separately

  uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
  uint32_t a20_mask;  // 0xFFFFFFFF when A20 is enabled, else ~(1 << 20)
  uint32_t reserved1;  // always 0 (keeps the 64-bit fields aligned without padding)

  uint64_t icount;       // instructions retired since power-on
  uint64_t tsc_offset;   // added to the clock's TSC reading (written by WRMSR to the TSC)
  uint64_t misc_enable;  // IA32_MISC_ENABLE

  uint32_t halted;          // 1 after HLT until an interrupt arrives
  uint32_t intr_shadow;     // 1 for the instruction after STI / MOV SS / POP SS
  uint32_t nmi_blocked;     // 1 while an NMI handler runs (until IRET)
  uint32_t reserved0;

  FpuState fpu;
};
static_assert(std::is_trivially_copyable_v<CpuState>);
static_assert(std::has_unique_object_representations_v<CpuState>,
              "CpuState must have no padding so byte comparison and hashing are exact");

// Power-on state: real mode, CS:IP = F000:FFF0 with base FFFF0000.
CpuState resetCpuState();

}  // namespace tandem
