// tandem symbols: the guest kernel's symbols, recovered from its kallsyms
// tables in guest memory, as an ELF file for gdb.
#include <cstdio>

#include "analysis/KernelSymbols.h"
#include "analysis/SymbolElfWriter.h"
#include "replayer/BundleReplay.h"
#include "tools/BundleArg.h"
#include "tools/Commands.h"
#include "tools/Console.h"
#include "tools/GuestState.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem symbols [BUNDLE|ID [--archive DIR]] -o FILE [--json]\n"
    "tandem symbols -o FILE [--icount N] [--kernel FILE [--initrd FILE] [--append CMDLINE] |\n"
    "                      --workload NAME] [--mem SIZE] [--json]\n"
    "Recovers the guest kernel's symbol table from the kallsyms tables in its memory and\n"
    "writes it as an ELF file that gdb loads (gdb FILE -ex 'target remote ...').\n"
    "From a bundle (a file, or the id of a bundle in the archive), the memory is the\n"
    "bundle's snapshot. Otherwise the guest is booted under the virtual clock to the default\n"
    "guest's shell prompt, or to instruction N.";

int writeSymbols(Machine& m, const std::string& out, bool json) {
  auto tables = KallsymsTables::find(m.memory());
  if (!tables) {
    std::fprintf(stderr, "tandem symbols: %s\n", tables.error().message.c_str());
    return kExitFailure;
  }
  KernelSymbols symbols(tables->symbols());
  if (Status s = SymbolElfWriter::write(symbols, out); !s)
    return usageError("symbols", s.error().message);
  const KallsymsLocation& loc = tables->location();
  unsigned long long icount = m.icount().value();
  if (json)
    std::printf("{\"symbols\":%u,\"relative_base\":%u,\"kallsyms_phys\":%llu,\"icount\":%llu}\n",
                loc.count, loc.base, static_cast<unsigned long long>(loc.offsets), icount);
  else
    std::printf("%u kernel symbols (kallsyms at physical 0x%llx, base 0x%08x) at icount %llu -> %s\n",
                loc.count, static_cast<unsigned long long>(loc.offsets), loc.base, icount,
                out.c_str());
  return kExitOk;
}

}  // namespace

int cmdSymbols(const Args& argv) {
  std::vector<OptionSpec> guest_specs = guestStateOptionSpecs();
  std::vector<OptionSpec> specs = guest_specs;
  for (OptionSpec& s : bundleArgSpecs()) specs.push_back(std::move(s));
  specs.push_back({"o", true, "the ELF file to write", "FILE"});
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
    auto reader = openBundleArg(args->positional[0], *args);
    if (!reader) return usageError("symbols", reader.error().message);
    ConsoleOutput discard(-1, 0);
    auto replay = BundleReplay::open(std::move(*reader), discard);
    if (!replay) return usageError("symbols", replay.error().message);
    return writeSymbols((*replay)->machine(), *out, json);
  }
  if (args->has("archive")) return usageError("symbols", "--archive needs a bundle id");
  ReachedState state = reachGuestState(*args);
  if (!state.guest) {
    if (state.usage_error) return usageError("symbols", state.error);
    std::fprintf(stderr, "tandem symbols: %s\n", state.error.c_str());
    return kExitFailure;
  }
  return writeSymbols(state.guest->machine(), *out, json);
}

}  // namespace tandem::cli
