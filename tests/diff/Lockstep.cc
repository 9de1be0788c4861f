#include "tests/diff/Lockstep.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "tests/diff/Comparator.h"
#include "tests/diff/ElfImage.h"
#include "tests/diff/FdIo.h"
#include "tests/diff/FloatValues.h"
#include "tests/diff/NativeTracee.h"
#include "tests/diff/ProgramWriter.h"
#include "tests/diff/Strf.h"
#include "tests/diff/TandemMachine.h"
#include "vmm/Assert.h"

namespace tandem::diff {

const char* const Lockstep::kAgreed = "the sequence agreed step by step\n";

namespace {

constexpr unsigned kMaxSteps = 400000;
constexpr uint32_t kSteppedFlags = fl::kArith | fl::DF;

// One side's state between two steps, in comparable form.
struct Snapshot {
  uint32_t eip;
  uint32_t gpr[8];
  uint32_t eflags;
  FsaveImage fpu;
  uint8_t scratch[kScratchSize];
};

struct Program {
  std::string path;
  ElfImage elf;
  uint32_t start, done;
};

Result<Program> buildProgram(const TestCase& c, const std::string& dir) {
  auto path = ProgramWriter::build({c}, dir, "case", true);
  if (!path) return path.error();
  auto elf = ElfImage::load(*path);
  if (!elf) return elf.error();
  auto start = elf->symbol("case_0");
  auto done = elf->symbol("case_done");
  if (!start) return start.error();
  if (!done) return done.error();
  return Program{*path, std::move(*elf), *start, *done};
}

// The index in c.code of the instruction at `eip`, or -1.
int insnAt(const Program& p, uint32_t eip) {
  for (const std::string& name : p.elf.namesAt(eip))
    if (name.rfind("case_0.i", 0) == 0) return std::atoi(name.c_str() + 8);
  return -1;
}

std::string describeInsn(const TestCase& c, int index, uint32_t eip) {
  if (index < 0) return strf("the instruction at 0x%x (outside the sequence)", eip);
  const EmittedInsn& e = c.code[index];
  return strf("instruction %d at 0x%x: %s%s", index, eip, e.text.c_str(),
              e.note.empty() ? "" : (" ; " + e.note).c_str());
}

Result<Snapshot> hostSnapshot(NativeTracee& t) {
  Snapshot s{};
  auto r = t.regs();
  if (!r) return r.error();
  auto f = t.fpu();
  if (!f) return f.error();
  s.eip = r->eip;
  r->gprs(s.gpr);
  s.eflags = r->eflags;
  s.fpu = *f;
  // The kernel's i386 FP register set pads the 16-bit words with ones.
  s.fpu.cw &= 0xFFFF;
  s.fpu.sw &= 0xFFFF;
  s.fpu.tw &= 0xFFFF;
  if (!t.read(kScratchAddr, s.scratch, kScratchSize)) return makeError("cannot read the host's scratch area");
  return s;
}

Snapshot tandemSnapshot(TandemMachine& m) {
  Snapshot s{};
  const CpuState st = m.state();
  s.eip = st.eip;
  std::memcpy(s.gpr, st.gpr, sizeof s.gpr);
  s.eflags = m.eflags();
  const FpuState& f = st.fpu;
  s.fpu.cw = f.cw;
  s.fpu.sw = (f.sw & ~0x3800u) | (f.top & 7) << 11;
  s.fpu.fip = f.fip;
  uint16_t tw = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned phys = (f.top + i) & 7;
    std::memcpy(s.fpu.st[i], &f.mant[phys], 8);
    std::memcpy(s.fpu.st[i] + 8, &f.sexp[phys], 2);
    // Only emptiness is kept by the hardware; the rest is derived (as FNSAVE does).
    const unsigned tag = ((f.tw >> (2 * phys)) & 3) == 3 ? 3 : x87Tag(s.fpu.st[i]);
    tw |= tag << (2 * phys);
  }
  s.fpu.tw = tw;
  const bool ok = m.read(kScratchAddr, s.scratch, kScratchSize);
  TANDEM_ASSERT(ok);
  return s;
}

std::vector<std::string> differences(const Snapshot& h, const Snapshot& t, uint32_t undef, uint16_t fpu_undef) {
  std::vector<std::string> out = Comparator::compareGprs(h.gpr, t.gpr);
  const uint32_t mask = kSteppedFlags & ~undef;
  if ((h.eflags & mask) != (t.eflags & mask))
    out.push_back(strf("eflags: host 0x%08x tandem 0x%08x (differ: %s)", h.eflags & mask, t.eflags & mask,
                       Comparator::flagNames((h.eflags ^ t.eflags) & mask).c_str()));
  Comparator::compareFpu(h.fpu, t.fpu, fpu_undef, out);
  Comparator::compareMemory(h.scratch, t.scratch, kScratchSize, kScratchAddr, out);
  return out;
}

// The host's state before the differing instruction, for a reproducer.
std::string describeBefore(const Snapshot& s, bool fpu, uint16_t tandem_tw) {
  std::string out = strf("    before it (host): eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x "
                         "edi=%08x eflags=%08x\n",
                         s.gpr[0], s.gpr[1], s.gpr[2], s.gpr[3], s.gpr[4], s.gpr[5], s.gpr[6], s.gpr[7], s.eflags);
  if (!fpu) return out;
  out += strf("    x87 before it: cw=%04x sw=%04x tw=%04x (tandem's own tag word %04x)", s.fpu.cw & 0xFFFF,
              s.fpu.sw & 0xFFFF, s.fpu.tw & 0xFFFF, tandem_tw);
  for (int i = 0; i < 8; ++i) {
    out += strf(" st%d=", i);
    for (int k = 9; k >= 0; --k) out += strf("%02x", s.fpu.st[i][k]);
  }
  return out + "\n";
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += "    " + l + "\n";
  return s;
}

// Steps the host until EIP reaches `target`.
Status hostRunTo(NativeTracee& t, uint32_t target);

// The case's own program, started natively and stepped to its sequence.
struct HostAtStart {
  Program program;
  std::unique_ptr<NativeTracee> tracee;
};

Result<HostAtStart> startHost(const TestCase& c, const std::string& dir) {
  auto p = buildProgram(c, dir);
  if (!p) return p.error();
  auto t = NativeTracee::start(p->path);
  if (!t) return t.error();
  if (Status s = hostRunTo(**t, p->start); !s) return s.error();
  return HostAtStart{std::move(*p), std::move(*t)};
}

Status hostRunTo(NativeTracee& t, uint32_t target) {
  for (unsigned i = 0; i < kMaxSteps; ++i) {
    auto r = t.regs();
    if (!r) return r.error();
    if (r->eip == target) return {};
    auto s = t.step();
    if (!s) return s.error();
    if (*s) return makeError(strf("the host took signal %d at 0x%x before the sequence", *s, r->eip));
  }
  return makeError("the host did not reach the sequence");
}

// The vector of the tandem_vec_N stub at `eip`, or -1.
int tandemVector(const ElfImage& elf, uint32_t eip) {
  const std::string name = elf.nameContaining(eip);
  return name.rfind("tandem_vec_", 0) == 0 ? std::atoi(name.c_str() + 11) : -1;
}

}  // namespace

std::string Lockstep::runContained(const TestCase& c, const std::string& dir) {
  int fds[2];
  if (pipe(fds) != 0) return "stepping failed: no pipe\n";
  const pid_t pid = fork();
  if (pid < 0) return "stepping failed: cannot fork\n";
  if (pid == 0) {
    close(fds[0]);
    auto r = run(c, dir);
    const std::string text = r ? *r : "stepping failed: " + r.error().message + "\n";
    _exit(writeAll(fds[1], text.data(), text.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::vector<uint8_t> out;
  readAll(fds[0], out);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return strf("tandem crashed the process while stepping (signal %d, %s)\n", WTERMSIG(status),
                strsignal(WTERMSIG(status)));
  return std::string(out.begin(), out.end());
}

Result<std::string> Lockstep::traceHost(const TestCase& c, const std::string& dir) {
  auto h = startHost(c, dir);
  if (!h) return h.error();
  const Program* p = &h->program;
  NativeTracee* t = h->tracee.get();
  std::string out;
  for (unsigned i = 0; i < kMaxSteps; ++i) {
    auto r = t->regs();
    if (!r) return r.error();
    if (r->eip == p->done) return out + "end of sequence\n";
    out += describeInsn(c, insnAt(*p, r->eip), r->eip) + "\n";
    auto s = t->step();
    if (!s) return s.error();
    if (*s) return out + strf("  signal %d (%s)\n", *s, strsignal(*s));
    auto after = t->regs();
    if (!after) return after.error();
    out += strf("  eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x edi=%08x efl=%08x\n",
                after->eax, after->ecx, after->edx, after->ebx, after->esp, after->ebp, after->esi, after->edi,
                after->eflags);
  }
  return makeError("the host did not reach the end of the sequence");
}

Result<std::string> Lockstep::run(const TestCase& c, const std::string& dir) {
  auto started = startHost(c, dir);
  if (!started) return started.error();
  const Program* p = &started->program;
  std::unique_ptr<NativeTracee>* host = &started->tracee;
  auto machine = TandemMachine::create(p->elf);
  if (!machine) return machine.error();
  TandemMachine& m = **machine;
  for (unsigned i = 0; m.state().eip != p->start; ++i) {
    if (i == kMaxSteps) return makeError("tandem did not reach the sequence");
    m.step();
  }
  auto h0 = hostSnapshot(**host);
  if (!h0) return h0.error();
  if (auto d = differences(*h0, tandemSnapshot(m), 0, 0); !d.empty())
    return "the states differ before the sequence's first instruction (driver or FRSTOR):\n" + joinLines(d);

  int last = -1;
  uint32_t last_eip = 0;
  std::vector<std::pair<uint32_t, uint32_t>> masks;  // model-specific scratch bytes stored so far
  std::string tag_note;
  for (unsigned i = 0; i < kMaxSteps; ++i) {
    auto h = hostSnapshot(**host);
    if (!h) return h.error();
    const uint32_t teip = m.state().eip;
    if (h->eip != teip)
      return strf("control flow diverged after %s: host at 0x%x, tandem at 0x%x\n",
                  describeInsn(c, last, last_eip).c_str(), h->eip, teip);
    if (h->eip == p->done)
      return std::string(kAgreed);
    const int index = insnAt(*p, h->eip);
    const std::string what = describeInsn(c, index, h->eip);
    const uint16_t tandem_tw = m.state().fpu.tw;
    auto sig = (*host)->step();
    if (!sig) return sig.error();
    m.step();
    const int vector = tandemVector(p->elf, m.state().eip);
    if (*sig || vector >= 0) {
      return strf("%s: %s: host %s, tandem %s\n", what.c_str(), *sig && vector >= 0 ? "both fault" : "only one faults",
                  *sig ? strf("took signal %d (%s)", *sig, strsignal(*sig)).c_str() : "did not fault",
                  vector >= 0 ? strf("raised vector %d", vector).c_str() : "did not fault");
    }
    // Single-stepping sets TF, and PUSHF shows it: clear it in the pushed
    // copy so that the host runs as it would untraced.
    if (index >= 0 && c.code[index].text.rfind("pushf", 0) == 0) {
      auto r = (*host)->regs();
      uint8_t flags_hi = 0;
      if (!r || !(*host)->read(r->esp + 1, &flags_hi, 1)) return makeError("cannot read the host's stack");
      flags_hi &= ~1;  // TF is EFLAGS bit 8
      if (!(*host)->write(r->esp + 1, &flags_hi, 1)) return makeError("cannot write the host's stack");
    }
    auto after = hostSnapshot(**host);
    if (!after) return after.error();
    const EmittedInsn* e = index >= 0 ? &c.code[index] : nullptr;
    if (e && e->mask_len) masks.emplace_back(e->mask_offset, e->mask_len);
    Snapshot t = tandemSnapshot(m);
    for (const auto& [offset, len] : masks) std::memcpy(t.scratch + offset, after->scratch + offset, len);
    auto d = differences(*after, t, e ? e->undef_after : fl::kArith, e ? e->fpu_undef_after : 0);
    // Not visible architecturally, but it can change which path tandem's x87
    // takes: noted where it first happens, reported with a real difference.
    if (const uint16_t raw = m.state().fpu.tw; c.init.has_fpu && raw != t.fpu.tw && tag_note.empty())
      tag_note = strf("    note: tandem's own tag word became 0x%04x after %s, disagreeing with its registers (0x%04x)\n",
                      raw, what.c_str(), t.fpu.tw);
    if (!d.empty())
      return "first difference after " + what + "\n" + joinLines(d) + describeBefore(*h, c.init.has_fpu, tandem_tw) +
             tag_note;
    last = index;
    last_eip = h->eip;
  }
  return makeError("the sequence did not end within the step limit");
}

}  // namespace tandem::diff
