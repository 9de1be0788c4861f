// Checks everything an archive holds: every stored page against its
// SHA-256, every pack's accounting, every reference count against the
// layouts that make it, and every bundle rebuilt from the archive against
// its identity (which checks each of its sections' checksums again).
// Problems are collected, not stopped at, so one damaged page does not hide
// the rest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logstore/Archive.h"

namespace tandem {

struct ArchiveVerification {
  uint64_t bundles = 0;
  uint64_t pages = 0;
  uint64_t packs = 0;
  std::vector<std::string> problems;  // empty when the archive is sound
};

Result<ArchiveVerification> verifyArchive(const Archive& archive);

}  // namespace tandem
