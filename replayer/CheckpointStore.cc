#include "replayer/CheckpointStore.h"

#include <algorithm>
#include <cstring>

#include "logstore/PageRecord.h"
#include "vmm/Assert.h"

namespace tandem {
namespace {

uint64_t stateBytes(const MachineState& s, const std::vector<uint8_t>& door) {
  uint64_t n = sizeof(CpuState) + door.size();
  for (const DeviceBlob& d : s.devices) n += sizeof d + d.name.size() + d.state.size();
  return n;
}

}  // namespace

CheckpointStore::CheckpointStore(Machine& machine, CheckpointDoor& door, uint64_t budget_bytes)
    : machine_(machine),
      door_(door),
      budget_(budget_bytes),
      versions_(machine.memory().pageCount()),
      marks_(machine.memory().pageCount()) {}

uint64_t CheckpointStore::versionBytes(const PageVersion& v) {
  return sizeof v + (v.data ? kPageSize : 0);
}

size_t CheckpointStore::indexAtOrBefore(uint64_t icount) const {
  auto it = std::upper_bound(cps_.begin(), cps_.end(), icount,
                             [](uint64_t at, const Checkpoint& c) { return at < c.icount; });
  return it == cps_.begin() ? cps_.size() : static_cast<size_t>(it - cps_.begin()) - 1;
}

bool CheckpointStore::has(uint64_t icount) const {
  size_t k = indexAtOrBefore(icount);
  return k < cps_.size() && cps_[k].icount == icount;
}

bool CheckpointStore::rewrittenAt(uint64_t icount) const {
  size_t k = indexAtOrBefore(icount);
  return k < cps_.size() && cps_[k].icount == icount && cps_[k].rewritten;
}

std::optional<uint64_t> CheckpointStore::atOrBefore(uint64_t icount) const {
  size_t k = indexAtOrBefore(icount);
  if (k == cps_.size()) return std::nullopt;
  return cps_[k].icount;
}

std::optional<uint64_t> CheckpointStore::after(uint64_t icount) const {
  size_t k = indexAtOrBefore(icount);
  size_t next = k == cps_.size() ? 0 : k + 1;
  if (next >= cps_.size()) return std::nullopt;
  return cps_[next].icount;
}

void CheckpointStore::markFramesBetween(uint64_t lo, uint64_t hi, std::vector<uint32_t>* out) {
  for (const Checkpoint& c : cps_) {
    if (c.icount <= lo) continue;
    if (c.icount > hi) break;
    for (uint32_t f : c.frames) {
      if (marks_[f]) continue;
      marks_[f] = 1;
      out->push_back(f);
    }
  }
}

std::vector<uint32_t> CheckpointStore::framesToRestore(uint64_t target) {
  const PhysMemory& mem = machine_.memory();
  std::vector<uint32_t> out;
  if (!base_) {
    for (uint32_t f = 0; f < mem.pageCount(); ++f) out.push_back(f);
    return out;
  }
  const std::vector<uint8_t>& dirty = mem.dirtyMap();
  for (uint32_t f = 0; f < dirty.size(); ++f) {
    if (!dirty[f]) continue;
    marks_[f] = 1;
    out.push_back(f);
  }
  markFramesBetween(std::min(*base_, target), std::max(*base_, target), &out);
  for (uint32_t f : out) marks_[f] = 0;
  std::sort(out.begin(), out.end());
  return out;
}

void CheckpointStore::storePage(uint32_t frame, uint64_t icount) {
  const uint8_t* page = machine_.memory().base() + uint64_t{frame} * kPageSize;
  PageVersion v{icount, nullptr};
  if (!isZeroPage(page)) {
    v.data = std::make_unique<uint8_t[]>(kPageSize);
    std::memcpy(v.data.get(), page, kPageSize);
  }
  bytes_ += versionBytes(v) + sizeof frame;
  std::vector<PageVersion>& vs = versions_[frame];
  auto at = std::lower_bound(vs.begin(), vs.end(), icount,
                             [](const PageVersion& p, uint64_t i) { return p.icount < i; });
  vs.insert(at, std::move(v));
}

void CheckpointStore::take(bool rewritten) {
  uint64_t at = machine_.icount().value();
  TANDEM_ASSERT(!has(at));
  Checkpoint c{at, machine_.saveState(), door_.saveDoorState(), {}, 0, rewritten};
  c.state_bytes = sizeof c + stateBytes(c.state, c.door);
  // RAM differs from the checkpoint before this one in the dirty pages and
  // in those stored between the base and it (none when the base is it).
  // With no base, RAM is unrelated to any checkpoint: every page is stored.
  c.frames = framesToRestore(base_ ? *atOrBefore(at) : at);
  for (uint32_t f : c.frames) storePage(f, at);
  bytes_ += c.state_bytes;
  size_t k = indexAtOrBefore(at);
  cps_.insert(cps_.begin() + static_cast<ptrdiff_t>(k == cps_.size() ? 0 : k + 1), std::move(c));
  base_ = at;
  machine_.cpu().clearDirtyPages();
  keepWithinBudget();
}

uint64_t CheckpointStore::restore(uint64_t icount) {
  size_t k = indexAtOrBefore(icount);
  TANDEM_ASSERT(k < cps_.size());
  const Checkpoint& c = cps_[k];
  uint8_t* ram = machine_.memory().base();
  for (uint32_t f : framesToRestore(c.icount)) {
    const std::vector<PageVersion>& vs = versions_[f];
    auto it = std::upper_bound(vs.begin(), vs.end(), c.icount,
                               [](uint64_t i, const PageVersion& p) { return i < p.icount; });
    TANDEM_ASSERT(it != vs.begin());  // the first checkpoint holds every page
    const PageVersion& v = *(it - 1);
    uint8_t* page = ram + uint64_t{f} * kPageSize;
    if (v.data) std::memcpy(page, v.data.get(), kPageSize);
    else std::memset(page, 0, kPageSize);
  }
  Status s = machine_.restoreState(c.state);
  TANDEM_ASSERT(s);  // saved by this machine
  Status d = door_.restoreDoorState(c.door);
  TANDEM_ASSERT(d);
  machine_.cpu().clearDirtyPages();
  base_ = c.icount;
  return c.icount;
}

void CheckpointStore::passed() {
  uint64_t at = machine_.icount().value();
  TANDEM_ASSERT(has(at) && !rewrittenAt(at));
  machine_.cpu().clearDirtyPages();
  base_ = at;
}

void CheckpointStore::eraseVersion(uint32_t frame, uint64_t icount) {
  std::vector<PageVersion>& vs = versions_[frame];
  auto it = std::find_if(vs.begin(), vs.end(), [&](const PageVersion& v) { return v.icount == icount; });
  TANDEM_ASSERT(it != vs.end());
  bytes_ -= versionBytes(*it) + sizeof frame;
  vs.erase(it);
}

void CheckpointStore::dropFrom(uint64_t icount) {
  size_t keep = static_cast<size_t>(
      std::lower_bound(cps_.begin(), cps_.end(), icount,
                       [](const Checkpoint& c, uint64_t i) { return c.icount < i; }) -
      cps_.begin());
  if (keep == cps_.size()) return;
  if (base_ && *base_ >= icount) {
    // RAM is tracked against a checkpoint about to go: track it against the
    // one before, through the pages that changed between the two.
    std::vector<uint32_t> changed;
    std::optional<uint64_t> before = keep > 0 ? std::optional(cps_[keep - 1].icount) : std::nullopt;
    if (before) {
      markFramesBetween(*before, *base_, &changed);
      for (uint32_t f : changed) {
        marks_[f] = 0;
        machine_.memory().markDirty(f);
      }
    }
    base_ = before;
  }
  for (size_t k = keep; k < cps_.size(); ++k) {
    for (uint32_t f : cps_[k].frames) eraseVersion(f, cps_[k].icount);
    bytes_ -= cps_[k].state_bytes;
  }
  cps_.erase(cps_.begin() + static_cast<ptrdiff_t>(keep), cps_.end());
}

bool CheckpointStore::drop(uint64_t icount) {
  size_t k = indexAtOrBefore(icount);
  if (k == 0 || k + 1 >= cps_.size() || cps_[k].icount != icount || cps_[k].rewritten)
    return false;
  dropCheckpoint(k);
  return true;
}

void CheckpointStore::dropCheckpoint(size_t k) {
  TANDEM_ASSERT(k > 0 && k + 1 < cps_.size());
  Checkpoint& c = cps_[k];
  Checkpoint& next = cps_[k + 1];
  if (base_ == c.icount) {
    for (uint32_t f : c.frames) machine_.memory().markDirty(f);
    base_ = cps_[k - 1].icount;
  }
  size_t moved_from = next.frames.size();
  for (uint32_t f : c.frames) {
    std::vector<PageVersion>& vs = versions_[f];
    auto it = std::find_if(vs.begin(), vs.end(), [&](const PageVersion& v) { return v.icount == c.icount; });
    TANDEM_ASSERT(it != vs.end());
    if (it + 1 != vs.end() && (it + 1)->icount == next.icount) {
      bytes_ -= versionBytes(*it) + sizeof f;
      vs.erase(it);
    } else {
      // Unchanged until the next checkpoint: this version is its too.
      it->icount = next.icount;
      next.frames.push_back(f);
    }
  }
  std::inplace_merge(next.frames.begin(), next.frames.begin() + static_cast<ptrdiff_t>(moved_from),
                     next.frames.end());
  bytes_ -= c.state_bytes;
  cps_.erase(cps_.begin() + static_cast<ptrdiff_t>(k));
}

void CheckpointStore::keepWithinBudget() {
  while (bytes_ > budget_ && cps_.size() > 2) {
    size_t best = 0;
    uint64_t best_gap = UINT64_MAX;
    for (size_t k = 1; k + 1 < cps_.size(); ++k) {
      if (cps_[k].rewritten) continue;
      uint64_t gap = cps_[k + 1].icount - cps_[k - 1].icount;
      if (gap < best_gap) {
        best_gap = gap;
        best = k;
      }
    }
    if (best == 0) break;
    dropCheckpoint(best);
  }
}

}  // namespace tandem
