#include "analysis/TaskList.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <unordered_map>

namespace tandem {
namespace {

constexpr uint32_t kMaxTaskStruct = 16384;
constexpr uint32_t kCommLen = 16;
constexpr size_t kMaxTasks = 65536;
constexpr size_t kSearchBudget = 4 * kMaxTasks;
constexpr uint32_t kThreadSize = 8192;  // THREAD_SIZE on i386 (order-1 stacks)
constexpr uint32_t kPerCpuGdtEntry = 27;
constexpr size_t kCurrentCandidates = 8;

std::optional<std::string> commAt(const GuestView& v, uint32_t addr) {
  auto s = v.cstring(addr, kCommLen - 1);
  if (!s || s->empty()) return std::nullopt;
  for (char c : *s)
    if (c < 0x20 || c > 0x7E) return std::nullopt;
  return s;
}

// The nodes of the circular list whose head is at `head`, if it is a
// proper doubly linked list and every node's task has a name at
// node + `to_comm`. Each node visited costs one unit of `budget`.
std::optional<std::vector<uint32_t>> walkList(const GuestView& v, uint32_t head, int64_t to_comm,
                                               size_t* budget = nullptr) {
  std::vector<uint32_t> nodes;
  uint32_t prev = head;
  auto node = v.u32(head);
  while (node && *node != head) {
    if (nodes.size() >= kMaxTasks || (*node & 3)) return std::nullopt;
    if (budget && (*budget)-- == 0) return std::nullopt;
    auto back = v.u32(*node + 4);
    if (!back || *back != prev) return std::nullopt;
    int64_t comm = int64_t{*node} + to_comm;
    if (comm < 0 || comm > UINT32_MAX || !commAt(v, static_cast<uint32_t>(comm)))
      return std::nullopt;
    nodes.push_back(*node);
    prev = *node;
    node = v.u32(*node);
  }
  auto back = v.u32(head + 4);
  if (!node || !back || *back != prev) return std::nullopt;
  return nodes;
}

// The first 4-aligned offset below `limit` where `ok` holds.
template <typename Fn>
std::optional<uint32_t> firstOffset(uint32_t limit, Fn ok) {
  for (uint32_t o = 0; o + 4 <= limit; o += 4)
    if (ok(o)) return o;
  return std::nullopt;
}

// Whether the page directory at kernel address `dir` maps `probe` (a
// kernel address) with the same directory entry as the view's own.
bool mapsKernelLikeCpu(const GuestView& v, uint32_t dir, uint32_t probe) {
  if (dir & (kPageSize - 1)) return false;
  auto phys = v.translate(dir);
  uint32_t mine, theirs;
  return phys && v.phys().read(GuestPhys(*phys + (probe >> 22) * 4), &theirs, 4) &&
         v.phys().read(GuestPhys(uint64_t{v.cr3()} + (probe >> 22) * 4), &mine, 4) &&
         (mine & 1) && mine == theirs;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

Result<TaskLayout> TaskList::layoutFromComm(const GuestView& v, uint32_t comm) {
  auto word = [&](uint32_t addr) { return v.u32(addr); };
  const uint32_t lo = (comm > kMaxTaskStruct ? comm - kMaxTaskStruct : 0) & ~3u;
  const uint64_t hi = uint64_t{comm} + kMaxTaskStruct;

  // tasks: the longest list of named tasks through init_task. Memory made
  // of many long lists cannot make the search take forever.
  uint32_t head = 0;
  std::vector<uint32_t> nodes;
  size_t budget = kSearchBudget;
  for (uint64_t h = lo; h + 8 <= hi; h += 4) {
    if (h + 8 > comm && h < uint64_t{comm} + kCommLen) continue;
    auto next = word(static_cast<uint32_t>(h));
    if (!next || *next == h || (*next & 3)) continue;
    auto found = walkList(v, static_cast<uint32_t>(h), int64_t{comm} - int64_t(h), &budget);
    if (found && found->size() > nodes.size()) {
      nodes = std::move(*found);
      head = static_cast<uint32_t>(h);
    }
  }
  if (nodes.size() < 3) return makeError("no list of tasks runs through init_task");
  std::vector<uint32_t> comms = {comm};
  for (uint32_t n : nodes) comms.push_back(n + (comm - head));

  // real_parent: init_task in itself and in pids 1 and 2, pid 2 in pid 3.
  TaskLayout L{};
  bool parent_found = false;
  for (uint64_t r = lo; r + 4 <= hi && !parent_found; r += 4) {
    auto x = word(static_cast<uint32_t>(r));
    if (!x || *x > comm || comm - *x >= kMaxTaskStruct || *x > r) continue;
    uint32_t off = static_cast<uint32_t>(r) - comm;  // wraps for fields before comm
    uint32_t comm_off = comm - *x;
    if (word(comms[1] + off) == x && word(comms[2] + off) == x &&
        word(comms[3] + off) == comms[2] - comm_off) {
      L.init_task = *x;
      L.comm = comm_off;
      L.real_parent = static_cast<uint32_t>(r) - *x;
      parent_found = true;
    }
  }
  if (!parent_found) return makeError("no real_parent pointer fits the first tasks");
  L.tasks = head - L.init_task;
  std::vector<uint32_t> list;
  for (uint32_t c : comms) list.push_back(c - L.comm);
  auto at = [&](uint32_t task, uint32_t off) { return word(task + off); };

  // pid and tgid.
  auto pid = firstOffset(kMaxTaskStruct - 4, [&](uint32_t o) {
    std::set<uint32_t> seen;
    for (size_t i = 0; i < list.size(); ++i) {
      auto p = at(list[i], o), t = at(list[i], o + 4);
      if (!p || !t || *p != *t || *p > (1u << 22)) return false;
      if (i < 3 && *p != i) return false;
      if (!seen.insert(*p).second) return false;
    }
    return true;
  });
  if (!pid) return makeError("no pid/tgid pair fits the task list");
  L.pid = *pid;

  // mm and active_mm, with mm->pgd: kernel threads have no mm, user tasks
  // an mm of their own as active_mm too, whose pgd maps the kernel.
  // (init_task's active_mm is only set while the idle task runs.)
  std::vector<uint32_t> users;
  bool mm_found = false;
  for (uint32_t o = 0; o + 8 <= kMaxTaskStruct && !mm_found; o += 4) {
    if (at(L.init_task, o) != 0u || at(list[2], o) != 0u) continue;
    auto m1 = at(list[1], o);
    if (!m1 || *m1 == 0 || (*m1 & 3) || at(list[1], o + 4) != m1) continue;
    users.clear();
    bool ok = true;
    for (uint32_t t : list) {
      auto m = at(t, o);
      if (!m || (*m != 0 && at(t, o + 4) != m)) ok = false;
      if (!ok) break;
      if (*m) users.push_back(*m);
    }
    if (!ok) continue;
    auto pgd = firstOffset(1024, [&](uint32_t g) {
      for (uint32_t m : users) {
        auto dir = word(m + g);
        if (!dir || !mapsKernelLikeCpu(v, *dir, L.init_task)) return false;
      }
      return true;
    });
    if (!pgd) continue;
    L.mm = o;
    L.mm_pgd = *pgd;
    mm_found = true;
  }
  if (!mm_found) return makeError("no mm/active_mm pair with a page directory fits the task list");

  // stack.
  L.thread_size = kThreadSize;
  auto stack = firstOffset(kMaxTaskStruct, [&](uint32_t o) {
    std::set<uint32_t> seen;
    for (uint32_t t : list) {
      auto s = at(t, o);
      if (!s || (*s & (kThreadSize - 1)) || !v.translate(*s) || !seen.insert(*s).second)
        return false;
    }
    return true;
  });
  if (!stack) return makeError("no kernel stack pointer fits the task list");
  L.stack = *stack;
  return L;
}

std::optional<uint32_t> TaskList::perCpuBase(const GuestView& v, const CpuState& cpu) {
  if (cpu.gdtr.limit < kPerCpuGdtEntry * 8 + 7) return std::nullopt;
  auto d = v.u64(cpu.gdtr.base + kPerCpuGdtEntry * 8);
  if (!d) return std::nullopt;
  bool present = (*d >> 47) & 1, segment = (*d >> 44) & 1, code = (*d >> 43) & 1;
  if (!present || !segment || code) return std::nullopt;
  return static_cast<uint32_t>(((*d >> 16) & 0xFFFFFF) | (((*d >> 56) & 0xFF) << 24));
}

uint32_t TaskList::findCurrentVar(const GuestView& v, const KernelSymbols& symbols,
                                  const CpuState& cpu, const TaskLayout& L,
                                  const std::vector<uint32_t>& tasks) {
  for (const char* name : {"current_task", "pcpu_hot"})
    if (auto a = symbols.address(name)) return *a;
  auto base = perCpuBase(v, cpu);
  auto text = symbols.address("_stext"), etext = symbols.address("_etext");
  if (!base || !text || !etext || *etext <= *text || *etext - *text > (64u << 20)) return 0;
  std::vector<uint8_t> code(*etext - *text);
  if (!v.read(*text, code.data(), code.size())) return 0;
  // mov %fs:disp32, %eax (64 A1) and mov %fs:disp32, %r32 (64 8B /r, mod 00 rm 101).
  std::unordered_map<uint32_t, uint32_t> uses;
  for (size_t i = 0; i + 7 <= code.size(); ++i) {
    if (code[i] != 0x64) continue;
    size_t disp;
    if (code[i + 1] == 0xA1) disp = i + 2;
    else if (code[i + 1] == 0x8B && (code[i + 2] & 0xC7) == 0x05) disp = i + 3;
    else continue;
    if (disp + 4 > code.size()) continue;
    uint32_t d;
    std::memcpy(&d, &code[disp], 4);
    ++uses[d];
  }
  std::vector<std::pair<uint32_t, uint32_t>> ranked(uses.begin(), uses.end());
  std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (ranked.size() > kCurrentCandidates) ranked.resize(kCurrentCandidates);
  for (auto [d, n] : ranked) {
    auto cur = v.u32(d + *base);
    if (cur && std::find(tasks.begin(), tasks.end(), *cur) != tasks.end()) return d;
  }
  return 0;
}

Result<TaskLayout> TaskList::discoverLayout(const GuestView& v, const KernelSymbols& symbols,
                                            const CpuState& cpu) {
  std::vector<uint32_t> comms;
  static constexpr std::string_view kNames[] = {std::string_view("swapper/0", 10),
                                                std::string_view("swapper", 8)};
  if (auto init = symbols.address("init_task")) {
    std::vector<uint8_t> win(kMaxTaskStruct);
    if (!v.read(*init, win.data(), win.size())) return makeError("init_task is not mapped");
    for (std::string_view name : kNames) {
      auto it = std::search(win.begin(), win.end(), name.begin(), name.end());
      if (it != win.end()) comms.push_back(*init + static_cast<uint32_t>(it - win.begin()));
    }
  } else {
    auto offset = symbols.imageOffset(v);
    if (!offset) return makeError("the kernel image is not mapped where its symbols say");
    const uint8_t* ram = v.phys().base();
    const uint8_t* end = ram + v.phys().size();
    for (std::string_view name : kNames) {
      for (const uint8_t* p = ram; (p = std::search(p, end, name.begin(), name.end())) != end; ++p) {
        uint32_t virt = static_cast<uint32_t>(p - ram) + *offset;
        if (v.translate(virt) == uint64_t(p - ram)) comms.push_back(virt);
      }
    }
  }
  if (comms.empty()) return makeError("init_task's comm \"swapper/0\" is not in guest memory");
  std::string why;
  for (uint32_t c : comms) {
    auto L = layoutFromComm(v, c);
    if (!L) {
      why += (why.empty() ? "" : "; ") + std::string("init_task's comm at ") + hex(c) + ": " +
             L.error().message;
      continue;
    }
    auto list = walkList(v, L->init_task + L->tasks, int64_t{L->comm} - L->tasks);
    std::vector<uint32_t> tasks = {L->init_task};
    for (uint32_t n : list.value_or(std::vector<uint32_t>{})) tasks.push_back(n - L->tasks);
    L->current_var = findCurrentVar(v, symbols, cpu, *L, tasks);
    return L;
  }
  return makeError(why);
}

Result<TaskInfo> TaskList::readTask(const GuestView& v, const TaskLayout& L, uint32_t address) {
  TaskInfo t{};
  t.address = address;
  auto comm = commAt(v, address + L.comm);
  auto pid = v.u32(address + L.pid), tgid = v.u32(address + L.pid + 4);
  auto mm = v.u32(address + L.mm), stack = v.u32(address + L.stack);
  auto parent = v.u32(address + L.real_parent);
  if (!comm || !pid || !tgid || !mm || !stack || !parent)
    return makeError("the task_struct at " + hex(address) + " is not readable");
  t.comm = *comm;
  t.pid = static_cast<int32_t>(*pid);
  t.tgid = static_cast<int32_t>(*tgid);
  t.mm = *mm;
  t.stack = *stack;
  if (*parent != address) t.ppid = static_cast<int32_t>(v.u32(*parent + L.pid + 4).value_or(0));
  if (t.mm) t.pgd = v.u32(t.mm + L.mm_pgd).value_or(0);
  return t;
}

Result<TaskList> TaskList::read(const GuestView& v, const KernelSymbols& symbols,
                                const CpuState& cpu, const std::optional<TaskLayout>& known) {
  TaskList out;
  if (known) {
    out.layout_ = *known;
  } else {
    auto L = discoverLayout(v, symbols, cpu);
    if (!L) return L.error();
    out.layout_ = *L;
  }
  const TaskLayout& L = out.layout_;
  auto nodes = walkList(v, L.init_task + L.tasks, int64_t{L.comm} - L.tasks);
  if (!nodes) return makeError("the task list is broken");
  auto init = readTask(v, L, L.init_task);
  if (!init) return init.error();
  out.tasks_.push_back(std::move(*init));
  for (uint32_t n : *nodes) {
    auto t = readTask(v, L, n - L.tasks);
    if (!t) return t.error();
    out.tasks_.push_back(std::move(*t));
  }
  auto base = perCpuBase(v, cpu);
  if (L.current_var && base) {
    if (auto cur = v.u32(L.current_var + *base)) {
      auto t = readTask(v, L, *cur);
      if (t) out.current_ = std::move(*t);
    }
  }
  return out;
}

const TaskInfo* TaskList::byPid(int32_t pid) const {
  for (const TaskInfo& t : tasks_)
    if (t.pid == pid) return &t;
  return nullptr;
}

}  // namespace tandem
