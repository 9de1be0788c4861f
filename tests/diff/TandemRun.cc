#include "tests/diff/TandemRun.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "tests/diff/CaseLayout.h"
#include "tests/diff/FdIo.h"
#include "tests/diff/Strf.h"
#include "tests/diff/TandemMachine.h"

namespace tandem::diff {
namespace {

// Instructions per run() call: below the driver's own work between two
// sequences, so the case number read after each call pins a crash to its case.
constexpr uint64_t kChunk = 256;
// A case that runs this long without the driver advancing is abandoned.
constexpr uint64_t kBudgetPerCase = 20000;
// Exit status of a child whose guest overwrote the driver's case counter.
constexpr int kLostDriver = 4;

}  // namespace

Status TandemRun::childRun(const ElfImage& elf, unsigned begin, unsigned end, int fd,
                           volatile uint32_t* progress) {
  auto machine = TandemMachine::create(elf);
  if (!machine) return machine.error();
  TandemMachine& m = **machine;
  auto table = elf.symbol("result_table");
  auto cur_case = elf.symbol("cur_case");
  auto end_case = elf.symbol("end_case");
  if (!table) return table.error();
  if (!cur_case) return cur_case.error();
  if (!end_case) return end_case.error();
  if (!m.write(*cur_case, &begin, 4) || !m.write(*end_case, &end, 4)) return makeError("cannot set the case range");
  std::map<unsigned, std::string> aborted;
  uint32_t cur = begin;
  uint64_t stalled = 0;
  *progress = cur;
  for (;;) {
    const TandemMachine::Outcome o = m.run(kChunk);
    if (o == TandemMachine::Outcome::kEnd) break;
    uint32_t now = 0;
    if (!m.read(*cur_case, &now, 4) || now < begin || now > end) {
      // A wild write hit the driver's data: this machine's memory can no
      // longer be trusted, so the parent splits the range around `cur`.
      _exit(kLostDriver);
    }
    if (now != cur) stalled = 0;
    cur = now;
    *progress = cur;
    if (o == TandemMachine::Outcome::kBudget && (stalled += kChunk) < kBudgetPerCase) continue;
    static const char* const kWhy[] = {"", "made no progress", "shut down (triple fault)", "halted"};
    aborted[cur] = strf("tandem %s in this case: %s", kWhy[static_cast<int>(o)], m.describe().c_str());
    const uint32_t next = cur + 1;
    if (!m.write(*cur_case, &next, 4)) return makeError("cannot write cur_case");
    if (next == end) break;
    m.restart();
  }
  std::vector<uint8_t> records(size_t{end - begin} * kRecordSize);
  if (!m.read(*table + begin * kRecordSize, records.data(), records.size()))
    return makeError("the result table lies outside tandem's guest memory");
  if (!writeAll(fd, records.data(), records.size())) return makeError("cannot return results");
  for (const auto& [index, why] : aborted) {
    const uint32_t header[2] = {index, static_cast<uint32_t>(why.size())};
    if (!writeAll(fd, header, sizeof header) || !writeAll(fd, why.data(), why.size()))
      return makeError("cannot return results");
  }
  return {};
}

Status TandemRun::runRange(const ElfImage& elf, unsigned begin, unsigned end, TandemResults& out) {
  if (begin >= end) return {};
  void* shared = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return makeError(std::string("mmap: ") + std::strerror(errno));
  volatile uint32_t* progress = static_cast<volatile uint32_t*>(shared);
  int fds[2];
  if (pipe(fds) != 0) return makeError(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Status s = childRun(elf, begin, end, fds[1], progress);
    if (!s) {
      const std::string msg = "\n" + s.error().message;
      writeAll(2, msg.data(), msg.size());
    }
    _exit(s ? 0 : 3);
  }
  close(fds[1]);
  std::vector<uint8_t> data;
  readAll(fds[0], data);
  close(fds[0]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    munmap(shared, 4096);
    return makeError("cannot run the tandem child process");
  }
  const uint32_t crashed_in = *progress;
  munmap(shared, 4096);
  const bool lost = WIFEXITED(status) && WEXITSTATUS(status) == kLostDriver;
  if (WIFSIGNALED(status) || lost) {
    out.aborted[crashed_in] =
        lost ? std::string("tandem overwrote the test driver's case counter in this case (a wild write)")
             : strf("tandem crashed the test process (signal %d, %s) in this case", WTERMSIG(status),
                    strsignal(WTERMSIG(status)));
    if (Status s = runRange(elf, begin, crashed_in, out); !s) return s;
    return runRange(elf, crashed_in + 1, end, out);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return makeError("the tandem side failed (see above)");
  const size_t bytes = size_t{end - begin} * kRecordSize;
  if (data.size() < bytes) return makeError("the tandem child returned too few results");
  std::memcpy(out.table.data() + size_t{begin} * kRecordSize, data.data(), bytes);
  for (size_t p = bytes; p + 8 <= data.size();) {
    uint32_t header[2];
    std::memcpy(header, data.data() + p, 8);
    p += 8;
    if (p + header[1] > data.size()) return makeError("the tandem child returned a truncated message");
    out.aborted[header[0]] = std::string(reinterpret_cast<const char*>(data.data() + p), header[1]);
    p += header[1];
  }
  return {};
}

Result<TandemResults> TandemRun::run(const ElfImage& elf, unsigned ncases) {
  TandemResults out;
  out.table.assign(size_t{ncases} * kRecordSize, 0);
  if (Status s = runRange(elf, 0, ncases, out); !s) return s.error();
  return out;
}

}  // namespace tandem::diff
