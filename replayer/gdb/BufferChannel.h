// A channel over memory: the client's bytes are given up front, and what
// the stub sends is collected. The stream closes when the input is used
// up. For driving a connection from a test or a fuzzer in one thread.
#pragma once

#include <string>
#include <vector>

#include "replayer/gdb/GdbChannel.h"

namespace tandem::gdb {

class BufferChannel final : public GdbChannel {
 public:
  // `keep_output`: false counts the bytes sent without keeping them.
  BufferChannel(std::span<const uint8_t> input, size_t read_chunk, bool keep_output = true);

  ReadResult read(std::span<uint8_t> out, int timeout_ms) override;
  bool write(std::string_view bytes) override;

  const std::string& output() const { return output_; }
  size_t bytesSent() const { return sent_; }

 private:
  std::vector<uint8_t> input_;
  size_t pos_ = 0;
  size_t read_chunk_;
  bool keep_output_;
  std::string output_;
  size_t sent_ = 0;
};

}  // namespace tandem::gdb
