#include "logstore/SnapshotWriter.h"

#include <cstring>

#include "logstore/BundleWriter.h"

namespace tandem {

SnapshotWriter::SnapshotWriter(BundleWriter& writer, uint32_t number, pb::MachineSnapshot msg)
    : writer_(writer),
      number_(number),
      msg_(std::move(msg)),
      full_(!msg_.has_base_snapshot()),
      page_limit_(msg_.memory_bytes() / kPageSize) {
  const unsigned width = writer_.pool_.width();
  for (unsigned w = 0; w < width; ++w) {
    encoders_.push_back(std::make_unique<PageEncoder>(writer_.options_.page_zstd_level));
    hashers_.push_back(std::make_unique<Sha256>());
  }
  const size_t batch = writer_.options_.pages_per_section;
  pages_.reserve(batch * kPageSize);
  records_.resize(batch * kMaxPageRecordSize);
  record_sizes_.resize(batch);
  digests_.resize(batch);
}

SnapshotWriter::~SnapshotWriter() {
  // An abandoned snapshot leaves PAGES sections nothing refers to, which
  // readers ignore; the bundle stays usable for the finished snapshots.
  if (!done_) writer_.snapshot_open_ = false;
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
  refs_.push_back(msg_.pages_size() - 1);
  pages_.insert(pages_.end(), page, page + kPageSize);
  if (refs_.size() >= writer_.options_.pages_per_section) return flushBatch();
  return {};
}

Status SnapshotWriter::flushBatch() {
  const size_t n = refs_.size();
  if (n == 0) return {};
  // In parallel: digest and record of every page of the batch.
  writer_.pool_.run(n, [&](unsigned w, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const uint8_t* page = pages_.data() + i * kPageSize;
      digests_[i] = hashers_[w]->digest(page, kPageSize);
      record_sizes_[i] = static_cast<uint32_t>(
          encoders_[w]->encode(page, digests_[i], records_.data() + i * kMaxPageRecordSize));
    }
  });
  // In order: pages new to the bundle go into this batch's section, whose
  // ordinal is known only once it is written; until then they (and their
  // duplicates in the batch) point at a placeholder.
  constexpr uint32_t kPendingSection = UINT32_MAX;
  std::vector<int> pending;          // refs into this batch's section
  std::vector<Sha256Digest> fresh;   // pages stored in it
  section_.clear();
  for (size_t i = 0; i < n; ++i) {
    pb::PageRef* ref = msg_.mutable_pages(refs_[i]);
    ref->set_sha256(digests_[i].data(), digests_[i].size());
    auto [it, inserted] = writer_.stored_pages_.try_emplace(digests_[i]);
    if (inserted) {
      it->second = PageLocation{kPendingSection, static_cast<uint32_t>(section_.size())};
      const uint8_t* rec = records_.data() + i * kMaxPageRecordSize;
      section_.insert(section_.end(), rec, rec + record_sizes_[i]);
      fresh.push_back(digests_[i]);
    }
    ref->set_section(it->second.section);
    ref->set_offset(it->second.offset);
    if (it->second.section == kPendingSection) pending.push_back(refs_[i]);
  }
  refs_.clear();
  pages_.clear();
  if (fresh.empty()) return {};
  pb::SectionEntry entry;
  entry.set_count(static_cast<uint32_t>(fresh.size()));
  entry.set_snapshot(number_);
  auto ordinal = writer_.emitSection(SectionType::kPages, Codec::kNone, section_, std::move(entry));
  if (!ordinal) return ordinal.error();
  for (int r : pending) msg_.mutable_pages(r)->set_section(*ordinal);
  for (const Sha256Digest& d : fresh) writer_.stored_pages_[d].section = *ordinal;
  return {};
}

Result<uint32_t> SnapshotWriter::finish() {
  if (done_) return makeError("snapshot " + std::to_string(number_) + " is already finished");
  if (auto s = flushBatch(); !s) return s.error();
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
