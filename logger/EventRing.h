// The ring between the primary and its backup: one producer (the primary's
// recorder) and one consumer (the backup), in a shared memory file (memfd)
// that is mapped before the backup is forked, so both processes see the same
// bytes. Records are variable-sized and wrap around the end of the buffer.
//
// It never drops anything: a full ring makes the producer wait (each wait
// is counted, with its duration). Besides the records, the header carries
// what the backup needs to keep its distance and to notice an ending: the
// primary's first and latest guest time, and the producer's state. A
// failure record, when the primary fails, is the ring's last record. The
// backup publishes its own guest time back, so that the primary can wait
// for a backup that fell too far behind (a bound on the lag, and so on the
// replay a failure costs), counted like the waits on a full ring.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "logstore/Event.h"
#include "logstore/tandem.pb.h"
#include "vmm/Result.h"

namespace tandem {

enum class ProducerState : uint32_t {
  kRunning = 0,
  kFinished = 1,  // the primary ended normally (power-off, quit): nothing to freeze
  kFailed = 2,    // the primary failed; its failure record is the last record
};

struct RingStats {
  uint64_t records = 0;      // records pushed
  uint64_t bytes = 0;        // bytes pushed, framing included
  uint64_t full_waits = 0;   // pushes that found the ring full and waited
  uint64_t wait_ns = 0;      // total time those pushes waited
  uint64_t lag_waits = 0;    // times the producer waited for a backup too far behind
  uint64_t lag_wait_ns = 0;  // total time those waits took
};

// What the backup tells the primary when it is done, through the ring's
// header (the primary may have exited by then; the test harness reads it
// from the backup's own output as well).
struct BackupReport {
  enum Outcome : uint32_t { kNone = 0, kBundle = 1, kError = 2 } outcome = kNone;
  std::string bundle_id;      // the archive id (hex), for kBundle
  std::string message;        // what failed, for kError
  uint64_t freeze_ns = 0;     // failure noticed to bundle durable, host time
  uint64_t max_lag_ns = 0;    // the backup's largest distance behind the primary, guest time
  uint64_t log_bytes = 0;     // the whole log as a bundle stores it (compressed)
  uint64_t log_events = 0;
};

// What the consumer takes out of the ring.
struct RingRecord {
  enum Kind { kEvent, kFailure } kind = kEvent;
  Event event;
  pb::FailureRecord failure;
};

class EventRing {
 public:
  static constexpr uint64_t kMinCapacity = 1ull << 20;   // holds the largest failure record
  static constexpr uint64_t kMaxCapacity = 1ull << 34;

  // Creates the shared file and maps it. `capacity` is rounded up to a
  // multiple of 4096. `boot_epoch_seconds` is handed to the backup.
  static Result<std::unique_ptr<EventRing>> create(uint64_t capacity, int64_t boot_epoch_seconds);
  ~EventRing();
  EventRing(const EventRing&) = delete;
  EventRing& operator=(const EventRing&) = delete;

  uint64_t capacity() const { return capacity_; }
  int64_t bootEpochSeconds() const { return header_->boot_epoch; }

  // --- producer ---
  // Returns the host time it waited for room (0 mostly).
  uint64_t push(const Event& e);
  // The primary's position, for the backup's lag. With a lead bound set,
  // waits while the backup is further behind than that; returns the host
  // time it waited.
  uint64_t publish(Icount at, uint64_t guest_ns) {
    if (!started_) {
      header_->start_ns.store(guest_ns, std::memory_order_relaxed);
      started_ = true;
    }
    header_->published_icount.store(at.value(), std::memory_order_relaxed);
    header_->published_ns.store(guest_ns, std::memory_order_release);
    if (max_lead_ns_ && guest_ns > header_->consumer_ns.load(std::memory_order_relaxed) + max_lead_ns_)
      return waitForConsumer(guest_ns);
    return 0;
  }
  // The furthest (guest time) the backup may fall behind before publish()
  // waits for it (0, the default: no bound), and how close it must come
  // again before the wait ends (more than the backup's own lag, which it
  // keeps by waiting for the primary).
  void setMaxLead(uint64_t max_ns, uint64_t resume_ns) {
    max_lead_ns_ = max_ns;
    resume_lead_ns_ = resume_ns;
  }
  // Ends the stream: with a failure record (state kFailed) or without.
  void finish(const pb::FailureRecord* failure);

  // --- consumer ---
  // Takes the next record if there is one. Never reads past what the
  // producer has completed.
  bool pop(RingRecord& out);
  ProducerState producerState() const {
    return static_cast<ProducerState>(header_->state.load(std::memory_order_acquire));
  }
  // True once the producer finished and every record has been taken.
  bool drained() const {
    return producerState() != ProducerState::kRunning &&
           header_->tail.load(std::memory_order_relaxed) ==
               header_->head.load(std::memory_order_acquire);
  }
  uint64_t publishedNs() const { return header_->published_ns.load(std::memory_order_acquire); }
  uint64_t publishedIcount() const {
    return header_->published_icount.load(std::memory_order_relaxed);
  }
  // The guest time of the primary's first published position (0 before it).
  uint64_t startNs() const { return header_->start_ns.load(std::memory_order_relaxed); }
  // Where the backup stands, in the primary's guest time.
  void setConsumerNs(uint64_t ns) { header_->consumer_ns.store(ns, std::memory_order_relaxed); }
  uint64_t consumerNs() const { return header_->consumer_ns.load(std::memory_order_relaxed); }

  RingStats stats() const;

  // The consumer is gone (it exited, or stopped consuming after a
  // divergence): from now on the producer discards instead of waiting.
  // The consumer's process, a child of the producer's: a full ring whose
  // consumer has exited stops waiting for it.
  void setConsumerProcess(int pid) { consumer_pid_ = pid; }
  void detachConsumer() { header_->consumer_gone.store(1, std::memory_order_release); }
  bool consumerGone() const { return header_->consumer_gone.load(std::memory_order_acquire); }

  // The backup's closing report, once (the primary reads it after the
  // backup exits).
  void setReport(const BackupReport& r);
  std::optional<BackupReport> report() const;

 private:
  struct Header {
    uint64_t magic;
    uint64_t capacity;
    int64_t boot_epoch;
    alignas(64) std::atomic<uint64_t> head;  // bytes ever written (producer)
    alignas(64) std::atomic<uint64_t> tail;  // bytes ever consumed (consumer)
    alignas(64) std::atomic<uint32_t> state;
    std::atomic<uint64_t> published_icount;
    std::atomic<uint64_t> published_ns;
    std::atomic<uint64_t> start_ns;
    std::atomic<uint64_t> lag_waits;
    std::atomic<uint64_t> lag_wait_ns;
    alignas(64) std::atomic<uint64_t> consumer_ns;
    std::atomic<uint64_t> records;
    std::atomic<uint64_t> full_waits;
    std::atomic<uint64_t> wait_ns;
    std::atomic<uint32_t> consumer_gone;
    alignas(64) std::atomic<uint32_t> report_done;
    uint32_t report_outcome;
    uint64_t report_freeze_ns;
    uint64_t report_max_lag_ns;
    uint64_t report_log_bytes;
    uint64_t report_log_events;
    char report_id[72];
    char report_message[512];
  };
  static_assert(std::atomic<uint64_t>::is_always_lock_free);

  EventRing(int fd, void* map, uint64_t capacity);
  uint64_t write(uint8_t kind, const std::vector<uint8_t>& payload);
  // True once the consumer detached or its process exited.
  bool consumerEnded();
  uint64_t waitForConsumer(uint64_t guest_ns);
  void copyIn(uint64_t at, const uint8_t* src, uint64_t n);
  void copyOut(uint64_t at, uint8_t* dst, uint64_t n) const;

  int fd_;
  void* map_;
  uint64_t capacity_;
  Header* header_;
  uint8_t* data_;
  std::vector<uint8_t> scratch_;  // the producer's encoding buffer
  std::vector<uint8_t> payload_;  // the consumer's decoding buffer
  int consumer_pid_ = 0;
  uint64_t max_lead_ns_ = 0;
  uint64_t resume_lead_ns_ = 0;
  bool started_ = false;
};

}  // namespace tandem
