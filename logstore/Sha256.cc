#include "logstore/Sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "vmm/Assert.h"

namespace tandem {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()), md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  if (!ctx_ || !md_) throw std::bad_alloc();
  TANDEM_ASSERT(EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(md_);
}

void Sha256::update(const void* data, size_t len) {
  TANDEM_ASSERT(EVP_DigestUpdate(ctx_, data, len) == 1);
}

Sha256Digest Sha256::finish() {
  Sha256Digest d;
  unsigned int n = 0;
  TANDEM_ASSERT(EVP_DigestFinal_ex(ctx_, d.data(), &n) == 1 && n == d.size());
  TANDEM_ASSERT(EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1);
  return d;
}

Sha256Digest Sha256::digest(const void* data, size_t len) {
  update(data, len);
  return finish();
}

Sha256Digest sha256(const void* data, size_t len) { return Sha256().digest(data, len); }

Result<Sha256Digest> sha256File(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError(path + ": " + std::strerror(errno));
  Sha256 h;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return makeError(path + ": read failed: " + std::strerror(e));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
  }
  close(fd);
  return h.finish();
}

std::string toHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return s;
}

bool fromHex(std::string_view hex, std::span<uint8_t> out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace tandem
