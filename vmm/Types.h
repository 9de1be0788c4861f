// Strong types for the quantities that must never be mixed up: a guest
// physical address, a guest linear address and an instruction count.
#pragma once

#include <compare>
#include <cstdint>

namespace tandem {

template <typename Tag, typename Rep>
class Strong {
 public:
  using rep = Rep;
  constexpr Strong() = default;
  constexpr explicit Strong(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const Strong&) const = default;
  constexpr Strong operator+(Rep d) const { return Strong(v_ + d); }
  constexpr Strong operator-(Rep d) const { return Strong(v_ - d); }
  constexpr Rep operator-(Strong o) const { return v_ - o.v_; }
  constexpr Strong& operator+=(Rep d) {
    v_ += d;
    return *this;
  }

 private:
  Rep v_ = 0;
};

struct GuestPhysTag {};
struct GuestLinearTag {};
struct IcountTag {};

// A guest physical address (after segmentation and paging).
using GuestPhys = Strong<GuestPhysTag, uint64_t>;
// A guest linear address (after segmentation, before paging).
using GuestLinear = Strong<GuestLinearTag, uint32_t>;
// Instructions retired since power-on; the one clock replay trusts.
using Icount = Strong<IcountTag, uint64_t>;

constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kPageShift = 12;

}  // namespace tandem
