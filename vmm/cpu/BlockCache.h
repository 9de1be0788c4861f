// Decoded basic blocks, keyed by the physical address of their first byte
// and the decoding mode. A block never spans a page, so writing to a page
// invalidates exactly the blocks of that page. Invalidated blocks are
// retired, not freed, until the run loop is outside any block (a guest may
// overwrite the block it is executing).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "vmm/cpu/Insn.h"

namespace tandem {

struct Block {
  uint64_t key;    // BlockCache::makeKey(phys, mode)
  uint32_t phys;   // physical address of the first instruction
  uint32_t bytes;  // total length of the instructions
  uint32_t count;  // number of instructions
  Insn* insns;     // `count` entries, stored after the Block
  // Blocks that followed this one in the same page, valid while the cache's
  // generation is unchanged (no block has been dropped since): succ[k]
  // starts succ_delta[k] bytes after this block's first instruction.
  const Block* succ[2];
  uint64_t succ_gen[2];
  uint32_t succ_delta[2];
};

class BlockCache {
 public:
  static constexpr unsigned kMaxInsns = 64;

  explicit BlockCache(uint64_t ram_pages);
  ~BlockCache();

  static uint64_t makeKey(uint32_t phys, unsigned mode) {
    return (uint64_t{mode} << 32) | phys;
  }

  const Block* find(uint64_t key) {
    Block* b = fast_[hash(key)];
    if (b && b->key == key) return b;
    return findSlow(key);
  }

  // Allocates a block for `count` instructions copied from `insns`.
  const Block* insert(uint64_t key, uint32_t phys, uint32_t bytes, const Insn* insns,
                      uint32_t count);

  bool pageHasCode(uint64_t pfn) const { return pfn < has_code_.size() && has_code_[pfn]; }
  // Retires every block on the page. Returns true if there was any.
  bool invalidatePage(uint64_t pfn);
  void clear();
  void freeRetired();
  bool hasRetired() const { return !retired_.empty(); }
  // Changes whenever a block is dropped; links between blocks record it.
  uint64_t generation() const { return generation_; }
  size_t blockCount() const { return map_.size(); }

 private:
  static constexpr unsigned kFastBits = 14;
  static unsigned hash(uint64_t key) {
    return static_cast<unsigned>((key ^ (key >> 13) ^ (key >> 32)) & ((1u << kFastBits) - 1));
  }
  const Block* findSlow(uint64_t key);
  static void destroy(Block* b);

  std::vector<Block*> fast_;
  std::unordered_map<uint64_t, Block*> map_;
  std::vector<uint8_t> has_code_;
  std::unordered_map<uint64_t, std::vector<Block*>> page_blocks_;
  std::vector<Block*> retired_;
  uint64_t generation_ = 1;
};

}  // namespace tandem
