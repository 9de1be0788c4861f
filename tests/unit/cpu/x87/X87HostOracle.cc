#include "tests/unit/cpu/x87/X87HostOracle.h"

#include <sys/mman.h>

#include <csetjmp>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace tandem::test {
namespace {

sigjmp_buf g_jump;  // only while run() executes the generated code

void onIllegal(int) {
  siglongjmp(g_jump, 1);
}

using Stub = void (*)(uint8_t* image, void* mem, uint8_t* ah);

}  // namespace

X87HostOracle::X87HostOracle() {
  void* p =
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("mmap of an executable page failed");
  code_ = static_cast<uint8_t*>(p);
}

X87HostOracle::~X87HostOracle() {
  munmap(code_, 4096);
}

bool X87HostOracle::run(uint8_t esc, uint8_t modrm, uint8_t* image, void* mem, uint8_t* ah) {
  const uint8_t stub[] = {
      0xDB, 0xE2,         // fnclex
      0xDD, 0x27,         // frstor [rdi]
      0x48, 0x89,  0xF1,  // mov rcx, rsi
      0x8A, 0x22,         // mov ah, [rdx]
      0x9E,               // sahf
      esc,  modrm,        // the instruction
      0x9F,               // lahf
      0x88, 0x22,         // mov [rdx], ah
      0xDD, 0x37,         // fnsave [rdi]
      0xC3,               // ret
  };
  std::memcpy(code_, stub, sizeof stub);
  struct sigaction sa {
  }, old{};
  sa.sa_handler = onIllegal;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGILL, &sa, &old);
  bool ok = true;
  if (sigsetjmp(g_jump, 1) == 0) {
    reinterpret_cast<Stub>(code_)(image, mem, ah);
  } else {
    ok = false;
    asm volatile("fninit");
  }
  sigaction(SIGILL, &old, nullptr);
  return ok;
}

}  // namespace tandem::test
