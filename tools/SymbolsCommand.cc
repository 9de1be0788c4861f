// tandem symbols: the guest kernel's symbols, recovered from its kallsyms
// tables in guest memory, as an ELF file for gdb.
#include <cstdio>

#include "analysis/GuestView.h"
#include "analysis/KernelFrames.h"
#include "analysis/KernelSymbols.h"
#include "analysis/ModuleList.h"
#include "analysis/SymbolElfWriter.h"
#include "tools/BundleArg.h"
#include "tools/BundleAt.h"
#include "tools/Commands.h"
#include "tools/GuestState.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem symbols BUNDLE|ID -o FILE [--at WHERE] [--archive DIR] [--json]\n"
    "tandem symbols -o FILE [--icount N] [--kernel FILE [--initrd FILE] [--append CMDLINE] |\n"
    "                      --workload NAME] [--mem SIZE] [--json]\n"
    "Recovers the symbol tables of the guest kernel and its loaded modules from their\n"
    "kallsyms tables in guest memory and writes them as an ELF file that gdb loads\n"
    "(gdb FILE -ex 'target remote ...'), with call frame information derived from their\n"
    "code, so that gdb's backtraces follow the kernel's frames (through the entry code's\n"
    "pt_regs into the interrupted context).\n"
    "From a bundle (a file, or the id of a bundle in the archive), the memory is where the\n"
    "bundle's replay reaches the failure (with the modules loaded then), or WHERE: an icount,\n"
    "+N after the bundle's start, -N before the failure. Otherwise the guest is booted under\n"
    "the virtual clock to the default guest's shell prompt, or to instruction N.";

int writeSymbols(Machine& m, const std::string& out, bool json) {
  auto tables = KallsymsTables::find(m.memory());
  if (!tables) {
    std::fprintf(stderr, "tandem symbols: %s\n", tables.error().message.c_str());
    return kExitFailure;
  }
  KernelSymbols symbols(tables->symbols());
  // The code is read as it stands in memory (alternatives applied), through
  // the kernel's page tables.
  std::vector<uint8_t> frames;
  KernelFrames::Counts counts;
  if (auto view = GuestView::fromCpu(m.memory(), m.cpu().saveState())) {
    symbols.setModules(ModuleList::read(*view, symbols));
    frames = KernelFrames::build(symbols, *view, &counts);
  } else {
    std::fprintf(stderr, "tandem symbols: no call frame information: %s\n",
                 view.error().message.c_str());
  }
  if (Status s = SymbolElfWriter::write(symbols, out, frames); !s)
    return usageError("symbols", s.error().message);
  const KallsymsLocation& loc = tables->location();
  unsigned long long icount = m.icount().value();
  if (json)
    std::printf("{\"symbols\":%u,\"relative_base\":%u,\"kallsyms_phys\":%llu,\"icount\":%llu,"
                "\"modules\":%zu,\"frames\":{\"function\":%u,\"cold\":%u,\"entry\":%u,\"without\":%u}}\n",
                loc.count, loc.base, static_cast<unsigned long long>(loc.offsets), icount,
                symbols.modules().size(), counts.function, counts.cold, counts.entry, counts.without);
  else
    std::printf("%u kernel symbols (kallsyms at physical 0x%llx, base 0x%08x) and %zu modules at "
                "icount %llu, frames for %u functions -> %s\n",
                loc.count, static_cast<unsigned long long>(loc.offsets), loc.base,
                symbols.modules().size(), icount, counts.function + counts.cold + counts.entry,
                out.c_str());
  return kExitOk;
}

}  // namespace

int cmdSymbols(const Args& argv) {
  std::vector<OptionSpec> guest_specs = guestStateOptionSpecs();
  std::vector<OptionSpec> specs = guest_specs;
  for (OptionSpec& s : bundleArgSpecs()) specs.push_back(std::move(s));
  specs.push_back({"o", true, "the ELF file to write", "FILE"});
  specs.push_back({"at", true, "in a bundle: crash (the default), ICOUNT, +N, -N", "WHERE"});
  specs.push_back({"json", false, "print the result as JSON"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("symbols", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (args->positional.size() > 1)
    return usageError("symbols", "unexpected argument '" + args->positional[1] + "'");
  auto out = args->get("o");
  if (!out) return usageError("symbols", "-o FILE is required");
  const bool json = args->has("json");

  if (!args->positional.empty()) {
    for (const OptionSpec& s : guest_specs)
      if (args->has(s.name))
        return usageError("symbols", "--" + s.name + " does not apply to a bundle");
    BundleAt at = replayBundleTo(*args, "symbols", "crash");
    if (!at.replay) return at.exit;
    return writeSymbols(at.replay->machine(), *out, json);
  }
  if (args->has("archive")) return usageError("symbols", "--archive needs a bundle id");
  if (args->has("at")) return usageError("symbols", "--at needs a bundle (use --icount N when booting)");
  ReachedState state = reachGuestState(*args);
  if (!state.guest) {
    if (state.usage_error) return usageError("symbols", state.error);
    std::fprintf(stderr, "tandem symbols: %s\n", state.error.c_str());
    return kExitFailure;
  }
  return writeSymbols(state.guest->machine(), *out, json);
}

}  // namespace tandem::cli
