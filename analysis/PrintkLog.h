// The kernel log (what dmesg would print) read from the lockless printk
// ring buffer of Linux 6.1 in guest memory: `prb` points to a
// printk_ringbuffer (the static one, or the one setup_log_buf() allocated).
//
// Layouts, i386, from 6.1's kernel/printk/printk_ringbuffer.h and
// include/linux/dev_printk.h (no debug info exists to read them from); each
// is checked against the data before anything is believed:
//   printk_ringbuffer  desc_ring { u32 count_bits; prb_desc *descs;
//                      printk_info *infos; long head_id; long tail_id; }
//                      then text_data_ring { u32 size_bits; char *data;
//                      long head_lpos; long tail_lpos; }
//   prb_desc           long state_var (state << 30 | id); ulong begin, next
//   printk_info (88)   u64 seq; u64 ts_nsec; u16 text_len; u8 facility;
//                      u8 flags:5, level:3; u32 caller_id; dev_info[64]
//   data block         ulong id; char text[]; at begin, or at offset 0 when
//                      the block wraps around the end of the data ring
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/KernelSymbols.h"
#include "vmm/Result.h"

namespace tandem {

struct PrintkRecord {
  uint64_t seq;
  uint64_t ts_nsec;
  uint8_t level;     // 0 (emergency) .. 7 (debug)
  uint8_t facility;  // 0 for the kernel's own messages
  uint32_t caller_id;
  std::string text;  // without a trailing newline; may hold several lines
};

class PrintkLog {
 public:
  // Follows the `prb` pointer (or printk_rb_static) when the kernel has
  // data symbols; otherwise searches guest memory for ring headers whose
  // records read back consistently, and takes the one with the newest.
  static Result<PrintkLog> read(const GuestView& kernel, const KernelSymbols& symbols);
  // The search alone; `image_offset` is virtual - physical of the direct map.
  static Result<PrintkLog> search(const GuestView& kernel, uint32_t image_offset);
  // Reads the printk_ringbuffer at `ring` (a kernel virtual address).
  static Result<PrintkLog> readRing(const GuestView& kernel, uint32_t ring);

  // Complete records, oldest first.
  const std::vector<PrintkRecord>& records() const { return records_; }
  // Records whose descriptor was being written or whose text was lost.
  uint32_t skipped() const { return skipped_; }

  // "[    1.234567] text" for every line of a record, as the console shows it.
  static std::string format(const PrintkRecord& r);
  // The whole log in that format, one line per line, with records of a
  // level above `max_level` left out.
  std::string text(uint8_t max_level = 7) const;

 private:
  std::vector<PrintkRecord> records_;
  uint32_t skipped_ = 0;
};

}  // namespace tandem
