// The byte stream between the stub and one gdb client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tandem::gdb {

class GdbChannel {
 public:
  virtual ~GdbChannel() = default;

  struct ReadResult {
    size_t bytes;  // 0 when nothing arrived in time
    bool closed;   // the client went away (or the server is stopping)
  };
  // Waits up to `timeout_ms` (-1: until something happens, 0: not at all)
  // and reads what has arrived, at most out.size() bytes.
  virtual ReadResult read(std::span<uint8_t> out, int timeout_ms) = 0;
  // Sends all of `bytes`; false when the client is gone.
  virtual bool write(std::string_view bytes) = 0;
};

}  // namespace tandem::gdb
