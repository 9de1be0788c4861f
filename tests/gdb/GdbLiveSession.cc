#include "tests/gdb/GdbLiveSession.h"

#include <csignal>
#include <cstdlib>

namespace tandem::test {
namespace {

constexpr char kListening[] = "listening on 127.0.0.1:";

}  // namespace

std::vector<uint64_t> monitorIcounts(const std::string& gdb_output) {
  std::vector<uint64_t> v;
  std::regex re(R"(icount (\d+)\n)");
  for (auto it = std::sregex_iterator(gdb_output.begin(), gdb_output.end(), re);
       it != std::sregex_iterator(); ++it)
    v.push_back(std::stoull((*it)[1]));
  return v;
}

GdbLiveSession::GdbLiveSession(const std::vector<std::string>& extra_args, Clients clients)
    : symbols_(kGdbTestGuest) {
  std::vector<std::string> argv = {TANDEM_BIN, "gdb-live", "--kernel", kGdbTestGuest, "--port", "0"};
  if (clients == kOneClient) argv.push_back("--once");
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  startServer(argv);
}

GdbLiveSession::GdbLiveSession(DefaultGuest, const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {TANDEM_BIN, "gdb-live", "--port", "0", "--once", "--console", "/dev/null"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  startServer(argv);
}

GdbLiveSession::GdbLiveSession(Command command) : symbols_(std::move(command.symbols)) {
  std::vector<std::string> argv = {TANDEM_BIN};
  argv.insert(argv.end(), command.argv.begin(), command.argv.end());
  argv.push_back("--port");
  argv.push_back("0");
  startServer(argv);
}

void GdbLiveSession::startServer(std::vector<std::string> argv) {
  server_ = Subprocess::start(argv, Subprocess::Capture::kStderrOnly);
  // A bundle of the default guest takes a while to load on a loaded machine.
  if (!server_ || !server_->waitFor(kListening, 60000) || !server_->waitFor("\n", 1000)) return;
  const std::string& out = server_->output();
  port_ = std::atoi(out.c_str() + out.find(kListening) + sizeof kListening - 1);
}

GdbLiveSession::~GdbLiveSession() {
  if (server_) {
    server_->signal(SIGTERM);
    server_->wait(5000);
  }
}

std::unique_ptr<Subprocess> GdbLiveSession::startGdb(const std::vector<std::string>& commands) {
  std::vector<std::string> argv = {TANDEM_GDB, "-nx", "-batch", "-ex", "set pagination off"};
  if (!symbols_.empty()) argv.push_back(symbols_);
  argv.push_back("-ex");
  argv.push_back("target remote 127.0.0.1:" + std::to_string(port_));
  for (const std::string& c : commands) {
    argv.push_back("-ex");
    argv.push_back(c);
  }
  return Subprocess::start(argv, Subprocess::Capture::kStdoutAndStderr);
}

std::string GdbLiveSession::gdb(const std::vector<std::string>& commands) {
  auto g = startGdb(commands);
  if (!g) return "<gdb did not start>";
  g->wait(kGdbTimeoutMs);
  return g->output();
}

int GdbLiveSession::serverExit(std::string* output) {
  int status = server_->wait(10000);
  if (output) *output = server_->output();
  return status;
}

}  // namespace tandem::test
