// Writes a ProcessImage as an i386 ELF core file that gdb opens with the
// process's executable (`gdb busybox core`): one PT_LOAD per run of user
// pages, and a PT_NOTE with NT_PRSTATUS (pid and registers), NT_PRPSINFO
// (name and command line) and NT_AUXV when the auxiliary vector was found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/ProcessImage.h"
#include "vmm/Result.h"

namespace tandem {

class CoreWriter {
 public:
  static std::vector<uint8_t> build(const ProcessImage& image);
  static Status write(const ProcessImage& image, const std::string& path);
};

}  // namespace tandem
