#include "analysis/ProcessImage.h"

#include <elf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace tandem {
namespace {

constexpr uint32_t AT_NULL_ = 0, AT_PHENT_ = 4, AT_PAGESZ_ = 6, AT_ENTRY_ = 9,
                   AT_SYSINFO_EHDR_ = 33;
constexpr uint32_t kMaxVdsoPages = 8;
constexpr uint32_t kMaxAuxvKey = 64;
constexpr size_t kMaxAuxvPairs = 64;
constexpr uint32_t kMmWindow = 2048;
constexpr uint32_t kMaxArgs = 4096;
// Page tables can map one frame many times over; a core stops short of this.
constexpr uint64_t kMaxUserBytes = 1ull << 30;

bool userAddress(const GuestView& user, uint32_t a) {
  auto m = user.mapping(a);
  return m && m->user;
}

std::string taskName(const TaskInfo& t) {
  return "pid " + std::to_string(t.pid) + " (" + t.comm + ")";
}

}  // namespace

std::optional<UserRegs> ProcessImage::savedRegs(const GuestView& kernel, const GuestView& user,
                                                const TaskInfo& task, uint32_t thread_size) {
  // TOP_OF_KERNEL_STACK_PADDING is 8 on i386 without VM86 and 16 with it.
  for (uint32_t padding : {8u, 16u, 0u}) {
    UserRegs r;
    uint32_t at = task.stack + thread_size - padding - sizeof r;
    if (!kernel.read(at, &r, sizeof r)) continue;
    for (uint32_t* sel : {&r.ds, &r.es, &r.fs, &r.gs, &r.cs, &r.ss}) *sel &= 0xFFFF;
    if ((r.cs & 3) != 3 || (r.ss & 3) != 3) continue;
    if (!userAddress(user, r.eip) || !userAddress(user, r.esp)) continue;
    return r;
  }
  return std::nullopt;
}

void ProcessImage::findAuxvAndArgs(const GuestView& kernel, const GuestView& user) {
  std::vector<uint32_t> w(kMmWindow / 4);
  if (!kernel.read(task_.mm, w.data(), kMmWindow) &&
      !kernel.read(task_.mm, w.data(), (w.size() / 2) * 4))
    return;
  for (size_t q = 0; q + 1 < w.size(); ++q) {
    if (w[q] != AT_PAGESZ_ || w[q + 1] != kPageSize) continue;
    size_t start = q;
    while (start >= 2 && w[start - 2] != 0 && w[start - 2] <= kMaxAuxvKey) start -= 2;
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    bool ended = false, phent = false, entry = false;
    for (size_t k = start; k + 1 < w.size() && pairs.size() < kMaxAuxvPairs; k += 2) {
      if (w[k] > kMaxAuxvKey) break;
      pairs.emplace_back(w[k], w[k + 1]);
      phent |= w[k] == AT_PHENT_ && w[k + 1] == 32;
      entry |= w[k] == AT_ENTRY_ && userAddress(user, w[k + 1]);
      if (w[k] == AT_NULL_) {
        ended = true;
        break;
      }
    }
    if (!ended || !phent || !entry) continue;
    auxv_ = std::move(pairs);
    // arg_start, arg_end, env_start, env_end precede saved_auxv.
    if (start < 4) return;
    uint32_t arg_start = w[start - 4], arg_end = w[start - 3], env_start = w[start - 2],
             env_end = w[start - 1];
    if (arg_start >= arg_end || arg_end > env_start || env_start > env_end ||
        arg_end - arg_start > kMaxArgs)
      return;
    std::string args(arg_end - arg_start, '\0');
    if (!user.read(arg_start, args.data(), args.size())) return;
    while (!args.empty() && args.back() == '\0') args.pop_back();
    for (char& c : args)
      if (c == '\0') c = ' ';
    args_ = std::move(args);
    return;
  }
}

void ProcessImage::completeVdso(const GuestView& user) {
  uint32_t base = 0;
  for (auto [k, val] : auxv_)
    if (k == AT_SYSINFO_EHDR_) base = val;
  auto first = base ? user.translate(base) : std::nullopt;
  Elf32_Ehdr eh;
  if (!first || !user.read(base, &eh, sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
      eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_shentsize != sizeof(Elf32_Shdr))
    return;
  uint64_t size = uint64_t{eh.e_shoff} + uint64_t{eh.e_shnum} * eh.e_shentsize;
  uint32_t pages = static_cast<uint32_t>((size + kPageSize - 1) / kPageSize);
  if (pages < 2 || pages > kMaxVdsoPages) return;
  // The image is one physically contiguous blob in the kernel: pages the
  // process never touched follow the first one in physical memory.
  std::vector<uint8_t> image(size_t{pages} * kPageSize);
  const PhysMemory& mem = user.phys();
  for (uint32_t i = 0; i < pages; ++i) {
    uint64_t phys = user.translate(base + i * kPageSize).value_or(*first + uint64_t{i} * kPageSize);
    if (!mem.read(GuestPhys(phys), &image[size_t{i} * kPageSize], kPageSize)) return;
  }
  // Believe it only if its section names read back.
  if (eh.e_shstrndx >= eh.e_shnum) return;
  Elf32_Shdr names;
  std::memcpy(&names, &image[eh.e_shoff + eh.e_shstrndx * sizeof names], sizeof names);
  if (uint64_t{names.sh_offset} + names.sh_name + 10 > image.size() ||
      std::memcmp(&image[names.sh_offset + names.sh_name], ".shstrtab", 10))
    return;
  std::vector<UserSegment> out;
  for (UserSegment& s : segments_) {
    uint64_t end = s.virt + s.data.size();
    if (end <= base || s.virt >= base + image.size()) out.push_back(std::move(s));
  }
  out.push_back(UserSegment{base, false, std::move(image)});
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.virt < b.virt; });
  segments_ = std::move(out);
}

Result<ProcessImage> ProcessImage::capture(const GuestView& kernel, const TaskList& tasks,
                                           const TaskInfo& task, const CpuState& cpu) {
  if (task.kernelThread())
    return makeError(taskName(task) + " is a kernel thread: it has no user memory");
  auto pgd = kernel.translate(task.pgd);
  if (!task.pgd || !pgd) return makeError(taskName(task) + ": its page directory is not mapped");
  GuestView user = kernel.withCr3(static_cast<uint32_t>(*pgd));

  ProcessImage img;
  img.task_ = task;
  const PhysMemory& mem = kernel.phys();
  // Sized first: nothing is copied for page tables that map too much.
  uint64_t total = 0;
  user.forEachMapping(0, uint64_t{1} << 32, [&](const PageMapping& m) {
    if (m.user && mem.contains(GuestPhys(m.phys), m.size)) total += m.size;
    return total <= kMaxUserBytes;
  });
  if (total > kMaxUserBytes)
    return makeError(taskName(task) + " maps more than " + std::to_string(kMaxUserBytes >> 20) +
                     " MiB of user memory");
  user.forEachMapping(0, uint64_t{1} << 32, [&](const PageMapping& m) {
    if (!m.user || !mem.contains(GuestPhys(m.phys), m.size)) return true;
    auto& segs = img.segments_;
    if (segs.empty() || segs.back().writable != m.writable ||
        uint64_t{segs.back().virt} + segs.back().data.size() != m.virt)
      segs.push_back(UserSegment{m.virt, m.writable, {}});
    auto& data = segs.back().data;
    data.insert(data.end(), mem.base() + m.phys, mem.base() + m.phys + m.size);
    return true;
  });
  if (img.segments_.empty()) return makeError(taskName(task) + " has no user memory mapped");

  bool running_in_user = tasks.current() && tasks.current()->address == task.address &&
                         (cpu.seg[CS].selector & 3) == 3;
  if (running_in_user) {
    const uint32_t* g = cpu.gpr;
    img.regs_ = UserRegs{g[EBX], g[ECX], g[EDX], g[ESI], g[EDI], g[EBP], g[EAX],
                         cpu.seg[DS].selector, cpu.seg[ES].selector, cpu.seg[FS].selector,
                         cpu.seg[GS].selector, 0xFFFFFFFFu, cpu.eip, cpu.seg[CS].selector,
                         cpu.eflags, g[ESP], cpu.seg[SS].selector};
  } else {
    auto r = savedRegs(kernel, user, task, tasks.layout().thread_size);
    if (!r) return makeError(taskName(task) + ": no user registers saved on its kernel stack");
    img.regs_ = *r;
  }
  img.findAuxvAndArgs(kernel, user);
  img.completeVdso(user);
  return img;
}

}  // namespace tandem
