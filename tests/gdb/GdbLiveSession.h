// `tandem gdb-live` serving a guest on a free port (the gdb test guest,
// guest/tests/gdb_target.elf, unless told otherwise), and Debian's gdb run
// against it in batch mode, with the guest's ELF file for symbols when
// there is one.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/gdb/Subprocess.h"

namespace tandem::test {

// What gdb printed has `text`, matches the regular expression `re`, or does not.
#define EXPECT_HAS(out, text) \
  EXPECT_NE((out).find(text), std::string::npos) << "missing: " << (text) << "\n--- gdb said:\n" << (out)
#define EXPECT_MATCHES(out, re) \
  EXPECT_TRUE(std::regex_search((out), std::regex(re))) << "no match: " << (re) << "\n--- gdb said:\n" << (out)
#define EXPECT_NO_MATCH(out, re) \
  EXPECT_FALSE(std::regex_search((out), std::regex(re))) << "matched: " << (re) << "\n--- gdb said:\n" << (out)

// The numbers `monitor icount` printed, in order.
std::vector<uint64_t> monitorIcounts(const std::string& gdb_output);

// The gdb test guest (guest/tests/gdb_target.asm), built.
inline const std::string kGdbTestGuest = std::string(TANDEM_BUILD_DIR) + "/guests/gdb_target.elf";

class GdbLiveSession {
 public:
  // Whether the server ends after its first client (--once).
  enum Clients { kOneClient, kManyClients };
  // Starts the server with `extra_args` after the usual ones.
  explicit GdbLiveSession(const std::vector<std::string>& extra_args = {},
                          Clients clients = kOneClient);
  struct DefaultGuest {};
  // The default guest (Debian's kernel), `extra_args` after the usual
  // ones; its console goes nowhere.
  explicit GdbLiveSession(DefaultGuest, const std::vector<std::string>& extra_args = {});
  // Any tandem command that serves gdb (`argv` after the tandem binary,
  // without --port), with `symbols` for gdb (may be empty).
  struct Command {
    std::vector<std::string> argv;
    std::string symbols;
  };
  explicit GdbLiveSession(Command command);
  ~GdbLiveSession();

  bool serving() const { return port_ != 0; }
  int port() const { return port_; }

  // Starts gdb with each of `commands` as an -ex after `target remote`.
  std::unique_ptr<Subprocess> startGdb(const std::vector<std::string>& commands);
  // Runs gdb to its end and returns everything it printed.
  std::string gdb(const std::vector<std::string>& commands);

  // Waits for the server to end; returns its exit status and stderr.
  int serverExit(std::string* output);

  static constexpr int kGdbTimeoutMs = 60000;

 private:
  void startServer(std::vector<std::string> argv);

  std::unique_ptr<Subprocess> server_;
  std::string symbols_;  // the ELF file gdb loads, if any
  int port_ = 0;
};

}  // namespace tandem::test
