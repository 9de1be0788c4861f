// The IA-32 interpreter. A Cpu executes guest instructions from a decoded-
// block cache, counting each retired instruction (each iteration of a REP
// string instruction counts as one) in CpuState::icount. It reaches RAM
// through PhysMemory and everything else through CpuBus.
//
// Handlers (the functions that implement instructions) are free functions
// that operate on the public members below; Cpu is the execution context
// they share, not an encapsulated object. Users outside vmm/cpu should use
// only the "machine interface" section.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "vmm/PhysMemory.h"
#include "vmm/Types.h"
#include "vmm/cpu/BlockCache.h"
#include "vmm/cpu/CpuBus.h"
#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/Exceptions.h"
#include "vmm/cpu/Insn.h"

namespace tandem {

enum class StopReason {
  kBudget,     // ran the requested number of instructions
  kHalted,     // HLT with no interrupt to wake it
  kShutdown,   // triple fault: the machine must be reset
  kRequested,  // the board asked the CPU to stop (requestStop)
  kDebug,      // a debugger breakpoint or watchpoint (Cpu::debugStop())
};

// A data watch: accesses of `kind` to [lin, lin + len) are reported after
// the instruction that made them completes.
enum WatchKind : uint8_t { kWatchWrite = 1, kWatchRead = 2, kWatchAccess = 3 };
struct DataWatch {
  uint32_t lin;
  uint32_t len;
  uint8_t kind;      // WatchKind
  int8_t guest_dr;   // the guest debug register (0-3) it comes from, or -1 (a debugger's)
};

// Why run() returned kDebug.
struct DebugStop {
  bool breakpoint;    // else a watchpoint
  uint32_t address;   // the breakpoint's, or the first watched byte accessed
  uint8_t access;     // WatchKind of the access that hit a watchpoint
  // The access was made delivering an interrupt or exception (pushing its
  // frame), not by a retired instruction: the CPU stopped at the handler's
  // first instruction with icount unchanged.
  bool delivery = false;
};

struct RunResult {
  StopReason reason;
  uint64_t executed;  // instructions retired during this call
};

// The six arithmetic flags, kept as the last result plus its carry vector,
// so that an instruction sets them with a few ALU operations and any flag is
// read without a branch:
//   res bits 0-31: the result sign-extended to 32 bits (ZF, SF, PF come
//   from it), bit 32 flips SF and bit 33 flips PF (to represent flag
//   combinations no result produces, e.g. after POPF);
//   aux bit 31: CF; bit 30: CF ^ OF (the carry into the sign bit); bit 3: AF
//   (the carry out of bit 3). Other aux bits are meaningless.
// Outside LazyFlags, the arithmetic bits of CpuState::eflags are stale until
// saveState().
struct LazyFlags {
  uint64_t res;
  uint32_t aux;
};

// One direct-mapped TLB entry. A tag is the linear page address when the
// entry allows that kind of access; kTlbInvalidTag never matches.
struct TlbEntry {
  uint32_t read_tag;
  uint32_t write_tag;
  uintptr_t addend;  // host address = addend + linear address
};
static_assert(sizeof(TlbEntry) == 16);
constexpr uint32_t kTlbGlobal = 1;  // survives CR3 loads (PGE)
constexpr uint32_t kTlbLarge = 2;   // part of a 4 MiB page
constexpr uint32_t kTlbInvalidTag = 1;
constexpr unsigned kTlbBits = 10;
constexpr unsigned kTlbSize = 1u << kTlbBits;
// The TLB slot of a linear address; higher bits are folded in so that
// regions a power of two apart do not evict each other.
inline unsigned tlbIndex(uint32_t lin) { return ((lin >> 12) ^ (lin >> 24)) & (kTlbSize - 1); }

enum class Access : uint8_t { kRead, kWrite, kExec };

class Cpu {
 public:
  // ---- machine interface ----
  Cpu(PhysMemory& mem, CpuBus& bus);
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  // Runs until `max_instructions` more have retired or something stops it.
  RunResult run(uint64_t max_instructions);

  CpuState saveState();
  void loadState(const CpuState& s);
  void reset();  // power-on state, caches flushed

  // The INTR line from the interrupt controller; sampled at instruction
  // boundaries while EFLAGS.IF is set.
  void setIntr(bool asserted) { intr_line_ = asserted; }
  bool intrLine() const { return intr_line_; }
  // Ends the current run() at the next instruction boundary.
  void requestStop() {
    stop_requested_ = true;
    stop_ = true;
  }
  // Guest memory was written by something other than the CPU.
  void invalidateCode(GuestPhys addr, uint64_t len);
  // Drops every TLB entry and decoded block (after a state restore).
  void flushCaches();
  // Starts a new round of dirty-page tracking: clears the memory's dirty map
  // and drops the TLB's write permissions, so that the first write to each
  // page after this goes through the slow path and marks the page again.
  void clearDirtyPages();

  Icount icount() const { return Icount(st.icount); }
  // The address of the instruction being executed (inside a handler or a
  // device callback it causes), or of the next one between instructions.
  uint32_t currentEip() const { return cur_ ? block_eip_ + cur_->offset : st.eip; }
  uint32_t eflags() const { return (st.eflags & ~fl::kArith) | arithFlags(); }
  unsigned cpl() const { return cpl_; }
  // Registers, EIP and icount, for diagnostics and assertion messages.
  std::string describe();

  // Translates a linear address for a debugger: no faults, no A/D updates.
  bool debugTranslate(uint32_t linear, uint64_t* phys);

  // Debugger breakpoints (linear addresses of instructions: run() stops
  // with kDebug before executing one) and data watches (run() stops right
  // after the instruction that touched one). Invisible to the guest. A run
  // that starts on a breakpoint it stopped at executes that instruction.
  void setBreakpoints(std::vector<uint32_t> linear);
  void setWatches(std::vector<DataWatch> watches);
  const DebugStop& debugStop() const { return debug_stop_; }

  // ---- execution context shared with instruction handlers ----
  CpuState st{};
  LazyFlags lf{};
  PhysMemory& mem;
  CpuBus& bus;

  unsigned cpl_ = 0;
  bool code32_ = false;   // CS.D
  bool stack32_ = false;  // SS.B
  bool stop_ = false;     // end the current block after this instruction
  bool stop_requested_ = false;
  bool intr_line_ = false;
  bool shutdown_ = false;
  uint64_t run_target_ = 0;  // icount at which the current run() ends

  // Valid offsets of each segment register for reads and writes: offsets
  // lo .. lo+span; span -1 when the access is not allowed at all.
  struct SegLimits {
    uint32_t lo;
    int64_t read_span;
    int64_t write_span;
  };
  SegLimits seg_limits_[kSegCount]{};

  TlbEntry tlb_[2][kTlbSize];  // [0] supervisor accesses, [1] user (CPL 3)
  uint8_t tlb_flags_[2][kTlbSize] = {};  // kTlbGlobal, kTlbLarge per entry
  // The guest physical page a valid entry maps.
  uint32_t tlbPhysPage(const TlbEntry& e) const {
    return static_cast<uint32_t>(e.addend + e.read_tag - reinterpret_cast<uintptr_t>(mem.base()));
  }
  TlbEntry* tlb_cur_ = tlb_[0];  // the set for the current privilege level
  // 4 MiB regions with entries from a 4 MiB page (INVLPG must drop them all).
  uint8_t large_regions_[1024] = {};
  BlockCache blocks_;

  // Position inside the executing block. Instructions that are not last in
  // their block do not update st.eip and st.icount as they go; these give
  // the exact values (see executeBlock).
  uint32_t block_eip_ = 0;
  uint64_t block_icount_ = 0;
  const Insn* block_insns_ = nullptr;
  const Insn* cur_ = nullptr;
  const Block* cur_block_ = nullptr;
  static constexpr uint32_t kMaxLinkedBlocks = 64;
  uint32_t link_budget_ = 0;
  const Block* cachedSuccessor();
  bool enterBlock(const Block* nb);
  // The address of instruction `i` of the executing block.
  uint32_t insnEip(const Insn& i) const { return block_eip_ + i.offset; }
  // Brings st.icount up to date in the middle of a block (for a device
  // access that needs the exact position).
  void syncIcount() {
    if (cur_) st.icount = block_icount_ + static_cast<uint64_t>(cur_ - block_insns_);
  }

  // Flags (the setters and cond() are defined in CpuInline.h).
  uint32_t getCF() const { return lf.aux >> 31; }
  uint32_t getOF() const { return (lf.aux ^ (lf.aux << 1)) >> 31; }
  uint32_t getZF() const { return static_cast<uint32_t>(lf.res) == 0; }
  uint32_t getSF() const { return static_cast<uint32_t>((lf.res ^ (lf.res >> 1)) >> 31) & 1; }
  uint32_t getAF() const { return (lf.aux >> 3) & 1; }
  uint32_t getPF() const {
    return static_cast<uint32_t>(!__builtin_parity(static_cast<uint32_t>(lf.res) & 0xFF)) ^
           static_cast<uint32_t>((lf.res >> 33) & 1);
  }
  inline bool cond(unsigned cc) const;
  uint32_t arithFlags() const;  // the six arithmetic flags as EFLAGS bits
  // Writes the EFLAGS bits in `writable_mask` from `value`.
  void setEflags(uint32_t value, uint32_t writable_mask);
  // Sets the six arithmetic flags from EFLAGS-layout bits.
  void setArithFlags(uint32_t bits);
  template <typename T>
  inline void flagsAdd(T a, T b, T r);  // ADD, ADC (with carry folded into r)
  template <typename T>
  inline void flagsSub(T a, T b, T r);  // SUB, SBB, CMP, NEG
  template <typename T>
  inline void flagsLogic(T r);  // AND, OR, XOR, TEST: CF = OF = AF = 0
  template <typename T>
  inline void flagsIncDec(T a, T r, bool inc);  // keeps CF
  // SF, ZF, PF from r; CF and OF given; AF cleared (shifts, multiplies).
  template <typename T>
  inline void flagsResult(T r, uint32_t cf, uint32_t of);
  void setCfOf(uint32_t cf, uint32_t of) {
    lf.aux = (lf.aux & 0x3FFFFFFFu) | (cf << 31) | ((cf ^ of) << 30);
  }
  void setCF(uint32_t cf) {
    // Flipping both top bits changes CF and keeps OF.
    if (cf != getCF()) lf.aux ^= 0xC0000000u;
  }

  // Registers.
  uint32_t& r32(unsigned r) { return st.gpr[r]; }
  uint16_t& r16(unsigned r) { return *reinterpret_cast<uint16_t*>(&st.gpr[r]); }
  uint8_t& r8(unsigned r) { return reinterpret_cast<uint8_t*>(&st.gpr[r & 3])[r >> 2]; }
  template <typename T>
  T reg(unsigned r) {
    if constexpr (sizeof(T) == 1) return r8(r);
    else if constexpr (sizeof(T) == 2) return r16(r);
    else return r32(r);
  }
  template <typename T>
  void setReg(unsigned r, T v) {
    if constexpr (sizeof(T) == 1) r8(r) = v;
    else if constexpr (sizeof(T) == 2) r16(r) = v;
    else r32(r) = v;
  }

  // Address generation.
  [[gnu::always_inline]] uint32_t ea(const Insn& i) const {
    uint32_t a = st.gpr[i.base] + (st.gpr[i.index] << i.scale) + i.disp;
    return (i.flags & insn_flags::kAddr16) ? (a & 0xFFFF) : a;
  }

  // Segmented memory access (limit and rights checks, then paging).
  template <unsigned N>
  uint32_t linearFor(unsigned s, uint32_t off, Access acc);
  template <typename T>
  T read(unsigned s, uint32_t off);
  template <typename T>
  void write(unsigned s, uint32_t off, T v);
  template <typename T>
  T readLinear(uint32_t lin, bool user);
  template <typename T>
  void writeLinear(uint32_t lin, T v, bool user);
  // Multi-byte transfers that either complete or fault before any byte
  // is written.
  void readBytes(unsigned s, uint32_t off, void* out, unsigned n);
  void writeBytes(unsigned s, uint32_t off, const void* in, unsigned n);
  void readBytesLinear(uint32_t lin, void* out, unsigned n, bool user);
  void writeBytesLinear(uint32_t lin, const void* in, unsigned n, bool user);
  // Supervisor-mode ("implicit") accesses to system structures: GDT, LDT,
  // IDT, TSS. They ignore CPL.
  template <typename T>
  T readSys(uint32_t lin) {
    return readLinear<T>(lin, false);
  }
  template <typename T>
  void writeSys(uint32_t lin, T v) {
    writeLinear<T>(lin, v, false);
  }

  // A read-modify-write memory operand: translated for writing once.
  template <typename T>
  struct Rmw {
    Cpu* cpu;
    uint8_t* host;   // non-null on the fast path
    uint32_t lin;
    bool user;
    T load() const;
    void store(T v) const;
  };
  template <typename T>
  Rmw<T> rmw(unsigned s, uint32_t off);

  // Translation, with TLB fill; throws #PF.
  // Returns the physical address, filling the TLB when the page is RAM.
  uint32_t translate(uint32_t lin, Access acc, bool user);
  void translatePages(uint32_t lin, unsigned n, Access acc, bool user);
  void tlbFlush(bool include_global);
  void tlbFlushPage(uint32_t lin);
  void tlbFlushWrites();
  void tlbFlushWritesToPage(uint32_t phys_page);
  uint64_t readLinearSlow(uint32_t lin, unsigned size, bool user);
  void writeLinearSlow(uint32_t lin, unsigned size, uint64_t v, bool user);
  uint32_t physRead(uint32_t phys, unsigned size);
  void physWrite(uint32_t phys, unsigned size, uint32_t v);
  void noteCodeWrite(uint32_t phys);  // called by slow-path writes to pages holding code

  // Stack.
  template <typename T>
  void push(T v);
  template <typename T>
  T pop();
  template <typename T>
  T peek(uint32_t offset);  // read at SS:[ESP + offset] without popping
  uint32_t sp() const { return stack32_ ? st.gpr[ESP] : (st.gpr[ESP] & 0xFFFF); }
  void setSp(uint32_t v) {
    if (stack32_) st.gpr[ESP] = v;
    else r16(ESP) = static_cast<uint16_t>(v);
  }
  void addSp(uint32_t d) { setSp(st.gpr[ESP] + d); }

  // Faults.
  [[noreturn]] void raise(uint8_t vector);
  [[noreturn]] void raise(uint8_t vector, uint32_t error);
  [[noreturn]] void raiseSegFault(unsigned s);  // #SS(0) for SS, #GP(0) otherwise

  // Segmentation (Segments.cc).
  bool protectedMode() const { return st.cr0 & cr0::PE; }
  bool v86() const { return st.eflags & fl::VM; }
  void loadSegmentReal(unsigned s, uint16_t sel);
  void loadSegment(unsigned s, uint16_t sel);  // MOV/POP Sreg, LDS.. semantics, with checks
  void setSegmentCache(unsigned s, const SegmentCache& c);
  void recomputeSegLimits(unsigned s);
  bool readDescriptor(uint16_t sel, uint64_t* desc);       // false if outside the table
  uint64_t fetchDescriptor(uint16_t sel, uint8_t vector);  // throws vector(sel & ~3)
  void setDescriptorBusyOrAccessed(uint16_t sel, uint64_t desc, uint64_t bit);
  void updateModeCaches();  // recompute cpl_, code32_, stack32_ after CS/SS/CR0 change

  // Interrupts and exceptions (Interrupts.cc).
  enum class IntKind { kException, kExternal, kSoftware, kIcebp };
  void deliver(uint8_t vector, IntKind kind, bool has_error, uint32_t error);
  void handleFault(const GuestException& e);
  bool deliverPendingInterrupt();

  // Stack access outside the current SS (privilege changes): writes/reads
  // at ss:esp with the given cache, decrementing/incrementing `esp` by the
  // stack's width. Limit violations raise #SS(error).
  void stackPush(const SegmentCache& ss, uint32_t& esp, uint32_t v, unsigned size, uint32_t error);
  // The stack for privilege level `pl` from the current TSS.
  void tssStack(unsigned pl, uint16_t* ss, uint32_t* esp, uint32_t ext);
  // Loads SS for a privilege change to `pl`, with the checks of the SDM;
  // faults with `vector`(selector + ext).
  SegmentCache checkedStackSegment(uint16_t sel, unsigned pl, uint8_t vector, uint32_t ext);
  // After a return to an outer level: data segment registers the new CPL
  // may not use are nulled.
  void nullInaccessibleSegments();
  void loadCodeSegment(uint16_t sel, uint64_t desc, unsigned new_cpl);

  // Control transfers (ControlFlow.cc / TaskSwitch.cc).
  void farJump(uint16_t sel, uint32_t offset, bool op32);
  void farCall(uint16_t sel, uint32_t offset, bool op32);
  void farReturn(uint16_t pop_bytes, bool op32);
  void pushFarReturn(unsigned size);
  void interruptReturn(bool op32);
  enum class TaskSwitchSource { kJump, kCall, kIret, kInterrupt };
  void taskSwitch(uint16_t sel, uint64_t desc, TaskSwitchSource src, bool has_error,
                  uint32_t error);
  bool ioPermitted(uint16_t port, unsigned size);
  void checkIo(uint16_t port, unsigned size) {
    if (protectedMode() && (cpl_ > ((st.eflags >> 12) & 3) || v86()) && !ioPermitted(port, size))
      raise(kGP, 0);
  }

  // System registers (System.cc).
  void writeCr0(uint32_t v);
  void writeCr3(uint32_t v);
  void writeCr4(uint32_t v);

  // Debug support (Debug.cc): breakpoints and watches from a debugger and
  // from the guest's DR0-DR3/DR7.
  bool checked_ = false;  // any breakpoint or watch is active
  void refreshDebug();    // after DR7 or the debugger's lists change
  // Whether accesses to the linear page may be cached in the TLB.
  bool pageWatched(uint32_t lpage, bool write) const;
  // A slow-path access: records watch hits.
  void noteAccess(uint32_t lin, unsigned size, bool write);
  // Before running the block at EIP: 0 to run it all, else the number of
  // instructions to run before a breakpoint; -1 when stopped at one now
  // (debugger) or after raising #DB (guest).
  int checkBreakpoints(const Block* b, bool rf);
  // After an instruction: report watch hits. Returns true when run() must
  // return kDebug.
  bool finishWatchHits();
  // The same after delivering an interrupt or exception: a debugger's
  // watch hit there stops with DebugStop::delivery set.
  bool deliveryWatchHit();

 private:
  std::vector<uint32_t> debugger_bps_;
  std::vector<DataWatch> debugger_watches_;
  std::vector<std::pair<uint32_t, int>> code_bps_;  // (linear, guest DR or -1)
  std::vector<DataWatch> watches_;
  DebugStop debug_stop_{};
  uint32_t watch_hit_dr6_ = 0;    // guest DR6 bits hit by the last instruction
  bool watch_hit_debugger_ = false;
  uint64_t bp_resume_icount_ = ~uint64_t{0};  // a debugger stop at this icount...
  uint32_t bp_resume_eip_ = 0;                 // ...and EIP is not repeated

  bool executeBlock(const Block* b);
  void runChain(const Block* b);
  const Block* findBlock();
  void singleStepTrap();

  // An instruction that cannot be cached (it crosses a page, or lies
  // outside RAM) runs from here.
  Block scratch_{};
  Insn scratch_insns_[BlockCache::kMaxInsns];
};

}  // namespace tandem
