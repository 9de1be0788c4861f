// A protobuf message through its wire format and back, as a reader of a
// bundle would see it.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace tandem::testing {

template <typename Message>
Message throughTheWire(const Message& m) {
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  Message out;
  EXPECT_TRUE(out.ParseFromString(bytes));
  return out;
}

}  // namespace tandem::testing
