#include "vmm/cpu/Cpu.h"

#include <cinttypes>
#include <cstdio>

#include "vmm/Assert.h"
#include "vmm/cpu/CpuInline.h"
#include "vmm/cpu/Decoder.h"
#include "vmm/cpu/Fpu.h"
#include "vmm/cpu/InsnTable.h"

namespace tandem {

CpuState resetCpuState() {
  CpuState s{};
  s.eip = 0xFFF0;
  s.eflags = fl::kFixed1;
  for (auto& sg : s.seg) {
    sg.selector = 0;
    sg.base = 0;
    sg.limit = 0xFFFF;
    sg.attr = seg_attr::P | seg_attr::S | seg_attr::kWritable | seg_attr::kAccessed;
    sg.valid = 1;
  }
  s.seg[CS].selector = 0xF000;
  s.seg[CS].base = 0xFFFF0000u;
  s.seg[CS].attr = seg_attr::P | seg_attr::S | seg_attr::kCode | seg_attr::kReadable |
                   seg_attr::kAccessed;
  s.ldtr.limit = 0xFFFF;
  s.ldtr.attr = seg_attr::P | 2;  // LDT
  s.tr.limit = 0xFFFF;
  s.tr.attr = seg_attr::P | 11;  // busy 32-bit TSS
  s.gdtr.limit = 0xFFFF;
  s.idtr.limit = 0xFFFF;
  s.cr0 = cr0::ET | cr0::CD | cr0::NW;
  s.gpr[EDX] = 0x00000600;  // family 6
  s.dr[6] = 0xFFFF0FF0u;
  s.dr[7] = 0x00000400u;
  s.a20_mask = 0xFFFFFFFFu;
  fpuInit(s.fpu);
  return s;
}

Cpu::Cpu(PhysMemory& m, CpuBus& b) : mem(m), bus(b), blocks_(m.pageCount()) {
  reset();
}

Cpu::~Cpu() = default;

void Cpu::reset() { loadState(resetCpuState()); }

void Cpu::loadState(const CpuState& s) {
  st = s;
  st.gpr[8] = 0;
  setArithFlags(st.eflags);
  for (unsigned i = 0; i < kSegCount; ++i) recomputeSegLimits(i);
  updateModeCaches();
  flushCaches();
  refreshDebug();
  // A loaded state is an arrival: a breakpoint at its EIP stops.
  bp_resume_icount_ = ~uint64_t{0};
  stop_ = false;
  stop_requested_ = false;
  shutdown_ = false;
}

CpuState Cpu::saveState() {
  st.eflags = eflags();
  return st;
}

void Cpu::flushCaches() {
  tlbFlush(true);
  blocks_.clear();
}

void Cpu::clearDirtyPages() {
  mem.clearDirty();
  tlbFlushWrites();
}

void Cpu::invalidateCode(GuestPhys addr, uint64_t len) {
  if (len == 0) return;
  uint64_t first = addr.value() >> kPageShift;
  uint64_t last = (addr.value() + len - 1) >> kPageShift;
  for (uint64_t p = first; p <= last; ++p) blocks_.invalidatePage(p);
}

void Cpu::updateModeCaches() {
  code32_ = st.seg[CS].attr & seg_attr::DB;
  stack32_ = st.seg[SS].attr & seg_attr::DB;
  if (!protectedMode()) cpl_ = 0;
  else if (v86()) cpl_ = 3;
  else cpl_ = st.seg[CS].selector & 3;
  tlb_cur_ = tlb_[cpl_ == 3];
}

// ---- flags ----

uint32_t Cpu::arithFlags() const {
  return getCF() * fl::CF | getPF() * fl::PF | getAF() * fl::AF | getZF() * fl::ZF |
         getSF() * fl::SF | getOF() * fl::OF;
}

void Cpu::setArithFlags(uint32_t bits) {
  // A zero result gives ZF; SF and PF are then adjusted through the flip
  // bits (the raw SF of 0 and 0x100 is 0, their raw PF is 1).
  uint32_t cf = (bits & fl::CF) ? 1 : 0, of = (bits & fl::OF) ? 1 : 0;
  lf.res = ((bits & fl::ZF) ? 0 : 0x100) | (uint64_t{(bits & fl::SF) ? 1u : 0u} << 32) |
           (uint64_t{(bits & fl::PF) ? 0u : 1u} << 33);
  lf.aux = (cf << 31) | ((cf ^ of) << 30) | ((bits & fl::AF) ? 8 : 0);
}

void Cpu::setEflags(uint32_t value, uint32_t writable_mask) {
  constexpr uint32_t kReserved = (1u << 3) | (1u << 5) | (1u << 15) | 0xFFC00000u;
  writable_mask &= ~kReserved;
  uint32_t f = eflags();
  f = (f & ~writable_mask) | (value & writable_mask) | fl::kFixed1;
  f &= ~kReserved;
  st.eflags = f;
  setArithFlags(f);
  updateModeCaches();
}

// ---- exceptions ----

void Cpu::raise(uint8_t vector) { throw GuestException{vector, false, 0}; }

void Cpu::raise(uint8_t vector, uint32_t error) { throw GuestException{vector, true, error}; }

void Cpu::raiseSegFault(unsigned s) {
  if (s == SS) raise(kSS, 0);
  raise(kGP, 0);
}

// ---- the run loop ----

const Block* Cpu::findBlock() {
  const SegmentCache& cs = st.seg[CS];
  uint32_t lin = cs.base + st.eip;
  bool user = cpl_ == 3;
  if (st.eip > cs.limit) raise(kGP, 0);
  const TlbEntry& te = tlb_[user][tlbIndex(lin)];
  uint32_t phys = te.read_tag == (lin & ~(kPageSize - 1)) ? tlbPhysPage(te) | (lin & (kPageSize - 1))
                                                          : translate(lin, Access::kExec, user);
  uint64_t key = BlockCache::makeKey(phys, code32_);
  if (const Block* b = blocks_.find(key)) {
    if (st.eip + (b->bytes - 1) <= cs.limit && st.eip + (b->bytes - 1) >= st.eip) return b;
  }

  Insn insns[BlockCache::kMaxInsns];
  uint32_t count = 0, bytes = 0;
  // 64-bit: the last page of the 4 GiB space ends at 2^32.
  uint64_t page_end = (uint64_t{phys} | (kPageSize - 1)) + 1;
  bool cacheable = page_end <= mem.size();
  uint8_t buf[16];
  for (;;) {
    uint32_t p = phys + bytes;
    uint32_t in_page = static_cast<uint32_t>(page_end - p);
    uint32_t eip = st.eip + bytes;
    Insn in;
    DecodeStatus ds;
    if (cacheable) {
      ds = decodeInsn(mem.base() + p, in_page, code32_, &in);
    } else {
      for (unsigned k = 0; k < sizeof buf && k < in_page; ++k) buf[k] = static_cast<uint8_t>(physRead(p + k, 1));
      ds = decodeInsn(buf, std::min<uint32_t>(in_page, sizeof buf), code32_, &in);
    }
    if (ds == DecodeStatus::kNeedMore) {
      if (count > 0) break;
      // The first instruction crosses into the next page: fetch it whole
      // (the second page may fault) and run it without caching.
      // (NeedMore means fewer than 15 bytes were left in the page.)
      unsigned first = std::min<unsigned>(in_page, 15);
      for (unsigned k = 0; k < first; ++k) buf[k] = static_cast<uint8_t>(physRead(p + k, 1));
      uint32_t next_lin = lin + first;
      if (st.eip + first > cs.limit) raise(kGP, 0);
      uint32_t p2 = translate(next_lin, Access::kExec, user);
      for (unsigned k = first; k < sizeof buf; ++k) buf[k] = static_cast<uint8_t>(physRead(p2 + (k - first), 1));
      ds = decodeInsn(buf, sizeof buf, code32_, &in);
      cacheable = false;
    }
    if (ds != DecodeStatus::kOk) {
      if (count > 0) break;
      if (ds == DecodeStatus::kInvalid) raise(kUD);
      raise(kGP, 0);  // longer than 15 bytes
    }
    if (eip + (in.len - 1) > cs.limit || eip + (in.len - 1) < eip) {
      if (count > 0) break;
      raise(kGP, 0);
    }
    in.offset = static_cast<uint16_t>(bytes);
    in.step = threadedStepIndex(in.id, in.isMem(), false);
    insns[count++] = in;
    bytes += in.len;
    if (!cacheable || (in.flags & insn_flags::kEndsBlock) || count == BlockCache::kMaxInsns ||
        phys + uint64_t{bytes} >= page_end)
      break;
  }
  Insn& tail = insns[count - 1];
  tail.step = threadedStepIndex(tail.id, tail.isMem(), true);
  if (!cacheable) {
    scratch_.count = count;
    scratch_.bytes = bytes;
    scratch_.insns = scratch_insns_;
    std::copy(insns, insns + count, scratch_insns_);
    return &scratch_;
  }
  uint64_t pfn = phys >> kPageShift;
  if (!blocks_.pageHasCode(pfn)) tlbFlushWritesToPage(phys & ~(kPageSize - 1));
  return blocks_.insert(key, phys, bytes, insns, count);
}

// Runs the instructions of `b` (as many as the budget allows). To keep the
// dispatch loop short, only the last instruction to run sees st.eip and
// st.icount up to date (branches, I/O, RDTSC and repeated string
// instructions always end their block, so they are last); the others are
// accounted for when the block ends or faults. Returns true when the next
// block may be entered directly (a near branch ended the block normally).
bool Cpu::executeBlock(const Block* b) {
  cur_block_ = b;
  uint64_t left = run_target_ - st.icount;
  uint32_t n = left < b->count ? static_cast<uint32_t>(left) : b->count;
  const Insn* first = b->insns;
  const Insn* last = first + n - 1;
  block_eip_ = st.eip;
  block_icount_ = st.icount;
  block_insns_ = first;
  stop_ = false;
  const Insn* i = first;
  try {
    for (; i != last; ++i) {
      cur_ = i;
      i->fn(*this, *i);
      if (__builtin_expect(stop_, 0)) {
        // Ended early (self-modifying code, a device access): resume after it.
        ++i;
        st.eip = block_eip_ + i->offset;
        st.icount = block_icount_ + static_cast<uint64_t>(i - first);
        cur_ = nullptr;
        return false;
      }
    }
    cur_ = last;
    st.eip = block_eip_ + last->offset + last->len;
    st.icount = block_icount_ + (n - 1);
    last->fn(*this, *last);
    ++st.icount;
    cur_ = nullptr;
    return !stop_ && (last->flags & insn_flags::kChainable) && n == b->count;
  } catch (const GuestException& e) {
    st.eip = block_eip_ + cur_->offset;
    // The last instruction saw an exact icount (and a repeated string
    // instruction has added the iterations it completed).
    if (cur_ != last) st.icount = block_icount_ + static_cast<uint64_t>(cur_ - first);
    cur_ = nullptr;
    handleFault(e);
    return false;
  }
}

// The cached successor of the executing block at the current EIP, or
// nullptr. Valid only right after a block ended with a near branch.
const Block* Cpu::cachedSuccessor() {
  const Block* b = cur_block_;
  uint32_t delta = st.eip - block_eip_;
  uint64_t gen = blocks_.generation();
  if (b->succ_delta[0] == delta && b->succ_gen[0] == gen) return b->succ[0];
  if (b->succ_delta[1] == delta && b->succ_gen[1] == gen) return b->succ[1];
  return nullptr;
}

// Makes `nb` the executing block if it may run whole from the current EIP.
bool Cpu::enterBlock(const Block* nb) {
  if (run_target_ - st.icount < nb->count) return false;
  const SegmentCache& cs = st.seg[CS];
  if (cs.limit != 0xFFFFFFFFu && (st.eip > cs.limit || st.eip + (nb->bytes - 1) > cs.limit))
    return false;
  block_eip_ = st.eip;
  block_icount_ = st.icount;
  block_insns_ = nb->insns;
  cur_block_ = nb;
  cur_ = nb->insns;
  return true;
}

// Runs `b` and the blocks that follow it through near branches within the
// same linear page (whose physical page is then known without translation):
// nothing that could raise an interrupt or change the mode happens between
// them, so they run back to back. Blocks whose successor is already cached
// are entered straight from the last instruction's step (a bounded number
// in a row, so the host stack stays small whatever the compiler does with
// the tail calls).
void Cpu::runChain(const Block* b) {
  for (;;) {
    uint64_t left = run_target_ - st.icount;
    if (left < b->count) {
      if (left) executeBlock(b);  // the budget ends inside this block
      return;
    }
    stop_ = false;
    if (!enterBlock(b)) {
      executeBlock(b);
      return;
    }
    link_budget_ = kMaxLinkedBlocks;
    try {
      threadedStep(cur_->step)(*this, cur_);
    } catch (const GuestException& e) {
      const Insn* last = block_insns_ + cur_block_->count - 1;
      st.eip = block_eip_ + cur_->offset;
      // The last instruction saw an exact icount (and a repeated string
      // instruction has added the iterations it completed).
      if (cur_ != last) st.icount = block_icount_ + static_cast<uint64_t>(cur_ - block_insns_);
      cur_ = nullptr;
      handleFault(e);
      return;
    }
    b = cur_block_;
    const Insn* last = block_insns_ + b->count - 1;
    if (cur_ != last) {
      // Ended early (self-modifying code, a device access): resume after it.
      const Insn* next = cur_ + 1;
      st.eip = block_eip_ + next->offset;
      st.icount = block_icount_ + static_cast<uint64_t>(next - block_insns_);
      cur_ = nullptr;
      return;
    }
    cur_ = nullptr;
    if (stop_ || !(last->flags & insn_flags::kChainable)) return;

    const Block* nb = cachedSuccessor();
    if (!nb) {
      // Within the same page as the block's first byte?
      uint32_t delta = st.eip - block_eip_;
      uint32_t in_page = (b->phys & (kPageSize - 1)) + delta;
      if (in_page >= kPageSize) return;
      nb = blocks_.find(BlockCache::makeKey((b->phys & ~(kPageSize - 1)) + in_page, code32_));
      if (!nb) return;
      uint64_t gen = blocks_.generation();
      Block* mb = const_cast<Block*>(b);
      unsigned slot = mb->succ_gen[0] == gen ? 1 : 0;
      mb->succ[slot] = nb;
      mb->succ_gen[slot] = gen;
      mb->succ_delta[slot] = delta;
    }
    const SegmentCache& cs = st.seg[CS];
    if (st.eip > cs.limit || st.eip + (nb->bytes - 1) > cs.limit) return;
    b = nb;
  }
}

RunResult Cpu::run(uint64_t max_instructions) {
  uint64_t start = st.icount;
  run_target_ = st.icount + max_instructions;
  stop_requested_ = false;
  for (;;) {
    if (blocks_.hasRetired()) blocks_.freeRetired();
    if (shutdown_) {
      shutdown_ = false;
      return {StopReason::kShutdown, st.icount - start};
    }
    if (stop_requested_) {
      stop_requested_ = false;
      return {StopReason::kRequested, st.icount - start};
    }
    // A halt is reported whatever the budget, so that where a run's budget
    // ends never changes what the board sees (it polls after a halt).
    if (st.halted && !(intr_line_ && (st.eflags & fl::IF)))
      return {StopReason::kHalted, st.icount - start};
    if (st.icount >= run_target_) return {StopReason::kBudget, st.icount - start};

    if (st.intr_shadow) {
      // The instruction after STI / MOV SS runs before any interrupt.
      uint64_t saved = run_target_;
      run_target_ = st.icount + 1;
      bool debug_stop = false;
      try {
        const Block* b = findBlock();
        // A debugger stop keeps the shadow: the instruction runs on resume.
        if (checked_ && checkBreakpoints(b, false) < 0) {
          debug_stop = debug_stop_.breakpoint && st.icount == bp_resume_icount_;
          if (!debug_stop) st.intr_shadow = 0;  // the guest's #DB was delivered
        } else {
          st.intr_shadow = 0;
          executeBlock(b);
          debug_stop = checked_ && finishWatchHits();
        }
      } catch (const GuestException& e) {
        st.intr_shadow = 0;
        handleFault(e);
      }
      run_target_ = saved;
      if (debug_stop) return {StopReason::kDebug, st.icount - start};
      continue;
    }
    if (intr_line_ && (st.eflags & fl::IF)) {
      if (deliverPendingInterrupt()) {
        if (checked_ && deliveryWatchHit()) return {StopReason::kDebug, st.icount - start};
        continue;
      }
    }
    if (st.halted) return {StopReason::kHalted, st.icount - start};
    // RF (set by IRET, POPF or a task switch) lasts until the next
    // instruction completes; only an interrupt taken before it sees it.
    bool rf = st.eflags & fl::RF;
    st.eflags &= ~fl::RF;
    if (st.eflags & fl::TF) {
      singleStepTrap();
      if (checked_ && finishWatchHits()) return {StopReason::kDebug, st.icount - start};
      continue;
    }
    try {
      const Block* b = findBlock();
      if (!checked_) {
        runChain(b);
        continue;
      }
      int before_bp = checkBreakpoints(b, rf);
      if (before_bp < 0) {
        if (debug_stop_.breakpoint && st.icount == bp_resume_icount_)
          return {StopReason::kDebug, st.icount - start};
        continue;  // the guest's #DB was raised
      }
      uint64_t saved = run_target_;
      if (before_bp > 0 && st.icount + before_bp < run_target_) run_target_ = st.icount + before_bp;
      executeBlock(b);
      run_target_ = saved;
      if (finishWatchHits()) return {StopReason::kDebug, st.icount - start};
    } catch (const GuestException& e) {
      handleFault(e);
      if (checked_ && deliveryWatchHit()) return {StopReason::kDebug, st.icount - start};
    }
  }
}

// With EFLAGS.TF set, every instruction is followed by a debug trap.
void Cpu::singleStepTrap() {
  uint64_t saved = run_target_;
  run_target_ = st.icount + 1;
  uint64_t before = st.icount;
  try {
    executeBlock(findBlock());
  } catch (const GuestException& e) {
    handleFault(e);
  }
  run_target_ = saved;
  if (st.icount != before && !shutdown_) {
    st.dr[6] |= 1u << 14;  // BS
    try {
      deliver(kDB, IntKind::kException, false, 0);
    } catch (const GuestException& e) {
      handleFault(e);
    }
  }
}

std::string Cpu::describe() {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "icount=%" PRIu64 " cs:eip=%04x:%08x eflags=%08x cpl=%u\n"
                "eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x ebp=%08x esp=%08x\n"
                "cr0=%08x cr2=%08x cr3=%08x cr4=%08x ss=%04x ds=%04x es=%04x fs=%04x gs=%04x",
                st.icount, st.seg[CS].selector, st.eip, eflags(), cpl_, st.gpr[EAX],
                st.gpr[EBX], st.gpr[ECX], st.gpr[EDX], st.gpr[ESI], st.gpr[EDI], st.gpr[EBP],
                st.gpr[ESP], st.cr0, st.cr2, st.cr3, st.cr4, st.seg[SS].selector,
                st.seg[DS].selector, st.seg[ES].selector, st.seg[FS].selector,
                st.seg[GS].selector);
  return buf;
}

}  // namespace tandem
