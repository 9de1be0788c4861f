// tandem core: an ELF core file of one guest process, from machine state.
#include <cinttypes>
#include <cstdio>

#include "analysis/CoreWriter.h"
#include "analysis/KernelSymbols.h"
#include "analysis/ProcessImage.h"
#include "analysis/TaskList.h"
#include "tools/BundleArg.h"
#include "tools/BundleAt.h"
#include "tools/Commands.h"
#include "tools/GuestState.h"
#include "tools/Json.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem core BUNDLE|ID --pid P -o FILE [--at WHERE] [--archive DIR] [--json]\n"
    "tandem core --pid P -o FILE [--icount N] [--kernel FILE [--initrd FILE] [--append CMDLINE] |\n"
    "                   --workload NAME] [--mem SIZE] [--json]\n"
    "Writes an ELF core file of guest process P (its present user pages, its registers, its\n"
    "auxiliary vector) that gdb opens with the program: gdb busybox FILE.\n"
    "From a bundle (a file, or the id of a bundle in the archive), the bundle is replayed to\n"
    "the failure, or to WHERE: an icount, +N after the bundle's start, -N before the failure.\n"
    "Otherwise the guest is booted under the virtual clock to the default guest's shell\n"
    "prompt, or to instruction N.";

int fail(const std::string& message) {
  std::fprintf(stderr, "tandem core: %s\n", message.c_str());
  return kExitFailure;
}

// The core of process `pid` as the machine stands.
int writeCore(Machine& m, int32_t pid, const std::string& out, bool json) {
  CpuState cpu = m.cpu().saveState();
  auto symbols = KernelSymbols::fromMemory(m.memory());
  if (!symbols) return fail(symbols.error().message);
  auto view = GuestView::fromCpu(m.memory(), cpu);
  if (!view) return fail(view.error().message);
  auto tasks = TaskList::read(*view, *symbols, cpu);
  if (!tasks) return fail(tasks.error().message);
  const TaskInfo* task = tasks->byPid(pid);
  if (!task) {
    std::string known;
    for (const TaskInfo& t : tasks->tasks())
      if (!t.kernelThread()) known += " " + std::to_string(t.pid) + " (" + t.comm + ")";
    return usageError("core", "no process with pid " + std::to_string(pid) + " at icount " +
                                  std::to_string(m.icount().value()) + "; user processes:" +
                                  (known.empty() ? " none" : known));
  }
  auto image = ProcessImage::capture(*view, *tasks, *task, cpu);
  if (!image) return fail(image.error().message);
  if (Status s = CoreWriter::write(*image, out); !s) return usageError("core", s.error().message);
  size_t bytes = 0;
  for (const UserSegment& s : image->segments()) bytes += s.data.size();
  const uint64_t icount = m.icount().value();
  if (json) {
    JsonWriter j;
    j.beginObject()
        .field("pid", task->pid)
        .field("comm", task->comm)
        .field("icount", icount)
        .field("segments", static_cast<uint64_t>(image->segments().size()))
        .field("memory_bytes", static_cast<uint64_t>(bytes))
        .field("eip", image->regs().eip)
        .endObject();
    std::printf("%s\n", j.str().c_str());
  }
  else
    std::printf("pid %d (%s) at icount %" PRIu64 ": %zu segments, %zu KiB of memory, eip 0x%08x -> %s\n",
                task->pid, task->comm.c_str(), icount, image->segments().size(), bytes / 1024,
                image->regs().eip, out.c_str());
  return kExitOk;
}

// Replays the bundle to --at and writes the core there.
int coreFromBundle(const ParsedArgs& args, int32_t pid, const std::string& out) {
  BundleAt at = replayBundleTo(args, "core", "crash");
  if (!at.replay) return at.exit;
  return writeCore(at.replay->machine(), pid, out, args.has("json"));
}

}  // namespace

int cmdCore(const Args& argv) {
  std::vector<OptionSpec> guest_specs = guestStateOptionSpecs();
  std::vector<OptionSpec> specs = guest_specs;
  for (OptionSpec& s : bundleArgSpecs()) specs.push_back(std::move(s));
  specs.push_back({"at", true, "in a bundle: crash (the default), ICOUNT, +N, -N", "WHERE"});
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
  if (args->positional.size() > 1)
    return usageError("core", "unexpected argument '" + args->positional[1] + "'");
  auto out = args->get("o");
  if (!out) return usageError("core", "-o FILE is required");
  auto pid_text = args->get("pid");
  if (!pid_text) return usageError("core", "--pid P is required");
  auto pid = parseUint("pid", *pid_text);
  if (!pid || *pid > INT32_MAX) return usageError("core", "--pid: '" + *pid_text + "' is not a pid");

  if (!args->positional.empty()) {
    for (const OptionSpec& s : guest_specs)
      if (args->has(s.name)) return usageError("core", "--" + s.name + " does not apply to a bundle");
    return coreFromBundle(*args, static_cast<int32_t>(*pid), *out);
  }
  if (args->has("archive")) return usageError("core", "--archive needs a bundle id");
  if (args->has("at")) return usageError("core", "--at needs a bundle (use --icount N when booting)");
  ReachedState state = reachGuestState(*args);
  if (!state.guest) return state.usage_error ? usageError("core", state.error) : fail(state.error);
  return writeCore(state.guest->machine(), static_cast<int32_t>(*pid), *out, args->has("json"));
}

}  // namespace tandem::cli
