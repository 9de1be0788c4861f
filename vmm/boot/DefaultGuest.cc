#include "vmm/boot/DefaultGuest.h"

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

namespace tandem {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool isFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string DefaultGuest::cacheDir() {
  if (std::string d = env("TANDEM_GUEST_CACHE"); !d.empty()) return d;
  std::string base = env("XDG_CACHE_HOME");
  if (base.empty()) base = env("HOME") + "/.cache";
  return base + "/tandem/guest";
}

Result<DefaultGuest> DefaultGuest::find() {
  DefaultGuest g;
  g.dir = cacheDir();
  g.kernel = g.dir + "/vmlinuz";
  g.initrd = g.dir + "/initramfs.cpio.gz";
  std::ifstream version(g.dir + "/kernel-version");
  if (!isFile(g.kernel) || !isFile(g.initrd) || !std::getline(version, g.kernel_version))
    return makeError("the default guest is not in " + g.dir +
                     "; fetch it with guest/fetch-default-guest.sh");
  return g;
}

}  // namespace tandem
