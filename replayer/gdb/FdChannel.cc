#include "replayer/gdb/FdChannel.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "replayer/gdb/GdbPacket.h"
#include "vmm/Log.h"

namespace tandem::gdb {
namespace {

// How often a wait wakes up to look at the stop flag.
constexpr int kStopCheckMs = 200;

}  // namespace

FdChannel::FdChannel(int fd, int listen_fd, const std::atomic<bool>* stop)
    : fd_(fd), listen_fd_(listen_fd), stop_(stop) {}

FdChannel::~FdChannel() { ::close(fd_); }

void FdChannel::rejectWaitingClient() {
  int other = ::accept(listen_fd_, nullptr, nullptr);
  if (other < 0) return;
  // A client that got this far expects a packet: an error names the reason.
  std::string busy = framePacket("E.another gdb is already connected");
  (void)!::send(other, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(other);
  ++rejected_;
  TANDEM_LOG("gdb", Info, "turned away a second client");
}

GdbChannel::ReadResult FdChannel::read(std::span<uint8_t> out, int timeout_ms) {
  if (closed_) return {0, true};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (stop_ && stop_->load(std::memory_order_relaxed)) return {0, true};
    int wait = kStopCheckMs;
    if (timeout_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      wait = static_cast<int>(std::max<long long>(0, std::min<long long>(left, kStopCheckMs)));
    }
    pollfd fds[2] = {{fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    int n = ::poll(fds, listen_fd_ >= 0 ? 2 : 1, wait);
    if (n < 0 && errno != EINTR) {
      closed_ = true;
      return {0, true};
    }
    // The client first: when it has just left, whoever connects next is
    // the next client, not one to turn away.
    if (n > 0 && fds[0].revents) {
      ssize_t got = ::recv(fd_, out.data(), out.size(), 0);
      if (got > 0) return {static_cast<size_t>(got), false};
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      closed_ = true;
      return {0, true};
    }
    if (n > 0 && listen_fd_ >= 0 && (fds[1].revents & POLLIN)) rejectWaitingClient();
    if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) return {0, false};
  }
}

bool FdChannel::write(std::string_view bytes) {
  while (!bytes.empty() && !closed_) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      break;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return !closed_;
}

}  // namespace tandem::gdb
