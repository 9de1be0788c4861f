// Call frame information (a DWARF .debug_frame section) for the guest
// kernel's functions, derived from their machine code, so that gdb's `bt`
// over the symbol file of `tandem symbols` walks the kernel's frames
// instead of guessing.
//
// Without it gdb falls back to prologue analysis, which does not know that
// each function of Debian's i386 kernel starts with a 5-byte NOP (the
// ftrace call site) before `push %ebp; mov %esp,%ebp`, nor code that sets
// up its frame only on the paths that need one: it takes such functions for
// frameless and reads arguments as return addresses. From the code:
//  - a function's frame is followed from its first instruction (CFA =
//    esp+4) along fallthrough and direct jumps (the kernel is built without
//    jump tables): pushes and pops, `mov %esp,%ebp` (CFA = ebp+N from then
//    on), `leave`, adjustments of esp, and where ebx, esi, edi and ebp are
//    saved; a frame set up after realigning esp is described from its copy
//    of the return address; where the code makes esp unknowable without an
//    ebp frame, the backtrace ends. Instructions the CPU's decoder refuses
//    (those the guest's CPUID lacks, behind the kernel's feature checks)
//    are measured by their encoding;
//  - a part the compiler split off (`name.cold`) starts in its parent's
//    frame (CFA = ebp+8);
//  - entry code (the kernel's entry text, and code elsewhere with no frame
//    of its own that does the same) builds a struct pt_regs and calls C
//    with `mov %esp,%eax`, a few instructions that leave esp alone, and the
//    call: there the rules read the interrupted context from that pt_regs
//    (a signal frame, so that gdb shows the interrupted instruction
//    itself), and elsewhere the backtrace ends.
//
// tests/gdb/UnwindAgreementTest checks the result against the kernel's
// frame-pointer chain wherever a replay of the default guest stands.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/KernelSymbols.h"

namespace tandem {

class KernelFrames {
 public:
  // Copies `len` bytes of kernel code at virtual `addr`; false if any byte
  // is unreadable.
  using CodeReader = std::function<bool(uint32_t addr, uint8_t* out, size_t len)>;

  struct Counts {
    uint32_t function = 0;  // functions followed from their first instruction
    uint32_t cold = 0;      // split-off parts, followed from their parent's frame
    uint32_t entry = 0;     // entry code calling C with pt_regs
    uint32_t without = 0;   // functions whose code could not be read or decoded
  };

  // Functions longer than this are left to gdb (the kernel has none).
  static constexpr uint32_t kMaxFunctionBytes = 256 * 1024;

  // The .debug_frame contents for the functions among `symbols` inside
  // the `code` ranges, and for those of the modules `symbols` holds.
  struct CodeRange {
    uint32_t begin, end;
  };
  static std::vector<uint8_t> build(const KernelSymbols& symbols,
                                    const std::vector<CodeRange>& code, const CodeReader& read,
                                    Counts* counts = nullptr);
  // The same for the code as `kernel` shows it (alternatives applied): the
  // kernel's text and init text (SymbolElfWriter::sections) and the modules'.
  static std::vector<uint8_t> build(const KernelSymbols& symbols, const GuestView& kernel,
                                    Counts* counts = nullptr);

  // Where the CPU stands at `pc` in a function of C (the kernel's or a
  // module's) that has no ebp frame at that instant (before `mov
  // %esp,%ebp`, after `pop %ebp`, or none at all): the CFA's distance above
  // esp, so the return address is at esp + depth - 4. nullopt where ebp
  // holds the function's frame, or the code does not say.
  static std::optional<uint32_t> framelessDepth(const KernelSymbols& symbols,
                                                const CodeReader& read, uint32_t pc);
  static std::optional<uint32_t> framelessDepth(const KernelSymbols& symbols,
                                                const GuestView& kernel, uint32_t pc);
};

}  // namespace tandem
