// Listens for gdb on a TCP address (127.0.0.1 unless told otherwise) and
// serves one client at a time against one target: a client that connects
// while another is served is turned away at once. Serving ends when a
// client kills the target, when the first client is done (`once`), or when
// stop() is called (it may be called from a signal handler).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "replayer/gdb/GdbTarget.h"
#include "vmm/Result.h"

namespace tandem::gdb {

class GdbServer {
 public:
  static constexpr const char* kDefaultAddress = "127.0.0.1";

  // Whether `address` is a dotted IPv4 address the server can listen on.
  static bool isIpv4Address(const std::string& address);
  // Binds and listens; port 0 picks a free port (see port()).
  static Result<std::unique_ptr<GdbServer>> listen(const std::string& address, uint16_t port);
  ~GdbServer();
  GdbServer(const GdbServer&) = delete;
  GdbServer& operator=(const GdbServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }

  enum class End : uint8_t { kKilled, kClientDone, kStopped };
  End serve(GdbTarget& target, bool once);
  void stop() { stop_.store(true, std::memory_order_relaxed); }

  uint64_t clientsServed() const { return served_; }

 private:
  GdbServer(int fd, std::string address, uint16_t port);

  int fd_;
  std::string address_;
  uint16_t port_;
  std::atomic<bool> stop_{false};
  uint64_t served_ = 0;
};

}  // namespace tandem::gdb
