#include "logstore/SnapshotWriter.h"

#include <limits>

#include "logstore/BundleWriter.h"

namespace tandem {
namespace {

constexpr uint32_t kPendingSection = std::numeric_limits<uint32_t>::max();

}  // namespace

SnapshotWriter::SnapshotWriter(BundleWriter& writer, uint32_t number, pb::MachineSnapshot msg,
                               int zstd_level)
    : writer_(writer),
      number_(number),
      msg_(std::move(msg)),
      full_(!msg_.has_base_snapshot()),
      page_limit_(msg_.memory_bytes() / kPageSize),
      encoder_(zstd_level) {}

SnapshotWriter::~SnapshotWriter() {
  // An abandoned snapshot leaves unreferenced PAGES sections, which readers
  // ignore; the bundle stays usable for the snapshots that were finished.
  if (done_) return;
  for (const Sha256Digest& sha : pending_new_) writer_.stored_pages_.erase(sha);
  writer_.snapshot_open_ = false;
}

Status SnapshotWriter::addPage(uint64_t pfn, const uint8_t* page) {
  if (done_) return makeError("snapshot " + std::to_string(number_) + " is already finished");
  if (pfn >= page_limit_)
    return makeError("page frame " + std::to_string(pfn) + " is outside guest memory of " +
                     std::to_string(msg_.memory_bytes()) + " bytes");
  if (last_pfn_ && pfn <= *last_pfn_)
    return makeError("page frames out of order (" + std::to_string(pfn) + " after " +
                     std::to_string(*last_pfn_) + ")");
  last_pfn_ = pfn;
  bool zero = isZeroPage(page);
  if (zero && full_) return {};
  pb::PageRef* ref = msg_.add_pages();
  ref->set_pfn(pfn);
  if (zero) {
    ref->set_sha256(zeroPageDigest().data(), zeroPageDigest().size());
    return {};
  }
  Sha256Digest sha = sha_.digest(page, kPageSize);
  ref->set_sha256(sha.data(), sha.size());
  auto [it, inserted] = writer_.stored_pages_.try_emplace(sha);
  if (inserted) {
    it->second = PageLocation{kPendingSection, static_cast<uint32_t>(section_.size())};
    encoder_.append(page, sha, section_);
    pending_new_.push_back(sha);
    ++section_records_;
  }
  ref->set_section(it->second.section);
  ref->set_offset(it->second.offset);
  if (it->second.section == kPendingSection) pending_refs_.push_back(msg_.pages_size() - 1);
  if (section_records_ >= writer_.options_.pages_per_section) return flushPages();
  return {};
}

Status SnapshotWriter::flushPages() {
  if (section_records_ == 0) return {};
  pb::SectionEntry entry;
  entry.set_count(section_records_);
  entry.set_snapshot(number_);
  auto ordinal = writer_.emitSection(SectionType::kPages, Codec::kNone, section_, std::move(entry));
  if (!ordinal) return ordinal.error();
  for (int i : pending_refs_) msg_.mutable_pages(i)->set_section(*ordinal);
  for (const Sha256Digest& sha : pending_new_) writer_.stored_pages_[sha].section = *ordinal;
  pending_refs_.clear();
  pending_new_.clear();
  section_.clear();
  section_records_ = 0;
  return {};
}

Result<uint32_t> SnapshotWriter::finish() {
  if (done_) return makeError("snapshot " + std::to_string(number_) + " is already finished");
  if (auto s = flushPages(); !s) return s.error();
  done_ = true;
  pb::SectionEntry entry;
  entry.set_snapshot(number_);
  entry.set_snapshot_icount(msg_.icount());
  auto ordinal = writer_.emitMessage(SectionType::kSnapshot, msg_, true, std::move(entry));
  if (!ordinal) return ordinal.error();
  if (auto s = writer_.snapshotDone(number_, msg_.icount(), msg_.memory_bytes()); !s) return s.error();
  return number_;
}

}  // namespace tandem
