#include "vmm/cpu/BlockCache.h"

#include <cstring>
#include <new>

#include "vmm/Assert.h"
#include "vmm/Types.h"

namespace tandem {

BlockCache::BlockCache(uint64_t ram_pages) : fast_(1u << kFastBits, nullptr), has_code_(ram_pages, 0) {}

BlockCache::~BlockCache() {
  clear();
  freeRetired();
}

void BlockCache::destroy(Block* b) {
  b->~Block();
  ::operator delete(b);
}

const Block* BlockCache::findSlow(uint64_t key) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  fast_[hash(key)] = it->second;
  return it->second;
}

const Block* BlockCache::insert(uint64_t key, uint32_t phys, uint32_t bytes, const Insn* insns,
                                uint32_t count) {
  void* mem = ::operator new(sizeof(Block) + sizeof(Insn) * count);
  Block* b = new (mem) Block{key, phys, bytes, count, nullptr, {nullptr, nullptr}, {0, 0}, {0, 0}};
  b->insns = reinterpret_cast<Insn*>(static_cast<char*>(mem) + sizeof(Block));
  std::memcpy(static_cast<void*>(b->insns), insns, sizeof(Insn) * count);
  auto [it, inserted] = map_.emplace(key, b);
  TANDEM_ASSERT(inserted);  // callers insert only after a failed find
  fast_[hash(key)] = b;
  uint64_t pfn = phys >> kPageShift;
  if (pfn < has_code_.size()) has_code_[pfn] = 1;
  page_blocks_[pfn].push_back(b);
  return b;
}

bool BlockCache::invalidatePage(uint64_t pfn) {
  auto it = page_blocks_.find(pfn);
  if (pfn < has_code_.size()) has_code_[pfn] = 0;
  if (it == page_blocks_.end()) return false;
  ++generation_;
  for (Block* b : it->second) {
    auto m = map_.find(b->key);
    if (m != map_.end() && m->second == b) map_.erase(m);
    Block*& slot = fast_[hash(b->key)];
    if (slot == b) slot = nullptr;
    retired_.push_back(b);
  }
  page_blocks_.erase(it);
  return true;
}

void BlockCache::clear() {
  ++generation_;
  for (auto& [key, b] : map_) retired_.push_back(b);
  map_.clear();
  page_blocks_.clear();
  std::fill(fast_.begin(), fast_.end(), nullptr);
  std::fill(has_code_.begin(), has_code_.end(), 0);
}

void BlockCache::freeRetired() {
  for (Block* b : retired_) destroy(b);
  retired_.clear();
}

}  // namespace tandem
