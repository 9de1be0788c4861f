// A channel over a connected socket. While it waits for the client it
// also turns away anyone else who connects to the server's listening
// socket (one client at a time), and gives up when the server is asked to
// stop.
#pragma once

#include <atomic>

#include "replayer/gdb/GdbChannel.h"

namespace tandem::gdb {

class FdChannel final : public GdbChannel {
 public:
  // Takes ownership of `fd`. `listen_fd` (or -1) is the server's listening
  // socket; `stop` (or nullptr) is polled while waiting.
  FdChannel(int fd, int listen_fd, const std::atomic<bool>* stop);
  ~FdChannel() override;
  FdChannel(const FdChannel&) = delete;
  FdChannel& operator=(const FdChannel&) = delete;

  ReadResult read(std::span<uint8_t> out, int timeout_ms) override;
  bool write(std::string_view bytes) override;

  // Connections turned away while this one was served.
  uint64_t rejected() const { return rejected_; }

 private:
  int fd_;
  int listen_fd_;
  const std::atomic<bool>* stop_;
  bool closed_ = false;
  uint64_t rejected_ = 0;

  void rejectWaitingClient();
};

}  // namespace tandem::gdb
