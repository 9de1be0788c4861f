// Where guest/fetch-default-guest.sh keeps the default guest (Debian's i386
// kernel and the busybox initramfs): ${TANDEM_GUEST_CACHE}, or else
// ${XDG_CACHE_HOME:-$HOME/.cache}/tandem/guest, the same rule the script uses.
#pragma once

#include <string>

#include "vmm/Result.h"

namespace tandem {

struct DefaultGuest {
  std::string dir;
  std::string kernel;          // bzImage
  std::string initrd;          // gzip'd newc initramfs
  std::string kernel_version;  // e.g. "6.1.0-50-686"

  // The cache directory from the environment (it may not exist).
  static std::string cacheDir();
  // The cached guest, or an error that says how to fetch it.
  static Result<DefaultGuest> find();
};

}  // namespace tandem
