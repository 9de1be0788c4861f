#include "tests/diff/ProgramWriter.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

// Linux i386 system call numbers and flags used by the native entry.
constexpr int kSysExit = 1, kSysWrite = 4, kSysRtSigreturn = 173, kSysRtSigaction = 174,
              kSysSigaltstack = 186;
constexpr uint32_t kSaFlags = 0x4C000004;  // SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_NODEFER
constexpr int kFaultSignals[] = {4, 5, 7, 8, 11};  // SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV
// Offsets in the i386 ucontext: uc_mcontext.gregs starts at 20.
constexpr int kUcTrapno = 20 + 12 * 4, kUcEip = 20 + 14 * 4;
// Vectors whose exception frame carries an error code.
bool hasErrorCode(int v) { return v == 8 || (v >= 10 && v <= 14) || v == 17; }

std::string driver(size_t ncases, bool fpu) {
  std::string s;
  s += strf("bits 32\n%%define STAGE 0x%x\n%%define SCRATCH 0x%x\n%%define RECORD %u\n%%define NCASES %zu\n",
            kStageAddr, kScratchAddr, kRecordSize, ncases);
  s += strf("section .lowdata nobits alloc write\n  resb 0x%x\n", kLowDataSize);
  s += "section .text\nglobal _start, driver_entry, tandem_halt, case_done, fault_resume\n";
  // Native entry: an alternate signal stack (the case's ESP points into the
  // scratch area, which a signal frame must not overwrite) and handlers.
  s += strf("_start:\n  mov eax, %d\n  mov ebx, altstack_desc\n  xor ecx, ecx\n  int 0x80\n", kSysSigaltstack);
  for (int sig : kFaultSignals)
    s += strf("  mov eax, %d\n  mov ebx, %d\n  mov ecx, sigact\n  xor edx, edx\n  mov esi, 8\n  int 0x80\n",
              kSysRtSigaction, sig);
  s += "  jmp driver_entry\n";
  // A native fault: record vector and EIP, resume at fault_resume with every
  // register as it was at the fault (sigreturn restores them).
  // A second fault in the same case (in the driver's store path) abandons
  // the case without a result instead of looping.
  s += strf("linux_fault:\n  mov eax, [esp+12]\n  cmp dword [STAGE+36], -1\n  jne .again\n"
            "  mov ecx, [eax+%d]\n  mov [STAGE+36], ecx\n"
            "  mov ecx, [eax+%d]\n  mov [STAGE+40], ecx\n  mov dword [eax+%d], fault_resume\n  ret\n"
            ".again:\n  mov dword [eax+%d], case_skip\n  ret\n",
            kUcTrapno, kUcEip, kUcEip, kUcEip);
  s += strf("linux_restorer:\n  mov eax, %d\n  int 0x80\n", kSysRtSigreturn);
  // The same on tandem, from ring 0: the IRET frame is rewritten instead.
  for (int v = 0; v < 32; ++v) {
    s += strf("global tandem_vec_%d\ntandem_vec_%d:\n", v, v);
    // SS (the ring-0 stack segment from the TSS) is used rather than DS, so
    // that a guest DS broken by an emulation bug does not cascade into a
    // double fault.
    if (hasErrorCode(v)) s += "  add esp, 4\n";
    s += strf("  cmp dword [ss:STAGE+36], -1\n  jne .again\n"
              "  mov dword [ss:STAGE+36], %d\n  push eax\n  mov eax, [esp+4]\n  mov [ss:STAGE+40], eax\n"
              "  pop eax\n  mov dword [esp], fault_resume\n  iretd\n"
              ".again:\n  mov dword [esp], case_skip\n  iretd\n", v);
  }
  s += "tandem_halt:\n  hlt\n  jmp tandem_halt\n";
  // The driver loop.
  s += R"(driver_entry:
  mov esp, driver_stack_top
  mov [driver_esp], esp
case_loop:
  mov eax, [cur_case]
  cmp eax, [end_case]
  jae all_done
  imul ebx, eax, RECORD
  add ebx, init_table
  mov eax, [seq_table+eax*4]
  mov [seq_target], eax
  cld
  lea esi, [ebx+160]
  mov edi, SCRATCH
  mov ecx, (RECORD-160)/4
  rep movsd
  mov dword [STAGE+36], -1
  mov dword [STAGE+40], 0
FPU_LOAD
  push dword [ebx+32]
  popfd
  mov eax, [ebx]
  mov ecx, [ebx+4]
  mov edx, [ebx+8]
  mov esp, [ebx+16]
  mov ebp, [ebx+20]
  mov esi, [ebx+24]
  mov edi, [ebx+28]
  mov ebx, [ebx+12]
  jmp [seq_target]
fault_resume:
case_done:
  mov [STAGE+0], eax
  mov [STAGE+4], ecx
  mov [STAGE+8], edx
  mov [STAGE+12], ebx
  mov [STAGE+16], esp
  mov [STAGE+20], ebp
  mov [STAGE+24], esi
  mov [STAGE+28], edi
  mov esp, [driver_esp]
  pushfd
  pop dword [STAGE+32]
FPU_SAVE
  cld
  mov eax, [cur_case]
  imul edi, eax, RECORD
  add edi, result_table
  mov esi, STAGE
  mov ecx, RECORD/4
  rep movsd
  inc dword [cur_case]
  jmp case_loop
case_skip:
  mov esp, [driver_esp]
  inc dword [cur_case]
  jmp case_loop
all_done:
  mov ecx, result_table
  mov edx, NCASES*RECORD
.write:
  test edx, edx
  jz .exit
)";
  // Programs without x87 cases leave the x87 alone (its image stays zero).
  const std::string load = fpu ? "  fninit\n  test dword [ebx+36], 1\n  jz .nofpu\n  frstor [ebx+48]\n.nofpu:\n" : "";
  const std::string save = fpu ? "  fnsave [STAGE+48]\n" : "";
  s.replace(s.find("FPU_LOAD\n"), 9, load);
  s.replace(s.find("FPU_SAVE\n"), 9, save);
  s += strf("  mov eax, %d\n  mov ebx, 1\n  push ecx\n  push edx\n  int 0x80\n  pop edx\n  pop ecx\n"
            "  test eax, eax\n  jle .fail\n  add ecx, eax\n  sub edx, eax\n  jmp .write\n"
            ".exit:\n  mov eax, %d\n  xor ebx, ebx\n  int 0x80\n.fail:\n  mov eax, %d\n  mov ebx, 3\n  int 0x80\n",
            kSysWrite, kSysExit, kSysExit);
  return s;
}

std::string dataSection(size_t ncases, const std::string& bin_path) {
  std::string s = "section .data\nalign 4\nglobal cur_case, end_case, result_table, init_table\n";
  s += "cur_case: dd 0\nend_case: dd NCASES\ndriver_esp: dd 0\nseq_target: dd 0\n";
  s += strf("sigact: dd linux_fault, 0x%x, linux_restorer, 0, 0\n", kSaFlags);
  s += "altstack_desc: dd altstack, 0, 65536\n";
  s += "seq_table:\n";
  for (size_t i = 0; i < ncases; ++i) s += strf("  dd case_%zu\n", i);
  s += "align 16\ninit_table:\n  incbin \"" + bin_path + "\"\n";
  s += "section .bss\nalignb 16\naltstack: resb 65536\ndriver_stack: resb 4096\ndriver_stack_top:\n";
  s += "result_table: resb NCASES*RECORD\n";
  return s;
}

int runCommand(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

}  // namespace

std::string ProgramWriter::source(const std::vector<TestCase>& cases, const std::string& bin_path,
                                  bool label_each_insn) {
  bool fpu = false;
  for (const TestCase& c : cases) fpu |= c.init.has_fpu != 0;
  std::string s = driver(cases.size(), fpu);
  for (size_t k = 0; k < cases.size(); ++k) {
    s += strf("case_%zu:\n", k);
    const auto& code = cases[k].code;
    for (size_t i = 0; i < code.size(); ++i) {
      if (label_each_insn && !code[i].label) s += strf(".i%zu:\n", i);
      s += code[i].label ? code[i].text : "  " + code[i].text;
      s += '\n';
    }
    s += "  jmp case_done\n";
  }
  return s + dataSection(cases.size(), bin_path);
}

Result<std::string> ProgramWriter::build(const std::vector<TestCase>& cases, const std::string& dir,
                                         const std::string& name, bool label_each_insn) {
  const std::string base = dir + "/" + name;
  {
    std::ofstream bin(base + ".bin", std::ios::binary);
    for (const TestCase& c : cases) bin.write(reinterpret_cast<const char*>(&c.init), sizeof c.init);
    std::ofstream asmf(base + ".asm");
    asmf << source(cases, base + ".bin", label_each_insn);
    if (!bin || !asmf) return makeError("cannot write " + base + ".asm/.bin");
  }
  if (runCommand("nasm -f elf32 -Werror -o '" + base + ".o' '" + base + ".asm' 2> '" + base + ".nasm.log'") != 0)
    return makeError("nasm failed on " + base + ".asm (see " + base + ".nasm.log)");
  const std::string ld = strf("ld -m elf_i386 -static -nostdlib -z noexecstack -Ttext 0x%x "
                              "--section-start=.lowdata=0x%x -o '%s' '%s.o' 2> '%s.ld.log'",
                              kTextAddr, kLowDataAddr, base.c_str(), base.c_str(), base.c_str());
  if (runCommand(ld) != 0) return makeError("ld failed on " + base + ".o (see " + base + ".ld.log)");
  return base;
}

}  // namespace tandem::diff
