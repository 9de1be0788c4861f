// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, which uses the SHA
// extensions of the host CPU when present. Page identities in bundles and in
// the archive, bundle identities and kernel/initrd digests are SHA-256.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vmm/Result.h"

struct evp_md_ctx_st;
struct evp_md_st;

namespace tandem {

using Sha256Digest = std::array<uint8_t, 32>;

// An incremental hasher. One object can hash many messages: digest() of a
// whole buffer, or update()* then finish(), which also resets it.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t len);
  Sha256Digest finish();
  Sha256Digest digest(const void* data, size_t len);

 private:
  evp_md_ctx_st* ctx_;
  evp_md_st* md_;
};

// One-shot convenience (sets up a hasher per call; use Sha256 in loops).
Sha256Digest sha256(const void* data, size_t len);

// SHA-256 of a whole file, read in bounded pieces.
Result<Sha256Digest> sha256File(const std::string& path);

// Lower-case hexadecimal.
std::string toHex(std::span<const uint8_t> bytes);
// Parses an even-length hexadecimal string; false on any other character.
bool fromHex(std::string_view hex, std::span<uint8_t> out);

}  // namespace tandem
