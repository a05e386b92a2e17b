#include "core/utf8.h"

#include <gtest/gtest.h>

namespace fleetplan::utf8 {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_FALSE(first_invalid("plain ascii").has_value());
  EXPECT_FALSE(first_invalid("字节跳动 Doubao €").has_value());  // 3-byte forms
  EXPECT_FALSE(first_invalid("\xF0\x9F\x98\x80").has_value());   // U+1F600, 4 bytes
}

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(first_invalid("ab\xFF"), 2u);            // never valid
  EXPECT_EQ(first_invalid("a\xC3"), 1u);             // truncated 2-byte form
  EXPECT_EQ(first_invalid("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid("x\xED\xA0\x80"), 1u);     // UTF-16 surrogate U+D800
  EXPECT_EQ(first_invalid("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(first_invalid("\xE2\x82\x28"), 0u);      // bad continuation
}

TEST(Utf8, CheckNamesLineColumnAndByte) {
  // Line 2, after "name: é" (6 characters + 1): the bad byte is character 8.
  Status status = check("a: 1\nname: \xC3\xA9\xFF\n", "s.yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "s.yaml:2:8: byte 0xFF is not UTF-8; expected UTF-8 text");
}

}  // namespace
}  // namespace fleetplan::utf8
