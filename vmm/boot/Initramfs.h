// Checks an initrd before boot, the way the kernel will read it: a
// sequence of newc cpio archives, each possibly compressed, with zero
// padding between them. A gzip stream is inflated and the archives in it
// walked, so that a truncated or damaged file is reported up front instead
// of as a panic deep in the boot. Data in another compression format, or a
// file that is no cpio archive at all (an old-style ramdisk image, which
// the kernel loads as such), is left to the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vmm/Result.h"
#include "vmm/boot/ImageFile.h"

namespace tandem {

class Initramfs {
 public:
  // An error names the file, the offset and what is wrong.
  static Status check(const ImageFile& image);

 private:
  // Walks archives and padding from the start of `data`; `where` says where
  // the data came from in messages. Compressed data is inflated and walked
  // when `top` (the kernel allows no compression inside compressed data).
  static Status walk(std::span<const uint8_t> data, const std::string& where, bool top);
  // One archive at `pos`: on success, `pos` is just past its trailer.
  static Status walkArchive(std::span<const uint8_t> data, size_t& pos, const std::string& where);
  // Inflates the gzip stream at `pos` into `out`; `pos` is left past it.
  static Result<std::vector<uint8_t>> inflateGzip(std::span<const uint8_t> data, size_t& pos,
                                                  const std::string& where);
};

}  // namespace tandem
