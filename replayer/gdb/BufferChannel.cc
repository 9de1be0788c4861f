#include "replayer/gdb/BufferChannel.h"

#include <algorithm>
#include <cstring>

namespace tandem::gdb {

BufferChannel::BufferChannel(std::span<const uint8_t> input, size_t read_chunk, bool keep_output)
    : input_(input.begin(), input.end()),
      read_chunk_(std::max<size_t>(read_chunk, 1)),
      keep_output_(keep_output) {}

GdbChannel::ReadResult BufferChannel::read(std::span<uint8_t> out, int) {
  if (pos_ == input_.size()) return {0, true};
  size_t n = std::min({out.size(), read_chunk_, input_.size() - pos_});
  std::memcpy(out.data(), input_.data() + pos_, n);
  pos_ += n;
  return {n, false};
}

bool BufferChannel::write(std::string_view bytes) {
  sent_ += bytes.size();
  if (keep_output_) output_ += bytes;
  return true;
}

}  // namespace tandem::gdb
