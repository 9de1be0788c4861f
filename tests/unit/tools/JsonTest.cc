#include "tools/Json.h"

#include <gtest/gtest.h>

namespace tandem::cli {
namespace {

TEST(Json, NestsObjectsAndArraysWithCommas) {
  JsonWriter w;
  w.beginObject().field("a", uint64_t{1}).key("b").beginArray().value("x").value(true).endArray();
  w.field("c", int64_t{-2}).endObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true],"c":-2})");
}

TEST(Json, EscapesControlCharactersAndInvalidUtf8) {
  std::string out;
  appendJsonString(out, std::string("a\"b\\\n\x01\xff") + "\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\\\n\\u0001\\u00ff\xc3\xa9\"");
  out.clear();
  appendJsonString(out, "\xc0\xaf\xed\xa0\x80");  // overlong slash, surrogate
  EXPECT_EQ(out, "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"");
}

}  // namespace
}  // namespace tandem::cli
