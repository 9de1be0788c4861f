#include "analysis/PrintkLog.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace tandem {
namespace {

constexpr uint32_t kIdMask = (1u << 30) - 1;  // DESC_ID_MASK: state in the top 2 bits
constexpr uint32_t kStateCommitted = 1, kStateFinalized = 2, kStateReusable = 3;
constexpr uint32_t kDescSize = 12;
constexpr uint32_t kInfoSize = 88;
// Bounds that keep a corrupt header from making us read the whole of RAM.
constexpr uint32_t kMaxCountBits = 18;
constexpr uint32_t kMaxSizeBits = 26;

struct DescRing {
  uint32_t count_bits, descs, infos, head_id, tail_id;
};
struct DataRing {
  uint32_t size_bits, data, head_lpos, tail_lpos;
};

bool plausible(const GuestView& v, const DescRing& d, const DataRing& t) {
  if (d.count_bits == 0 || d.count_bits > kMaxCountBits) return false;
  if (t.size_bits == 0 || t.size_bits > kMaxSizeBits) return false;
  uint32_t count = 1u << d.count_bits;
  uint8_t probe;
  return v.read(d.descs + count * kDescSize - 1, &probe, 1) &&
         v.read(d.infos + count * kInfoSize - 1, &probe, 1) && v.read(t.data, &probe, 1) &&
         v.read(t.data + (1u << t.size_bits) - 1, &probe, 1);
}

// The text of the data block [begin, next) that belongs to descriptor `id`.
std::optional<std::string> blockText(const GuestView& v, const DataRing& t, uint32_t id,
                                     uint32_t begin, uint32_t next, uint16_t text_len) {
  if ((begin & 1) || (next & 1)) return std::string();  // FAILED_LPOS/NO_LPOS: no text
  if (begin == next) return std::string();
  uint32_t size = 1u << t.size_bits;
  uint32_t wraps_b = begin >> t.size_bits, wraps_n = next >> t.size_bits;
  uint32_t at, len;
  if (wraps_b == wraps_n) {
    at = begin & (size - 1);
    len = next - begin;
  } else if (wraps_b + 1 == wraps_n) {
    at = 0;  // a block does not wrap: it starts over at the beginning
    len = next & (size - 1);
  } else {
    return std::nullopt;
  }
  if (len < 4 || len > size - at) return std::nullopt;
  auto blk_id = v.u32(t.data + at);
  if (!blk_id || (*blk_id & kIdMask) != id) return std::nullopt;
  std::string text(std::min<uint32_t>(text_len, len - 4), '\0');
  if (!v.read(t.data + at + 4, text.data(), text.size())) return std::nullopt;
  return text;
}

}  // namespace

Result<PrintkLog> PrintkLog::read(const GuestView& kernel, const KernelSymbols& symbols) {
  if (auto prb = symbols.address("prb")) {
    auto ring = kernel.u32(*prb);
    if (!ring) return makeError("cannot read the printk ring pointer `prb`");
    return readRing(kernel, *ring);
  }
  if (auto ring = symbols.address("printk_rb_static")) return readRing(kernel, *ring);
  auto offset = symbols.imageOffset(kernel);
  if (!offset) return makeError("the kernel image is not mapped where its symbols say");
  return search(kernel, *offset);
}

Result<PrintkLog> PrintkLog::search(const GuestView& kernel, uint32_t image_offset) {
  const PhysMemory& mem = kernel.phys();
  const uint64_t words = mem.size() / 4;
  auto w = [&](uint64_t i) {
    uint32_t v;
    std::memcpy(&v, mem.base() + i * 4, 4);
    return v;
  };
  auto kernelPointer = [&](uint32_t p) { return p >= image_offset && !(p & 3); };
  std::optional<PrintkLog> best;
  for (uint64_t i = 0; i + 10 <= words; ++i) {
    uint32_t count_bits = w(i);
    if (count_bits < 2 || count_bits > kMaxCountBits) continue;
    if (!kernelPointer(w(i + 1)) || !kernelPointer(w(i + 2))) continue;
    bool data_ring = false;
    for (uint64_t k : {5, 6}) {
      uint32_t size_bits = w(i + k);
      data_ring |= size_bits >= count_bits && size_bits <= kMaxSizeBits && kernelPointer(w(i + k + 1));
    }
    if (!data_ring) continue;
    uint64_t virt = i * 4 + image_offset;
    if (virt > UINT32_MAX || kernel.translate(static_cast<uint32_t>(virt)) != i * 4) continue;
    auto log = readRing(kernel, static_cast<uint32_t>(virt));
    if (!log || log->records_.empty()) continue;
    // Before setup_log_buf() moves the log, the static ring holds a stale
    // copy: the ring with the newest record is the one in use.
    if (!best || log->records_.back().seq > best->records_.back().seq) best = std::move(*log);
  }
  if (!best) return makeError("no printk ring buffer found in guest memory");
  return std::move(*best);
}

Result<PrintkLog> PrintkLog::readRing(const GuestView& kernel, uint32_t ring) {
  DescRing d;
  if (!kernel.read(ring, &d, sizeof d))
    return makeError("the printk ring buffer header is not mapped");
  // The data ring follows the five descriptor-ring words, or a sixth
  // (last_finalized_id, in 6.1 stable updates and later kernels).
  DataRing t{};
  bool found = false;
  for (uint32_t off : {20u, 24u}) {
    if (kernel.read(ring + off, &t, sizeof t) && plausible(kernel, d, t)) {
      found = true;
      break;
    }
  }
  if (!found) return makeError("the printk ring buffer header is not consistent");

  uint32_t count = 1u << d.count_bits;
  std::vector<uint8_t> descs(size_t{count} * kDescSize), infos(size_t{count} * kInfoSize);
  if (!kernel.read(d.descs, descs.data(), descs.size()) ||
      !kernel.read(d.infos, infos.data(), infos.size()))
    return makeError("the printk descriptors are not mapped");

  PrintkLog log;
  uint32_t id = d.tail_id & kIdMask, head = d.head_id & kIdMask;
  bool reached_head = false;
  for (uint32_t n = 0; n <= count; ++n, id = (id + 1) & kIdMask) {
    uint32_t idx = id & (count - 1);
    uint32_t desc[3];
    std::memcpy(desc, &descs[size_t{idx} * kDescSize], sizeof desc);
    uint32_t state = desc[0] >> 30;
    bool last = id == head;
    if ((desc[0] & kIdMask) != id || state == kStateReusable) {
      // An expired slot (the ring's initial one) or one already reused.
    } else if (state != kStateCommitted && state != kStateFinalized) {
      ++log.skipped_;  // still being written
    } else {
      const uint8_t* info = &infos[size_t{idx} * kInfoSize];
      PrintkRecord r;
      std::memcpy(&r.seq, info, 8);
      std::memcpy(&r.ts_nsec, info + 8, 8);
      uint16_t text_len;
      std::memcpy(&text_len, info + 16, 2);
      r.facility = info[18];
      r.level = info[19] >> 5;
      std::memcpy(&r.caller_id, info + 20, 4);
      if ((r.seq & (count - 1)) != idx)
        return makeError("printk record " + std::to_string(id) +
                         ": sequence number does not match its slot");
      if (!log.records_.empty() && r.seq <= log.records_.back().seq)
        return makeError("printk records are not in sequence order");
      auto text = blockText(kernel, t, id, desc[1], desc[2], text_len);
      if (!text) {
        ++log.skipped_;
      } else {
        r.text = std::move(*text);
        log.records_.push_back(std::move(r));
      }
    }
    if (last) {
      reached_head = true;
      break;
    }
  }
  if (!reached_head) return makeError("the printk ring's head is not within a ring of its tail");
  return log;
}

std::string PrintkLog::format(const PrintkRecord& r) {
  char prefix[40];
  std::snprintf(prefix, sizeof prefix, "[%5" PRIu64 ".%06" PRIu64 "] ", r.ts_nsec / 1000000000,
                (r.ts_nsec % 1000000000) / 1000);
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t nl = r.text.find('\n', start);
    out += prefix;
    out.append(r.text, start, nl == std::string::npos ? std::string::npos : nl - start);
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string PrintkLog::text(uint8_t max_level) const {
  std::string out;
  for (const PrintkRecord& r : records_) {
    if (r.level > max_level) continue;
    out += format(r);
    out += '\n';
  }
  return out;
}

}  // namespace tandem
