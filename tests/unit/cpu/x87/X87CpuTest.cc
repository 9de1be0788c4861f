// x87 instructions run by the whole CPU: decoding, memory operands,
// EFLAGS and AX, CR0 controls, exception delivery and the pointers the FPU
// records for an exception handler.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "tests/unit/cpu/TestMachine.h"
#include "vmm/cpu/Fpu.h"
#include "vmm/cpu/X87State.h"

namespace tandem::test {
namespace {

constexpr uint32_t kData = 0x20000;  // scratch data in protected-mode tests

uint64_t read64(TestMachine& m, uint32_t phys) {
  return m.read32(phys) | uint64_t{m.read32(phys + 4)} << 32;
}

double asDouble(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

TEST(X87Cpu, ArithmeticOnMemoryOperandsStoresTheRoundedResult) {
  TestMachine m;
  m.loadProtected(R"(
    fninit
    fild dword [a]
    fidiv word [b]
    fadd qword [c]
    fsqrt
    fstp qword [0x20000]
    fldpi
    fistp dword [0x20008]
    hlt
  a: dd 22
  b: dw 7
  c: dq 0.25
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  const long double expect = sqrtl(22.0L / 7.0L + 0.25L);
  EXPECT_EQ(asDouble(read64(m, kData)), double(expect));
  EXPECT_EQ(m.read32(kData + 8), 3u);
  EXPECT_EQ(m.cpu.st.fpu.top, 0u);
  EXPECT_EQ(m.cpu.st.fpu.tw, 0xFFFF);
}

TEST(X87Cpu, FnstswAxAndSahfBranchOnACompare) {
  TestMachine m;
  m.loadProtected(R"(
    fninit
    fld1
    fldz
    fcompp            ; 0 < 1: C0 set
    fnstsw ax
    sahf              ; C0 -> CF
    mov ebx, 0
    jnc done
    mov ebx, 1
  done:
    hlt
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EBX), 1u);
  EXPECT_EQ(m.reg(EAX) & fsw::C0, fsw::C0);
  EXPECT_EQ(m.cpu.st.fpu.tw, 0xFFFF);
}

TEST(X87Cpu, FcomiSetsEflagsAndFcmovReadsThem) {
  TestMachine m;
  m.loadProtected(R"(
    fninit
    fld1              ; ST1 = 1
    fldz              ; ST0 = 0
    fcomi st0, st1    ; 0 < 1: CF=1 ZF=0 PF=0
    fcmovb st0, st1   ; taken: ST0 = 1
    fistp dword [0x20000]
    fldz
    fucomip st0, st0  ; equal: ZF=1
    fstp st0
    hlt
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.read32(kData), 1u);
  const uint32_t f = m.flags();
  EXPECT_EQ(f & (fl::ZF | fl::CF | fl::PF | fl::OF | fl::SF | fl::AF), fl::ZF);
}

// Real mode, with handlers installed in the interrupt vector table: each
// handler stores its vector at 0:0x600, and the instruction pointer it
// interrupted at 0:0x602, then halts.
std::string realModeWithHandlers(const std::string& body) {
  return R"(
    xor ax, ax
    mov es, ax
    mov word [es:16*4], mf_handler
    mov word [es:16*4+2], cs
    mov word [es:7*4], nm_handler
    mov word [es:7*4+2], cs
    mov word [es:6*4], ud_handler
    mov word [es:6*4+2], cs
    mov word [es:13*4], gp_handler
    mov word [es:13*4+2], cs
    )" + body +
         R"(
    hlt
  mf_handler: mov byte [es:0x600], 16
    jmp record
  nm_handler: mov byte [es:0x600], 7
    jmp record
  ud_handler: mov byte [es:0x600], 6
    jmp record
  gp_handler: mov byte [es:0x600], 13
  record:
    mov bp, sp
    mov ax, [bp]
    mov [es:0x602], ax
    hlt
  )";
}

uint8_t vectorTaken(TestMachine& m) {
  return uint8_t(m.read32(0x600));
}

TEST(X87Cpu, UnmaskedZeroDivideRaisesMfAtTheNextWaitingInstruction) {
  TestMachine m;
  m.loadReal(realModeWithHandlers(R"(
    mov eax, cr0
    or eax, 0x20      ; NE
    mov cr0, eax
    fninit
    fldcw [cw]
    fld1
    fldz
    fdivp st1, st0    ; 1/0 with ZE unmasked: flagged, not yet delivered
    mov byte [es:0x604], 1
    fnstsw [es:0x606] ; non-waiting: no fault
  waiting:
    fwait
    jmp $
  cw: dw 0x037B
  )"));
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(vectorTaken(m), 16);
  EXPECT_EQ(m.read32(0x604) & 0xFF, 1u);
  const uint16_t sw = uint16_t(m.read32(0x606));
  EXPECT_EQ(sw & (fsw::ZE | fsw::ES | fsw::B), fsw::ZE | fsw::ES | fsw::B);
  // The unmasked exception left the stack as it was: nothing popped.
  EXPECT_EQ(m.cpu.st.fpu.top, 6u);
  EXPECT_FALSE(stEmpty(m.cpu.st.fpu, 1));
}

TEST(X87Cpu, WithNeClearAPendingExceptionAssertsFerrInsteadOfFaulting) {
  TestMachine m;
  m.loadReal(realModeWithHandlers(R"(
    fninit
    fldcw [cw]
    fld1
    fldz
    fdivp st1, st0
    fld1              ; a waiting instruction: runs, as with IGNNE# asserted
    fwait
    mov byte [es:0x604], 1
    hlt
  cw: dw 0x037B
  )"));
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(vectorTaken(m), 0);
  EXPECT_EQ(m.read32(0x604) & 0xFF, 1u);
  EXPECT_TRUE(fpuFerrAsserted(m.cpu.st));
  EXPECT_EQ(m.cpu.st.fpu.top, 5u);
}

TEST(X87Cpu, TaskSwitchedFlagMakesEveryX87InstructionRaiseNm) {
  TestMachine m;
  m.loadReal(realModeWithHandlers(R"(
    mov eax, cr0
    or eax, 0x08      ; TS
    mov cr0, eax
  fault:
    fnstsw ax
  )"));
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(vectorTaken(m), 7);
}

TEST(X87Cpu, FwaitRaisesNmOnlyWhenMonitorAndTaskSwitchedAreBothSet) {
  TestMachine m;
  m.loadReal(realModeWithHandlers(R"(
    mov eax, cr0
    or eax, 0x08      ; TS alone: WAIT ignores it
    mov cr0, eax
    fwait
    mov byte [es:0x604], 1
    or eax, 0x02      ; MP too
    mov cr0, eax
    fwait
  )"));
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.read32(0x604) & 0xFF, 1u);
  EXPECT_EQ(vectorTaken(m), 7);
}

TEST(X87Cpu, ReservedEncodingRaisesUdAndFisttpIsNotAP6Instruction) {
  TestMachine m;
  m.loadReal(realModeWithHandlers(R"(
    fninit
    fld1
    db 0xDB, 0x0E, 0x00, 0x07   ; fisttp dword [0x700]
  )"));
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(vectorTaken(m), 6);
}

TEST(X87Cpu, StoreThatFaultsLeavesTheStackUnchanged) {
  TestMachine m;
  m.loadReal(realModeWithHandlers(R"(
    fninit
    fld1
    fldpi
    fstp qword [0xFFFC]   ; crosses the 64 KiB real-mode limit: #GP
  )"));
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(vectorTaken(m), 13);
  EXPECT_EQ(m.cpu.st.fpu.top, 6u);
  EXPECT_EQ(stGet(m.cpu.st.fpu, 0).sexp, 0x4000);  // pi still on top
}

TEST(X87Cpu, FnstenvRecordsTheLastInstructionAndOperandInProtectedMode) {
  TestMachine m;
  m.loadProtected(R"(
    fninit
    fld1
  last:
    fadd dword [operand]
    fnstenv [0x20000]
    fnstcw [0x20020]
    mov dword [0x20030], last
    mov dword [0x20034], operand
    hlt
  operand: dd 2.0
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  const uint32_t last = m.read32(kData + 0x30), operand = m.read32(kData + 0x34);
  EXPECT_EQ(m.read32(kData + 12), last);                    // FIP
  EXPECT_EQ(m.read32(kData + 16), 0x08u | (0x005u << 16));  // FCS, FOP (D8 05)
  EXPECT_EQ(m.read32(kData + 20), operand);                 // FDP
  EXPECT_EQ(m.read32(kData + 24) & 0xFFFF, 0x10u);          // FDS
  EXPECT_EQ(m.read32(kData + 0x20) & 0xFFFF, 0x037Fu);      // FNSTENV masked everything
}

TEST(X87Cpu, FnsaveAndFrstorRoundTripIn16BitRealMode) {
  TestMachine m;
  m.loadReal(R"(
    fninit
    fldpi
    fld1
    fldl2e
    fnsave [0x800]    ; 94 bytes, then FNINIT
    fld1              ; disturb
    frstor [0x800]
    fstp tword [0x900]
    hlt
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  const FpuState& f = m.cpu.st.fpu;
  EXPECT_EQ(f.top, 6u);
  EXPECT_EQ(stGet(f, 0).mant, 0x8000000000000000ull);                         // 1.0 on top again
  EXPECT_EQ(stGet(f, 1).sexp, 0x4000);                                        // pi below it
  EXPECT_EQ(m.read32(TestMachine::kCodeBase + 0x900 + 8) & 0xFFFF, 0x3FFFu);  // log2(e) stored
}

}  // namespace
}  // namespace tandem::test
