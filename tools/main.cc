// tandem: record/replay virtual machine monitor for failure tracing.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "tools/Commands.h"

namespace tandem::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"run", "boot a guest with its console on this terminal (no recording)", cmdRun},
      {"record", "run a guest with a lagging backup; freeze a bundle when it fails", cmdRecord},
      {"replay", "replay a bundle to its failure and say whether it reproduced", cmdReplay},
      {"gdb", "debug a replayed bundle with gdb, forward and backward", cmdGdb},
      {"gdb-live", "boot a guest and debug it live with gdb (no recording)", cmdGdbLive},
      {"symbols", "recover the guest kernel's symbols from its memory as an ELF file for gdb",
       cmdSymbols},
      {"core", "write an ELF core file of one guest process", cmdCore},
      {"report", "diagnose a failure: kind, signature, oops, task, backtrace, log, events", cmdReport},
      {"archive", "keep failure bundles: ingest, list, show, export, prune, summary, verify",
       cmdArchive},
  };
  return list;
}

int usageError(const std::string& name, const std::string& message) {
  std::fprintf(stderr, "tandem %s: %s\n", name.c_str(), message.c_str());
  return kExitUsage;
}

static void printHelp(FILE* out) {
  std::fprintf(out,
               "tandem: a record/replay virtual machine monitor for failure tracing\n\n"
               "usage: tandem COMMAND [OPTIONS]\n\ncommands:\n");
  for (const auto& c : commands()) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(out, "\n`tandem COMMAND --help` describes a command's options.\n");
}

}  // namespace tandem::cli

int main(int argc, char** argv) {
  using namespace tandem::cli;
  if (argc < 2 || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "-h")) {
    printHelp(argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  std::string name = argv[1];
  Args args(argv + 2, argv + argc);
  for (const auto& c : commands()) {
    if (name == c.name) {
      try {
        return c.run(args);
      } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "tandem %s: out of memory\n", name.c_str());
        return kExitFailure;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "tandem %s: %s\n", name.c_str(), e.what());
        return kExitFailure;
      }
    }
  }
  std::fprintf(stderr, "tandem: unknown command '%s' (try `tandem help`)\n", name.c_str());
  return kExitUsage;
}
