#include "analysis/PrintkLog.h"

#include <gtest/gtest.h>

#include "tests/unit/analysis/CraftedMemory.h"

namespace tandem {
namespace {

using testing::CraftedMemory;

constexpr uint32_t kMask = (1u << 30) - 1;

// Writes records into a printk_ringbuffer the way 6.1's printk does.
class RingBuilder {
 public:
  RingBuilder(CraftedMemory& m, uint32_t count_bits, uint32_t size_bits, uint32_t first_id)
      : m_(m), count_bits_(count_bits), size_bits_(size_bits), next_id_(first_id & kMask) {
    ring = m.alloc(64);
    descs = m.alloc(12u << count_bits);
    infos = m.alloc(88u << count_bits);
    data = m.alloc(1u << size_bits);
    tail_id_ = next_id_;
    // The seq of a slot is congruent to its index: start at that residue.
    next_seq_ = 1000 * (1u << count_bits) + (next_id_ & ((1u << count_bits) - 1));
    lpos_ = 5u << size_bits;
  }

  // Appends one record; `state` 2 is finalized, 0 still being written.
  uint32_t add(const std::string& text, uint8_t level, uint64_t ts, uint32_t state = 2,
               bool with_text = true) {
    uint32_t id = next_id_;
    uint32_t idx = id & ((1u << count_bits_) - 1);
    uint32_t size = 1u << size_bits_;
    uint32_t begin = 1, next = 1;  // FAILED_LPOS: no data
    if (with_text) {
      uint32_t blk = (4 + static_cast<uint32_t>(text.size()) + 3) & ~3u;
      begin = lpos_;
      uint32_t at = lpos_ % size;
      if (at + blk > size) {
        next = (lpos_ / size + 1) * size + blk;
        at = 0;
      } else {
        next = lpos_ + blk;
      }
      lpos_ = next;
      m_.put32(data + at, id);
      m_.put(data + at + 4, text.data(), text.size());
    }
    m_.put32(descs + idx * 12, (state << 30) | id);
    m_.put32(descs + idx * 12 + 4, begin);
    m_.put32(descs + idx * 12 + 8, next);
    uint32_t info = infos + idx * 88;
    m_.put64(info, next_seq_++);
    m_.put64(info + 8, ts);
    m_.put16(info + 16, static_cast<uint16_t>(text.size()));
    uint8_t fl[2] = {0, static_cast<uint8_t>(level << 5)};
    m_.put(info + 18, fl, 2);
    head_id_ = id;
    next_id_ = (id + 1) & kMask;
    writeHeader();
    return info;
  }

  // Makes the oldest record reusable and moves the tail past it, as the
  // kernel does when it needs the record's data space.
  void expireOldest() {
    uint32_t idx = tail_id_ & ((1u << count_bits_) - 1);
    m_.put32(descs + idx * 12, (3u << 30) | tail_id_);
    tail_id_ = (tail_id_ + 1) & kMask;
    writeHeader();
  }

  void writeHeader() {
    uint32_t h[9] = {count_bits_, descs, infos, head_id_, tail_id_,
                     size_bits_,  data,  lpos_,  5u << size_bits_};
    m_.put(ring, h, sizeof h);
  }

  uint32_t ring, descs, infos, data;

 private:
  CraftedMemory& m_;
  uint32_t count_bits_, size_bits_;
  uint32_t next_id_, head_id_ = 0, tail_id_;
  uint64_t next_seq_;
  uint32_t lpos_;
};

TEST(PrintkLog, ReadsRecordsAcrossIdAndDataWraps) {
  CraftedMemory m;
  // Ids wrap past 2^30 - 1 and the 256-byte data ring wraps once.
  RingBuilder rb(m, 3, 8, kMask - 2);
  rb.add("Linux version 6.1.0-50-686", 5, 0);
  rb.add("Command line: console=ttyS0", 6, 1500);
  rb.add("a debug line", 7, 2'000'000);
  rb.add(std::string(164, 'x'), 4, 3'000'000);
  rb.expireOldest();  // its data space is needed next
  rb.add("first\nsecond", 3, 1'234'567'891);  // does not fit: starts over at 0
  rb.add("", 6, 1'300'000'000, 2, /*with_text=*/false);
  rb.add("half written", 6, 1'400'000'000, /*state=*/0);
  auto log = PrintkLog::readRing(m.kernel(), rb.ring);
  ASSERT_TRUE(log) << log.error().message;
  ASSERT_EQ(log->records().size(), 5u);
  EXPECT_EQ(log->skipped(), 1u);
  const auto& r = log->records();
  EXPECT_EQ(r[0].text, "Command line: console=ttyS0");
  EXPECT_EQ(r[0].level, 6);
  EXPECT_EQ(r[0].ts_nsec, 1500u);
  EXPECT_EQ(r[1].level, 7);
  EXPECT_EQ(r[2].text, std::string(164, 'x'));
  EXPECT_EQ(r[3].text, "first\nsecond");
  EXPECT_EQ(r[4].text, "");
  for (size_t i = 1; i < r.size(); ++i) EXPECT_EQ(r[i].seq, r[i - 1].seq + 1);
  EXPECT_EQ(PrintkLog::format(r[3]), "[    1.234567] first\n[    1.234567] second");
  std::string text = log->text(6);
  EXPECT_EQ(text.find("a debug line"), std::string::npos);
  EXPECT_NE(text.find("[    0.000001] Command line: console=ttyS0\n"), std::string::npos);
}

TEST(PrintkLog, FollowsThePrbPointerFromTheSymbols) {
  CraftedMemory m;
  RingBuilder rb(m, 4, 10, 0);
  rb.add("hello", 6, 42'000);
  uint32_t prb = m.alloc(4);
  m.put32(prb, rb.ring);
  KernelSymbols syms({{prb, 'D', "prb"}});
  auto log = PrintkLog::read(m.kernel(), syms);
  ASSERT_TRUE(log) << log.error().message;
  ASSERT_EQ(log->records().size(), 1u);
  EXPECT_EQ(log->text(), "[    0.000042] hello\n");
}

TEST(PrintkLog, InconsistentRingsGiveErrors) {
  {
    CraftedMemory m;
    RingBuilder rb(m, 3, 8, 0);
    rb.add("one", 6, 1);
    uint32_t info = rb.add("two", 6, 2);
    m.put64(info, 12344);  // a seq that does not belong in its slot (slot 1)
    EXPECT_FALSE(PrintkLog::readRing(m.kernel(), rb.ring));
  }
  {
    CraftedMemory m;
    RingBuilder rb(m, 3, 8, 0);
    rb.add("one", 6, 1);
    m.put32(rb.ring, 40);  // count_bits
    EXPECT_FALSE(PrintkLog::readRing(m.kernel(), rb.ring));
  }
  {
    CraftedMemory m;
    RingBuilder rb(m, 3, 8, 0);
    rb.add("one", 6, 1);
    m.put32(rb.ring + 4, 0x00400000);  // descs: not mapped
    EXPECT_FALSE(PrintkLog::readRing(m.kernel(), rb.ring));
  }
  {
    CraftedMemory m;
    RingBuilder rb(m, 3, 8, 0);
    rb.add("one", 6, 1);
    m.put32(rb.ring + 12, 0x1234);  // head_id far from tail_id
    EXPECT_FALSE(PrintkLog::readRing(m.kernel(), rb.ring));
  }
  CraftedMemory m;
  EXPECT_FALSE(PrintkLog::readRing(m.kernel(), 0x1000));  // not mapped at all
}

TEST(PrintkLog, TextOfACorruptBlockIsSkippedNotRead) {
  CraftedMemory m;
  RingBuilder rb(m, 3, 8, 0);
  rb.add("good", 6, 1);
  rb.add("bad", 6, 2);
  rb.add("good again", 6, 3);
  m.put32(rb.descs + 1 * 12 + 8, 0x7FFFFFF0);  // the block's end is wild
  auto log = PrintkLog::readRing(m.kernel(), rb.ring);
  ASSERT_TRUE(log) << log.error().message;
  ASSERT_EQ(log->records().size(), 2u);
  EXPECT_EQ(log->records()[1].text, "good again");
  EXPECT_EQ(log->skipped(), 1u);
}

}  // namespace
}  // namespace tandem
