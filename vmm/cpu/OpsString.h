// String instructions. With a REP prefix every iteration retires as one
// instruction: the handler runs as many iterations as the current run's
// budget allows, counts them in icount, and leaves EIP on the instruction
// when it stops early so that execution resumes with the next iteration.
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

// ESI/EDI (or SI/DI with a 16-bit address size) and their stepping.
struct StringRegs {
  Cpu& c;
  bool a16;
  uint32_t get(unsigned r) const { return a16 ? c.r16(r) : c.r32(r); }
  void advance(unsigned r, int32_t delta) {
    if (a16) c.r16(r) = static_cast<uint16_t>(c.r16(r) + delta);
    else c.r32(r) += static_cast<uint32_t>(delta);
  }
  uint32_t count() const { return get(ECX); }
  void setCount(uint32_t v) {
    if (a16) c.r16(ECX) = static_cast<uint16_t>(v);
    else c.r32(ECX) = v;
  }
};

enum class RepCond { kNone, kWhileEqual, kWhileNotEqual };

// Runs `step` once, or under REP as described above. `step` performs one
// iteration and may throw a guest exception. `max_per_dispatch` bounds the
// iterations before the block loop regains control (1 for port I/O, whose
// devices may raise interrupts that must be seen between iterations).
template <RepCond Cond, typename Step>
inline void stringLoop(Cpu& c, const Insn& i, uint64_t max_per_dispatch, Step step) {
  if (!(i.flags & (insn_flags::kRep | insn_flags::kRepne))) {
    step();
    return;
  }
  StringRegs r{c, i.addr16()};
  uint32_t count = r.count();
  if (count == 0) return;
  // Iterations allowed before the run's budget ends (this one included).
  uint64_t budget = c.run_target_ - c.st.icount;
  if (budget > max_per_dispatch) budget = max_per_dispatch;
  uint64_t done = 0;
  try {
    for (;;) {
      step();
      r.setCount(--count);
      ++done;
      if (count == 0) break;
      if constexpr (Cond == RepCond::kWhileEqual) {
        if (!c.getZF()) break;
      } else if constexpr (Cond == RepCond::kWhileNotEqual) {
        if (c.getZF()) break;
      }
      if (done >= budget || c.stop_) {
        c.st.eip -= i.len;  // resume this instruction
        c.stop_ = true;
        break;
      }
    }
  } catch (const GuestException&) {
    // Completed iterations have retired; the faulting one has not.
    c.st.icount += done;
    throw;
  }
  c.st.icount += done - 1;  // the run loop counts one
}

template <typename T>
inline int32_t stringDelta(Cpu& c) {
  return (c.st.eflags & fl::DF) ? -static_cast<int32_t>(sizeof(T)) : static_cast<int32_t>(sizeof(T));
}

template <typename T>
void movs(Cpu& c, const Insn& i) {
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  stringLoop<RepCond::kNone>(c, i, ~uint64_t{0}, [&] {
    T v = c.read<T>(i.seg, r.get(ESI));
    c.write<T>(ES, r.get(EDI), v);
    r.advance(ESI, d);
    r.advance(EDI, d);
  });
}

template <typename T>
void stos(Cpu& c, const Insn& i) {
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  T v = c.reg<T>(EAX);
  stringLoop<RepCond::kNone>(c, i, ~uint64_t{0}, [&] {
    c.write<T>(ES, r.get(EDI), v);
    r.advance(EDI, d);
  });
}

template <typename T>
void lods(Cpu& c, const Insn& i) {
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  stringLoop<RepCond::kNone>(c, i, ~uint64_t{0}, [&] {
    c.setReg<T>(EAX, c.read<T>(i.seg, r.get(ESI)));
    r.advance(ESI, d);
  });
}

template <typename T>
void cmps(Cpu& c, const Insn& i) {
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  auto step = [&] {
    T a = c.read<T>(i.seg, r.get(ESI));
    T b = c.read<T>(ES, r.get(EDI));
    c.flagsSub<T>(a, b, static_cast<T>(a - b));
    r.advance(ESI, d);
    r.advance(EDI, d);
  };
  if (i.repne()) stringLoop<RepCond::kWhileNotEqual>(c, i, ~uint64_t{0}, step);
  else stringLoop<RepCond::kWhileEqual>(c, i, ~uint64_t{0}, step);
}

template <typename T>
void scas(Cpu& c, const Insn& i) {
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  T a = c.reg<T>(EAX);
  auto step = [&] {
    T b = c.read<T>(ES, r.get(EDI));
    c.flagsSub<T>(a, b, static_cast<T>(a - b));
    r.advance(EDI, d);
  };
  if (i.repne()) stringLoop<RepCond::kWhileNotEqual>(c, i, ~uint64_t{0}, step);
  else stringLoop<RepCond::kWhileEqual>(c, i, ~uint64_t{0}, step);
}

template <typename T>
void ins(Cpu& c, const Insn& i) {
  uint16_t port = c.r16(EDX);
  c.checkIo(port, sizeof(T));
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  stringLoop<RepCond::kNone>(c, i, 1, [&] {
    // The destination is checked before the port is read.
    auto dst = c.rmw<T>(ES, r.get(EDI));
    dst.store(static_cast<T>(c.bus.ioRead(port, sizeof(T))));
    r.advance(EDI, d);
  });
}

template <typename T>
void outs(Cpu& c, const Insn& i) {
  uint16_t port = c.r16(EDX);
  c.checkIo(port, sizeof(T));
  StringRegs r{c, i.addr16()};
  int32_t d = stringDelta<T>(c);
  stringLoop<RepCond::kNone>(c, i, 1, [&] {
    T v = c.read<T>(i.seg, r.get(ESI));
    c.bus.ioWrite(port, sizeof(T), v);
    r.advance(ESI, d);
  });
}

template <typename T>
void inImm(Cpu& c, const Insn& i) {
  uint16_t port = static_cast<uint8_t>(i.imm);
  c.checkIo(port, sizeof(T));
  c.setReg<T>(EAX, static_cast<T>(c.bus.ioRead(port, sizeof(T))));
}

template <typename T>
void inDx(Cpu& c, const Insn& i) {
  uint16_t port = c.r16(EDX);
  c.checkIo(port, sizeof(T));
  c.setReg<T>(EAX, static_cast<T>(c.bus.ioRead(port, sizeof(T))));
}

template <typename T>
void outImm(Cpu& c, const Insn& i) {
  uint16_t port = static_cast<uint8_t>(i.imm);
  c.checkIo(port, sizeof(T));
  c.bus.ioWrite(port, sizeof(T), c.reg<T>(EAX));
}

template <typename T>
void outDx(Cpu& c, const Insn& i) {
  uint16_t port = c.r16(EDX);
  c.checkIo(port, sizeof(T));
  c.bus.ioWrite(port, sizeof(T), c.reg<T>(EAX));
}

}  // namespace tandem
