// The `tandem` subcommands. Each takes the arguments after its name and
// returns the process exit status: 0 success, 1 failure of the job itself,
// 2 bad usage or bad input (with one message on stderr naming what was wrong).
#pragma once

#include <string>
#include <vector>

namespace tandem::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

int cmdRun(const Args& args);
int cmdGdbLive(const Args& args);
int cmdGdb(const Args& args);  // tools/GdbCommand.cc
int cmdSymbols(const Args& args);
int cmdCore(const Args& args);
int cmdReport(const Args& args);
int cmdArchive(const Args& args);  // tools/ArchiveCommand.cc
int cmdRecord(const Args& args);   // tools/RecordCommand.cc
int cmdReplay(const Args& args);   // tools/ReplayCommand.cc

// Every subcommand, in the order `tandem help` lists them.
const std::vector<Command>& commands();

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// Stopped by SIGINT or SIGTERM before the work was done.
constexpr int kExitInterrupted = 130;

// Prints "tandem NAME: MESSAGE" on stderr and returns kExitUsage.
int usageError(const std::string& name, const std::string& message);

}  // namespace tandem::cli
