// Where bytes a UART transmits go (the terminal, a capture buffer, a log).
#pragma once

#include <cstdint>

namespace tandem {

class ConsoleSink {
 public:
  virtual ~ConsoleSink() = default;
  virtual void consoleWrite(uint8_t byte) = 0;
};

}  // namespace tandem
