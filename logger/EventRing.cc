#include "logger/EventRing.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>

#include "logstore/BundleFormat.h"
#include "vmm/Assert.h"

namespace tandem {
namespace {

constexpr uint64_t kRingMagic = 0x31474e4952444e54ull;  // "TNDRING1"
constexpr uint64_t kHeaderBytes = 4096;

// A record: u32 payload length, u8 kind, payload.
constexpr uint64_t kFrameBytes = 5;
enum RecordKind : uint8_t { kClock = 1, kSerial, kRaise, kDelivery, kDigest, kFailure = 100 };

void putU64(std::vector<uint8_t>& out, uint64_t v) {
  uint8_t b[8];
  std::memcpy(b, &v, 8);
  out.insert(out.end(), b, b + 8);
}

void putU32(std::vector<uint8_t>& out, uint32_t v) {
  uint8_t b[4];
  std::memcpy(b, &v, 4);
  out.insert(out.end(), b, b + 4);
}

// Event payload: icount, eip, then the body's own fields.
uint8_t encodeEvent(const Event& e, std::vector<uint8_t>& out) {
  out.clear();
  putU64(out, e.icount.value());
  putU32(out, e.eip);
  if (auto* c = std::get_if<ClockReadingEvent>(&e.body)) {
    out.push_back(static_cast<uint8_t>(c->reason));
    putU64(out, c->value_ns);
    putU32(out, c->ps_per_insn);
    return kClock;
  }
  if (auto* s = std::get_if<SerialInputEvent>(&e.body)) {
    out.insert(out.end(), s->data.begin(), s->data.end());
    return kSerial;
  }
  if (auto* r = std::get_if<InterruptRaiseEvent>(&e.body)) {
    out.push_back(r->irq);
    return kRaise;
  }
  if (auto* d = std::get_if<InterruptDeliveryEvent>(&e.body)) {
    out.push_back(d->vector);
    return kDelivery;
  }
  if (auto* g = std::get_if<MachineDigestEvent>(&e.body)) {
    out.insert(out.end(), g->sha256.begin(), g->sha256.end());
    return kDigest;
  }
  TANDEM_ASSERT(!"an event of unknown kind cannot be recorded");
  return 0;
}

// The producer is this program: a malformed record is a broken invariant.
Event decodeEvent(uint8_t kind, const std::vector<uint8_t>& p) {
  TANDEM_ASSERT(p.size() >= 12);
  Event e;
  uint64_t icount;
  std::memcpy(&icount, p.data(), 8);
  std::memcpy(&e.eip, p.data() + 8, 4);
  e.icount = Icount(icount);
  const uint8_t* body = p.data() + 12;
  size_t n = p.size() - 12;
  switch (kind) {
    case kClock: {
      TANDEM_ASSERT(n == 13);
      ClockReadingEvent c;
      c.reason = static_cast<ClockRead>(body[0]);
      std::memcpy(&c.value_ns, body + 1, 8);
      std::memcpy(&c.ps_per_insn, body + 9, 4);
      e.body = c;
      break;
    }
    case kSerial:
      TANDEM_ASSERT(n >= 1 && n <= kMaxSerialInputBytes);
      e.body = SerialInputEvent{std::vector<uint8_t>(body, body + n)};
      break;
    case kRaise:
      TANDEM_ASSERT(n == 1);
      e.body = InterruptRaiseEvent{body[0]};
      break;
    case kDelivery:
      TANDEM_ASSERT(n == 1);
      e.body = InterruptDeliveryEvent{body[0]};
      break;
    case kDigest:
      TANDEM_ASSERT(n == 32);
      e.body = MachineDigestEvent{std::vector<uint8_t>(body, body + n)};
      break;
    default:
      TANDEM_ASSERT(!"unknown record kind in the event ring");
  }
  return e;
}

uint64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void waitBriefly() {
  timespec ts{0, 50'000};
  nanosleep(&ts, nullptr);
}

}  // namespace

Result<std::unique_ptr<EventRing>> EventRing::create(uint64_t capacity, int64_t boot_epoch) {
  if (capacity < kMinCapacity || capacity > kMaxCapacity)
    return makeError("ring size " + std::to_string(capacity) + " bytes is outside " +
                     std::to_string(kMinCapacity >> 20) + " MiB .. " +
                     std::to_string(kMaxCapacity >> 30) + " GiB");
  capacity = (capacity + 4095) & ~uint64_t{4095};
  int fd = memfd_create("tandem-ring", MFD_CLOEXEC);
  if (fd < 0) return makeError(std::string("memfd_create: ") + std::strerror(errno));
  if (ftruncate(fd, static_cast<off_t>(kHeaderBytes + capacity)) != 0) {
    int err = errno;
    close(fd);
    return makeError(std::string("sizing the ring: ") + std::strerror(err));
  }
  void* map = mmap(nullptr, kHeaderBytes + capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    int err = errno;
    close(fd);
    return makeError(std::string("mapping the ring: ") + std::strerror(err));
  }
  auto ring = std::unique_ptr<EventRing>(new EventRing(fd, map, capacity));
  Header* h = new (map) Header{};
  h->magic = kRingMagic;
  h->capacity = capacity;
  h->boot_epoch = boot_epoch;
  return ring;
}

EventRing::EventRing(int fd, void* map, uint64_t capacity)
    : fd_(fd),
      map_(map),
      capacity_(capacity),
      header_(static_cast<Header*>(map)),
      data_(static_cast<uint8_t*>(map) + kHeaderBytes) {
  static_assert(sizeof(Header) <= kHeaderBytes);
}

EventRing::~EventRing() {
  munmap(map_, kHeaderBytes + capacity_);
  close(fd_);
}

void EventRing::copyIn(uint64_t at, const uint8_t* src, uint64_t n) {
  uint64_t off = at % capacity_;
  uint64_t first = std::min(n, capacity_ - off);
  std::memcpy(data_ + off, src, first);
  std::memcpy(data_, src + first, n - first);
}

void EventRing::copyOut(uint64_t at, uint8_t* dst, uint64_t n) const {
  uint64_t off = at % capacity_;
  uint64_t first = std::min(n, capacity_ - off);
  std::memcpy(dst, data_ + off, first);
  std::memcpy(dst + first, data_, n - first);
}

uint64_t EventRing::write(uint8_t kind, const std::vector<uint8_t>& payload) {
  uint64_t need = kFrameBytes + payload.size();
  TANDEM_ASSERT(need <= capacity_);
  uint64_t head = header_->head.load(std::memory_order_relaxed);
  uint64_t waited = 0;
  if (head + need - header_->tail.load(std::memory_order_acquire) > capacity_) {
    uint64_t t0 = nowNs();
    while (head + need - header_->tail.load(std::memory_order_acquire) > capacity_) {
      if (consumerEnded()) return nowNs() - t0;
      waitBriefly();
    }
    waited = nowNs() - t0;
    header_->full_waits.fetch_add(1, std::memory_order_relaxed);
    header_->wait_ns.fetch_add(waited, std::memory_order_relaxed);
  }
  uint8_t frame[kFrameBytes];
  uint32_t len = static_cast<uint32_t>(payload.size());
  std::memcpy(frame, &len, 4);
  frame[4] = kind;
  copyIn(head, frame, kFrameBytes);
  copyIn(head + kFrameBytes, payload.data(), payload.size());
  header_->records.fetch_add(1, std::memory_order_relaxed);
  header_->head.store(head + need, std::memory_order_release);
  return waited;
}

bool EventRing::consumerEnded() {
  if (consumerGone()) return true;
  if (consumer_pid_ > 0) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(consumer_pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid != 0) {
      detachConsumer();
      return true;
    }
  }
  return false;
}

uint64_t EventRing::waitForConsumer(uint64_t guest_ns) {
  // Waiting until the backup is well within the bound keeps a backup that
  // runs just behind it from making every poll wait.
  uint64_t t0 = nowNs();
  while (guest_ns > header_->consumer_ns.load(std::memory_order_relaxed) + resume_lead_ns_) {
    if (consumerEnded()) return nowNs() - t0;
    waitBriefly();
  }
  uint64_t waited = nowNs() - t0;
  header_->lag_waits.fetch_add(1, std::memory_order_relaxed);
  header_->lag_wait_ns.fetch_add(waited, std::memory_order_relaxed);
  return waited;
}

uint64_t EventRing::push(const Event& e) {
  uint8_t kind = encodeEvent(e, scratch_);
  return write(kind, scratch_);
}

void EventRing::finish(const pb::FailureRecord* failure) {
  if (failure) {
    std::string bytes = failure->SerializeAsString();
    scratch_.assign(bytes.begin(), bytes.end());
    write(kFailure, scratch_);
  }
  header_->state.store(static_cast<uint32_t>(failure ? ProducerState::kFailed
                                                     : ProducerState::kFinished),
                       std::memory_order_release);
}

bool EventRing::pop(RingRecord& out) {
  uint64_t tail = header_->tail.load(std::memory_order_relaxed);
  if (tail == header_->head.load(std::memory_order_acquire)) return false;
  uint8_t frame[kFrameBytes];
  copyOut(tail, frame, kFrameBytes);
  uint32_t len;
  std::memcpy(&len, frame, 4);
  TANDEM_ASSERT(len + kFrameBytes <= capacity_);
  payload_.resize(len);
  copyOut(tail + kFrameBytes, payload_.data(), len);
  if (frame[4] == kFailure) {
    out.kind = RingRecord::kFailure;
    TANDEM_ASSERT(out.failure.ParseFromArray(payload_.data(), static_cast<int>(len)));
  } else {
    out.kind = RingRecord::kEvent;
    out.event = decodeEvent(frame[4], payload_);
  }
  header_->tail.store(tail + kFrameBytes + len, std::memory_order_release);
  return true;
}

RingStats EventRing::stats() const {
  RingStats s;
  s.records = header_->records.load(std::memory_order_relaxed);
  s.bytes = header_->head.load(std::memory_order_relaxed);
  s.full_waits = header_->full_waits.load(std::memory_order_relaxed);
  s.wait_ns = header_->wait_ns.load(std::memory_order_relaxed);
  s.lag_waits = header_->lag_waits.load(std::memory_order_relaxed);
  s.lag_wait_ns = header_->lag_wait_ns.load(std::memory_order_relaxed);
  return s;
}

void EventRing::setReport(const BackupReport& r) {
  header_->report_outcome = r.outcome;
  header_->report_freeze_ns = r.freeze_ns;
  header_->report_max_lag_ns = r.max_lag_ns;
  header_->report_log_bytes = r.log_bytes;
  header_->report_log_events = r.log_events;
  std::snprintf(header_->report_id, sizeof header_->report_id, "%s", r.bundle_id.c_str());
  std::snprintf(header_->report_message, sizeof header_->report_message, "%s",
                r.message.c_str());
  header_->report_done.store(1, std::memory_order_release);
}

std::optional<BackupReport> EventRing::report() const {
  if (!header_->report_done.load(std::memory_order_acquire)) return std::nullopt;
  BackupReport r;
  r.outcome = static_cast<BackupReport::Outcome>(header_->report_outcome);
  r.freeze_ns = header_->report_freeze_ns;
  r.max_lag_ns = header_->report_max_lag_ns;
  r.log_bytes = header_->report_log_bytes;
  r.log_events = header_->report_log_events;
  r.bundle_id.assign(header_->report_id, strnlen(header_->report_id, sizeof header_->report_id));
  r.message.assign(header_->report_message,
                   strnlen(header_->report_message, sizeof header_->report_message));
  return r;
}

}  // namespace tandem
