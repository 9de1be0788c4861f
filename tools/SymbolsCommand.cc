// tandem symbols: the guest kernel's symbols, recovered from its kallsyms
// tables in guest memory, as an ELF file for gdb.
#include <cstdio>

#include "analysis/KernelSymbols.h"
#include "analysis/SymbolElfWriter.h"
#include "tools/Commands.h"
#include "tools/GuestState.h"

namespace tandem::cli {
namespace {

const char* kSynopsis =
    "tandem symbols -o FILE [--icount N] [--kernel FILE [--initrd FILE] [--append CMDLINE] |\n"
    "                      --workload NAME] [--mem SIZE] [--json]\n"
    "Recovers the guest kernel's symbol table from the kallsyms tables in its memory and\n"
    "writes it as an ELF file that gdb loads (gdb FILE -ex 'target remote ...').\n"
    "The guest is booted under the virtual clock to the default guest's shell prompt, or\n"
    "to instruction N.";

}  // namespace

int cmdSymbols(const Args& argv) {
  std::vector<OptionSpec> specs = guestStateOptionSpecs();
  specs.push_back({"o", true, "the ELF file to write", "FILE"});
  specs.push_back({"json", false, "print the result as JSON"});
  specs.push_back({"help", false, "show this help"});
  auto args = parseArgs(argv, specs);
  if (!args) return usageError("symbols", args.error().message);
  if (args->has("help")) {
    std::printf("%s", usageText(kSynopsis, specs).c_str());
    return kExitOk;
  }
  if (!args->positional.empty())
    return usageError("symbols", "unexpected argument '" + args->positional[0] + "'");
  auto out = args->get("o");
  if (!out) return usageError("symbols", "-o FILE is required");

  ReachedState state = reachGuestState(*args);
  if (!state.guest) {
    if (state.usage_error) return usageError("symbols", state.error);
    std::fprintf(stderr, "tandem symbols: %s\n", state.error.c_str());
    return kExitFailure;
  }
  Machine& m = state.guest->machine();
  auto tables = KallsymsTables::find(m.memory());
  if (!tables) {
    std::fprintf(stderr, "tandem symbols: %s\n", tables.error().message.c_str());
    return kExitFailure;
  }
  KernelSymbols symbols(tables->symbols());
  if (Status s = SymbolElfWriter::write(symbols, *out); !s)
    return usageError("symbols", s.error().message);
  const KallsymsLocation& loc = tables->location();
  unsigned long long icount = m.icount().value();
  if (args->has("json"))
    std::printf("{\"symbols\":%u,\"relative_base\":%u,\"kallsyms_phys\":%llu,\"icount\":%llu}\n",
                loc.count, loc.base, static_cast<unsigned long long>(loc.offsets), icount);
  else
    std::printf("%u kernel symbols (kallsyms at physical 0x%llx, base 0x%08x) at icount %llu -> %s\n",
                loc.count, static_cast<unsigned long long>(loc.offsets), loc.base, icount,
                out->c_str());
  return kExitOk;
}

}  // namespace tandem::cli
