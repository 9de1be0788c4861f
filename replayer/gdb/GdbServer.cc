#include "replayer/gdb/GdbServer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "replayer/gdb/FdChannel.h"
#include "replayer/gdb/GdbConnection.h"
#include "vmm/Log.h"

namespace tandem::gdb {
namespace {

constexpr int kAcceptPollMs = 200;

}  // namespace

GdbServer::GdbServer(int fd, std::string address, uint16_t port)
    : fd_(fd), address_(std::move(address)), port_(port) {}

GdbServer::~GdbServer() { ::close(fd_); }

bool GdbServer::isIpv4Address(const std::string& address) {
  in_addr a;
  return ::inet_pton(AF_INET, address.c_str(), &a) == 1;
}

Result<std::unique_ptr<GdbServer>> GdbServer::listen(const std::string& address, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1)
    return makeError("'" + address + "' is not an IPv4 address");
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return makeError(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string where = address + ":" + std::to_string(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 1) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return makeError("cannot listen on " + where + ": " + why);
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return std::unique_ptr<GdbServer>(new GdbServer(fd, address, ntohs(sa.sin_port)));
}

GdbServer::End GdbServer::serve(GdbTarget& target, bool once) {
  for (;;) {
    if (stop_.load(std::memory_order_relaxed)) return End::kStopped;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, kAcceptPollMs) <= 0) continue;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int one = 1;
    // Packets are small and answered one by one: send them at once.
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++served_;
    TANDEM_LOG("gdb", Info, "client connected");
    FdChannel channel(client, fd_, &stop_);
    GdbConnection connection(channel, target);
    GdbConnection::End end = connection.serve();
    target.clearBreakpointsAndWatchpoints();
    const auto& st = connection.stats();
    TANDEM_LOG("gdb", Info, "client done: %llu packets, %llu bad checksums, %llu too long",
               static_cast<unsigned long long>(st.packets),
               static_cast<unsigned long long>(st.bad_checksums),
               static_cast<unsigned long long>(st.too_long));
    if (end == GdbConnection::End::kKilled) return End::kKilled;
    if (stop_.load(std::memory_order_relaxed)) return End::kStopped;
    if (once) return End::kClientDone;
  }
}

}  // namespace tandem::gdb
