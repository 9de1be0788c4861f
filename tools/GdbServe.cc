#include "tools/GdbServe.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "replayer/gdb/GdbServer.h"
#include "tools/Commands.h"

namespace tandem::cli {
namespace {

constexpr uint64_t kMinCheckpointBudget = 16ull << 20;

// A POSIX signal handler takes no context: this is the one server it stops.
gdb::GdbServer* g_server_to_stop = nullptr;
void onSignal(int) {
  if (g_server_to_stop) g_server_to_stop->stop();
}

}  // namespace

std::vector<OptionSpec> gdbServeOptionSpecs() {
  return {
      {"port", true, "TCP port (default 1234; 0 picks a free one)", "N"},
      {"address", true, "address to listen on (default 127.0.0.1)", "ADDR"},
      {"once", false, "end when the first client detaches or disconnects"},
      {"console", true, "write the guest's console to FILE", "FILE"},
      {"checkpoint-budget", true, "memory for time travel checkpoints (default 256M)", "SIZE"},
  };
}

Result<GdbServeOptions> parseGdbServeOptions(const ParsedArgs& args) {
  GdbServeOptions o;
  if (auto p = args.get("port")) {
    auto v = parseUint("port", *p);
    if (!v) return v.error();
    if (*v > 65535) return makeError("--port: '" + *p + "' is not a TCP port");
    o.port = static_cast<uint16_t>(*v);
  }
  o.address = args.get("address").value_or(gdb::GdbServer::kDefaultAddress);
  if (!gdb::GdbServer::isIpv4Address(o.address))
    return makeError("--address: '" + o.address + "' is not an IPv4 address");
  o.once = args.has("once");
  if (auto b = args.get("checkpoint-budget")) {
    auto bytes = parseSize("checkpoint-budget", *b);
    if (!bytes) return bytes.error();
    if (*bytes < kMinCheckpointBudget)
      return makeError("--checkpoint-budget: '" + *b + "' is below 16M");
    o.time_travel.budget_bytes = *bytes;
    o.budget_given = true;
  }
  if (auto path = args.get("console")) {
    o.console_fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o.console_fd < 0) return makeError(*path + ": cannot create");
  }
  return o;
}

int serveGdb(const char* command, const GdbServeOptions& options, gdb::GdbTarget& target,
             Machine& machine, const std::string& what) {
  auto server = gdb::GdbServer::listen(options.address, options.port);
  if (!server) {
    std::fprintf(stderr, "tandem %s: %s\n", command, server.error().message.c_str());
    return kExitFailure;
  }
  g_server_to_stop = server->get();
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::fprintf(stderr, "tandem %s: %s; listening on %s:%u\n", command, what.c_str(),
               (*server)->address().c_str(), (*server)->port());
  std::fflush(stderr);
  gdb::GdbServer::End end = (*server)->serve(target, options.once);
  g_server_to_stop = nullptr;
  std::fprintf(stderr, "tandem %s: %s at icount %llu\n", command,
               end == gdb::GdbServer::End::kKilled       ? "killed by gdb"
               : end == gdb::GdbServer::End::kClientDone ? "client done"
                                                         : "stopped",
               static_cast<unsigned long long>(machine.icount().value()));
  return end == gdb::GdbServer::End::kStopped ? kExitInterrupted : kExitOk;
}

}  // namespace tandem::cli
