// StopStringFilter: text that could begin a stop string is held, released once it cannot, and a stop
// string split across pieces ends the text right before it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpu/session/stop_strings.h"

namespace nd {
namespace {

// Pushes the pieces; returns the text released, and whether a stop string was hit.
std::pair<std::string, bool> run(const std::vector<std::string> &stops,
                                 const std::vector<std::string> &pieces) {
    StopStringFilter f(stops);
    std::string out;
    for (const std::string &p : pieces)
        if (f.push(p, &out))
            return {out, true};
    f.finish(&out);
    return {out, false};
}

TEST(StopStrings, NoStopsPassesEverythingAtOnce) {
    StopStringFilter f({});
    std::string out;
    EXPECT_FALSE(f.push("abc", &out));
    EXPECT_EQ(out, "abc");
    EXPECT_TRUE(f.held().empty());
}

TEST(StopStrings, HoldsOnlyWhatCouldStillBeAStop) {
    StopStringFilter f({"<|user|>"});
    std::string out;
    EXPECT_FALSE(f.push("Hello <|us", &out));
    EXPECT_EQ(out, "Hello ");
    EXPECT_EQ(f.held(), "<|us");
    EXPECT_FALSE(f.push("ual", &out));  // no longer a prefix: released
    EXPECT_EQ(out, "Hello <|usual");
    EXPECT_TRUE(f.held().empty());
}

TEST(StopStrings, StopSplitAcrossPiecesEndsTheTextBeforeIt) {
    EXPECT_EQ(run({"STOP"}, {"one ST", "O", "P two"}), std::make_pair(std::string("one "), true));
    EXPECT_EQ(run({"\n\n"}, {"a\n", "\nb"}), std::make_pair(std::string("a"), true));
    EXPECT_EQ(run({"x"}, {"x"}), std::make_pair(std::string(""), true));
}

TEST(StopStrings, EarliestStopWinsAndHeldTextIsReleasedAtTheEnd) {
    EXPECT_EQ(run({"world", "lo"}, {"hello world"}), std::make_pair(std::string("hel"), true));
    EXPECT_EQ(run({"abc"}, {"xx ab"}), std::make_pair(std::string("xx ab"), false));
    // An earlier partial match is kept even when a later position also matches a prefix.
    EXPECT_EQ(run({"aab"}, {"aa", "a", "b!"}), std::make_pair(std::string("a"), true));
}

TEST(StopStrings, EmptyStopsAreIgnoredAndNothingPassesAfterAStop) {
    StopStringFilter f({"", "END"});
    std::string out;
    EXPECT_FALSE(f.push("text", &out));
    EXPECT_TRUE(f.push("END more", &out));
    EXPECT_TRUE(f.push("later", &out));
    f.finish(&out);
    EXPECT_EQ(out, "text");
    EXPECT_TRUE(f.stopped());
}

}  // namespace
}  // namespace nd
