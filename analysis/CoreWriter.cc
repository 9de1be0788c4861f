#include "analysis/CoreWriter.h"

#include <algorithm>

#include "analysis/ElfBuffer.h"

namespace tandem {
namespace {

// The i386 kernel's struct elf_prstatus and elf_prpsinfo (include/uapi/
// linux/elfcore.h with 32-bit longs and 16-bit uid/gid).
struct PrStatus {
  int32_t si_signo, si_code, si_errno;
  int16_t cursig;
  uint16_t pad0;
  uint32_t sigpend, sighold;
  int32_t pid, ppid, pgrp, sid;
  uint32_t times[8];  // utime, stime, cutime, cstime as timevals
  UserRegs regs;
  int32_t fpvalid;
};
static_assert(sizeof(PrStatus) == 144);

struct PrPsInfo {
  char state, sname, zomb, nice;
  uint32_t flag;
  uint16_t uid, gid;
  int32_t pid, ppid, pgrp, sid;
  char fname[16];
  char psargs[80];
};
static_assert(sizeof(PrPsInfo) == 124);

void appendNote(ElfBuffer& out, uint32_t type, const void* desc, size_t desc_size) {
  static const char kName[8] = "CORE";
  Elf32_Nhdr n{5, static_cast<Elf32_Word>(desc_size), type};
  out.append(n);
  out.appendBytes(kName, 8);  // "CORE\0" padded to 4
  out.appendBytes(desc, desc_size);
  out.align(4);
}

}  // namespace

std::vector<uint8_t> CoreWriter::build(const ProcessImage& image) {
  const TaskInfo& t = image.task();
  PrStatus st{};
  st.pid = t.pid;
  st.ppid = t.ppid;
  st.pgrp = t.tgid;
  st.sid = t.tgid;
  st.regs = image.regs();
  PrPsInfo ps{};
  ps.sname = 'S';
  ps.pid = t.pid;
  ps.ppid = t.ppid;
  ps.pgrp = t.tgid;
  ps.sid = t.tgid;
  std::copy_n(t.comm.begin(), std::min<size_t>(t.comm.size(), sizeof ps.fname - 1), ps.fname);
  const std::string& args = image.args().empty() ? t.comm : image.args();
  std::copy_n(args.begin(), std::min<size_t>(args.size(), sizeof ps.psargs - 1), ps.psargs);

  ElfBuffer notes;
  appendNote(notes, NT_PRSTATUS, &st, sizeof st);
  appendNote(notes, NT_PRPSINFO, &ps, sizeof ps);
  if (!image.auxv().empty()) {
    std::vector<uint32_t> words;
    for (auto [k, v] : image.auxv()) words.insert(words.end(), {k, v});
    appendNote(notes, NT_AUXV, words.data(), words.size() * 4);
  }

  const auto& segs = image.segments();
  ElfBuffer out;
  Elf32_Ehdr eh = ElfBuffer::header(ET_CORE);
  eh.e_phoff = sizeof(Elf32_Ehdr);
  eh.e_phnum = static_cast<uint16_t>(1 + segs.size());
  out.append(eh);
  size_t phdrs_at = out.size();
  for (size_t i = 0; i < eh.e_phnum; ++i) out.append(Elf32_Phdr{});

  std::vector<Elf32_Phdr> ph;
  Elf32_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_offset = static_cast<Elf32_Off>(out.appendBytes(notes.bytes().data(), notes.size()));
  note.p_filesz = static_cast<Elf32_Word>(notes.size());
  note.p_align = 4;
  ph.push_back(note);
  for (const UserSegment& s : segs) {
    out.align(kPageSize);
    Elf32_Phdr p{};
    p.p_type = PT_LOAD;
    p.p_offset = static_cast<Elf32_Off>(out.appendBytes(s.data.data(), s.data.size()));
    p.p_vaddr = s.virt;
    p.p_filesz = p.p_memsz = static_cast<Elf32_Word>(s.data.size());
    // 32-bit paging has no execute permission bit: read-only pages are
    // shown as code, writable ones as data.
    p.p_flags = PF_R | (s.writable ? PF_W : PF_X);
    p.p_align = kPageSize;
    ph.push_back(p);
  }
  for (size_t i = 0; i < ph.size(); ++i) out.patch(phdrs_at + i * sizeof(Elf32_Phdr), ph[i]);
  return out.take();
}

Status CoreWriter::write(const ProcessImage& image, const std::string& path) {
  return writeFile(path, build(image));
}

}  // namespace tandem
