// tandem core: an ELF core file of one guest process, from machine state.
#include <cstdio>

#include "analysis/CoreWriter.h"
#include "analysis/KernelSymbols.h"
#include "analysis/ProcessImage.h"
#include "analysis/TaskList.h"
#include "tools/Commands.h"
#include "tools/GuestState.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem core --pid P -o FILE [--icount N] [--kernel FILE [--initrd FILE] [--append CMDLINE] |\n"
    "                   --workload NAME] [--mem SIZE] [--json]\n"
    "Writes an ELF core file of guest process P (its present user pages, its registers, its\n"
    "auxiliary vector) that gdb opens with the program: gdb busybox FILE.\n"
    "The guest is booted under the virtual clock to the default guest's shell prompt, or\n"
    "to instruction N.";

int fail(const std::string& message) {
  std::fprintf(stderr, "tandem core: %s\n", message.c_str());
  return kExitFailure;
}

}  // namespace

int cmdCore(const Args& argv) {
  std::vector<OptionSpec> specs = guestStateOptionSpecs();
  specs.push_back({"pid", true, "the guest process", "P"});
  specs.push_back({"o", true, "the core file to write", "FILE"});
  specs.push_back({"json", false, "print the result as JSON"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("core", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (!args->positional.empty())
    return usageError("core", "unexpected argument '" + args->positional[0] + "'");
  auto out = args->get("o");
  if (!out) return usageError("core", "-o FILE is required");
  auto pid_text = args->get("pid");
  if (!pid_text) return usageError("core", "--pid P is required");
  auto pid = parseUint("pid", *pid_text);
  if (!pid || *pid > INT32_MAX) return usageError("core", "--pid: '" + *pid_text + "' is not a pid");

  ReachedState state = reachGuestState(*args);
  if (!state.guest) return state.usage_error ? usageError("core", state.error) : fail(state.error);
  Machine& m = state.guest->machine();
  CpuState cpu = m.cpu().saveState();
  auto symbols = KernelSymbols::fromMemory(m.memory());
  if (!symbols) return fail(symbols.error().message);
  auto view = GuestView::fromCpu(m.memory(), cpu);
  if (!view) return fail(view.error().message);
  auto tasks = TaskList::read(*view, *symbols, cpu);
  if (!tasks) return fail(tasks.error().message);
  const TaskInfo* task = tasks->byPid(static_cast<int32_t>(*pid));
  if (!task) {
    std::string known;
    for (const TaskInfo& t : tasks->tasks())
      if (!t.kernelThread()) known += " " + std::to_string(t.pid) + " (" + t.comm + ")";
    return usageError("core", "no process with pid " + *pid_text + "; user processes:" + known);
  }
  auto image = ProcessImage::capture(*view, *tasks, *task, cpu);
  if (!image) return fail(image.error().message);
  if (Status s = CoreWriter::write(*image, *out); !s) return usageError("core", s.error().message);
  size_t bytes = 0;
  for (const UserSegment& s : image->segments()) bytes += s.data.size();
  if (args->has("json"))
    std::printf("{\"pid\":%d,\"segments\":%zu,\"memory_bytes\":%zu,\"eip\":%u}\n", task->pid,
                image->segments().size(), bytes, image->regs().eip);
  else
    std::printf("pid %d (%s): %zu segments, %zu KiB of memory, eip 0x%08x -> %s\n", task->pid,
                task->comm.c_str(), image->segments().size(), bytes / 1024, image->regs().eip,
                out->c_str());
  return kExitOk;
}

}  // namespace tandem::cli
