#include "logstore/EventCodec.h"

#include <limits>
#include <type_traits>

#include "logstore/BundleFormat.h"
#include "vmm/Assert.h"

namespace tandem {
namespace {

static_assert(static_cast<int>(ClockRead::kPoll) == pb::CLOCK_READ_POLL &&
                  static_cast<int>(ClockRead::kTsc) == pb::CLOCK_READ_TSC &&
                  static_cast<int>(ClockRead::kPit) == pb::CLOCK_READ_PIT &&
                  static_cast<int>(ClockRead::kRtc) == pb::CLOCK_READ_RTC &&
                  static_cast<int>(ClockRead::kIdle) == pb::CLOCK_READ_IDLE &&
                  static_cast<int>(ClockRead::kSerial) == pb::CLOCK_READ_SERIAL,
              "tandem::ClockRead and pb::ClockReason must stay in step");

void encodeBody(const EventBody& body, pb::Event& e) {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, ClockReadingEvent>) {
          auto* c = e.mutable_clock();
          c->set_reason(static_cast<pb::ClockReason>(b.reason));
          c->set_value_ns(b.value_ns);
          c->set_ps_per_insn(b.ps_per_insn);
        } else if constexpr (std::is_same_v<T, SerialInputEvent>) {
          TANDEM_ASSERT(!b.data.empty() && b.data.size() <= kMaxSerialInputBytes);
          e.mutable_serial_input()->set_data(b.data.data(), b.data.size());
        } else if constexpr (std::is_same_v<T, InterruptRaiseEvent>) {
          e.mutable_interrupt_raise()->set_irq(b.irq);
        } else if constexpr (std::is_same_v<T, InterruptDeliveryEvent>) {
          e.mutable_interrupt_delivery()->set_vector(b.vector);
        } else if constexpr (std::is_same_v<T, MachineDigestEvent>) {
          TANDEM_ASSERT(b.sha256.size() == 32);
          auto* d = e.mutable_digest()->mutable_digest();
          d->set_algorithm(pb::Digest::SHA256);
          d->set_value(b.sha256.data(), b.sha256.size());
        } else {
          static_assert(std::is_same_v<T, UnknownEvent>);
          TANDEM_ASSERT(!"an event of unknown kind cannot be written");
        }
      },
      body);
}

Result<EventBody> decodeBody(const pb::Event& e) {
  switch (e.kind_case()) {
    case pb::Event::kClock: {
      if (e.clock().reason() < pb::CLOCK_READ_POLL || e.clock().reason() > pb::CLOCK_READ_SERIAL)
        return makeError("clock reading with unknown reason " + std::to_string(e.clock().reason()));
      return EventBody{ClockReadingEvent{static_cast<ClockRead>(e.clock().reason()),
                                         e.clock().value_ns(), e.clock().ps_per_insn()}};
    }
    case pb::Event::kSerialInput: {
      const std::string& d = e.serial_input().data();
      if (d.empty() || d.size() > kMaxSerialInputBytes)
        return makeError("serial input of " + std::to_string(d.size()) + " bytes (allowed 1.." +
                         std::to_string(kMaxSerialInputBytes) + ")");
      return EventBody{SerialInputEvent{std::vector<uint8_t>(d.begin(), d.end())}};
    }
    case pb::Event::kInterruptRaise:
      if (e.interrupt_raise().irq() > 15)
        return makeError("interrupt raise on line " + std::to_string(e.interrupt_raise().irq()));
      return EventBody{InterruptRaiseEvent{static_cast<uint8_t>(e.interrupt_raise().irq())}};
    case pb::Event::kInterruptDelivery:
      if (e.interrupt_delivery().vector() > 255)
        return makeError("interrupt delivery of vector " +
                         std::to_string(e.interrupt_delivery().vector()));
      return EventBody{
          InterruptDeliveryEvent{static_cast<uint8_t>(e.interrupt_delivery().vector())}};
    case pb::Event::kDigest: {
      const pb::Digest& d = e.digest().digest();
      if (d.algorithm() != pb::Digest::SHA256 || d.value().size() != 32)
        return makeError("machine digest that is not a 32-byte SHA-256");
      return EventBody{MachineDigestEvent{std::vector<uint8_t>(d.value().begin(), d.value().end())}};
    }
    case pb::Event::KIND_NOT_SET:
      break;
  }
  return EventBody{UnknownEvent{}};
}

}  // namespace

void encodeEventChunk(std::span<const Event> events, pb::EventChunk& out) {
  out.Clear();
  if (events.empty()) return;
  out.set_first_icount(events.front().icount.value());
  uint64_t prev = events.front().icount.value();
  out.mutable_events()->Reserve(static_cast<int>(events.size()));
  for (const Event& ev : events) {
    TANDEM_ASSERT(ev.icount.value() >= prev);
    pb::Event* e = out.add_events();
    e->set_icount_delta(ev.icount.value() - prev);
    e->set_eip(ev.eip);
    encodeBody(ev.body, *e);
    prev = ev.icount.value();
  }
}

Result<std::vector<Event>> decodeEventChunk(const pb::EventChunk& chunk) {
  if (chunk.events_size() == 0) return makeError("event chunk without events");
  if (static_cast<uint32_t>(chunk.events_size()) > kMaxEventsPerChunk)
    return makeError("event chunk of " + std::to_string(chunk.events_size()) +
                     " events (limit " + std::to_string(kMaxEventsPerChunk) + ")");
  std::vector<Event> out;
  out.reserve(static_cast<size_t>(chunk.events_size()));
  uint64_t icount = chunk.first_icount();
  for (int i = 0; i < chunk.events_size(); ++i) {
    const pb::Event& e = chunk.events(i);
    if (e.icount_delta() > std::numeric_limits<uint64_t>::max() - icount)
      return makeError("event " + std::to_string(i) + ": icount overflows");
    icount += e.icount_delta();
    auto body = decodeBody(e);
    if (!body) return makeError("event " + std::to_string(i) + ": " + body.error().message);
    out.push_back(Event{Icount(icount), e.eip(), std::move(*body)});
  }
  return out;
}

}  // namespace tandem
