#include "core/suggest.h"

#include <gtest/gtest.h>

namespace fleetplan {
namespace {

TEST(EditDistance, CountsEditsIgnoringCase) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);  // the textbook example
  EXPECT_EQ(edit_distance("H100", "h100"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(ClosestNames, PrefixesComeFirstShortestFirst) {
  const std::vector<std::string> names = {"H800",           "A800",     "B200",
                                          "H100-PCIe-80GB", "H100-SXM", "H20"};
  // By distance alone H800, A800 and H20 (1-2 edits) beat H100-SXM (4 edits).
  EXPECT_EQ(closest_names("H100", names),
            (std::vector<std::string>{"H100-SXM", "H100-PCIe-80GB", "H800"}));
}

TEST(ClosestNames, OnlyCloseLeavesOutFarNames) {
  const std::vector<std::string> names = {"--model", "--accelerator", "--count"};
  EXPECT_EQ(closest_names("--modle", names, 3, true), (std::vector<std::string>{"--model"}));
  EXPECT_TRUE(closest_names("--zzzzzzzz", names, 3, true).empty());
}

}  // namespace
}  // namespace fleetplan
