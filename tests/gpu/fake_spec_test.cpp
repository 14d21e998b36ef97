// telemetry_parse_fake_spec: the grammar, limits, and error messages that quote the bad part.
#include <gtest/gtest.h>

#include "gpu/telemetry/telemetry.h"

namespace nd {
namespace {

std::vector<uint64_t> parse_ok(const std::string &spec) {
    std::vector<uint64_t> mib;
    const Status s = telemetry_parse_fake_spec(spec, &mib);
    EXPECT_TRUE(s.ok()) << spec << ": " << s.describe();
    return mib;
}

// Returns the error message; checks the code and that the output was left empty.
std::string parse_error(const std::string &spec) {
    std::vector<uint64_t> mib = {1, 2, 3};
    const Status s = telemetry_parse_fake_spec(spec, &mib);
    EXPECT_EQ(s.code, StatusCode::invalid_argument) << "spec \"" << spec << "\" was accepted";
    EXPECT_TRUE(mib.empty()) << spec;
    return s.message;
}

TEST(FakeSpec, PlainNumberIsOneGpu) {
    EXPECT_EQ(parse_ok("24576"), (std::vector<uint64_t>{24576}));
}

TEST(FakeSpec, CountTimesMemory) {
    EXPECT_EQ(parse_ok("2x24576"), (std::vector<uint64_t>{24576, 24576}));
    EXPECT_EQ(parse_ok("3X1024"), (std::vector<uint64_t>{1024, 1024, 1024}));
}

TEST(FakeSpec, SeveralItemsKeepOrder) {
    EXPECT_EQ(parse_ok("1x81920,1x24576"), (std::vector<uint64_t>{81920, 24576}));
    EXPECT_EQ(parse_ok("2x8192,512"), (std::vector<uint64_t>{8192, 8192, 512}));
}

TEST(FakeSpec, SpacesAroundPartsAreAllowed) {
    EXPECT_EQ(parse_ok(" 2 x 1024 , 512 "), (std::vector<uint64_t>{1024, 1024, 512}));
}

TEST(FakeSpec, LimitsAreInclusive) {
    EXPECT_EQ(parse_ok("4194304"), (std::vector<uint64_t>{4194304}));  // exactly 4 TiB
    EXPECT_EQ(parse_ok("64x1").size(), 64u);
    EXPECT_EQ(parse_ok("32x1,32x2").size(), 64u);
}

TEST(FakeSpec, EmptyIsAnError) {
    EXPECT_NE(parse_error("").find("empty"), std::string::npos);
    EXPECT_NE(parse_error("   ").find("empty"), std::string::npos);
}

TEST(FakeSpec, EmptyItemNamesItsPosition) {
    EXPECT_NE(parse_error("2x1024,,512").find("item 2 is empty"), std::string::npos);
    EXPECT_NE(parse_error("1024,").find("item 2 is empty"), std::string::npos);
    EXPECT_NE(parse_error(",1024").find("item 1 is empty"), std::string::npos);
}

TEST(FakeSpec, JunkIsQuoted) {
    const std::string m = parse_error("1x81920,banana");
    EXPECT_NE(m.find("\"banana\""), std::string::npos) << m;
    EXPECT_NE(m.find("\"1x81920,banana\""), std::string::npos) << m;  // the whole spec, for context
}

TEST(FakeSpec, UnitsAndSignsAreRejected) {
    EXPECT_NE(parse_error("24G").find("\"24G\""), std::string::npos);
    EXPECT_NE(parse_error("2x24GiB").find("\"24GiB\""), std::string::npos);
    EXPECT_NE(parse_error("-1").find("\"-1\""), std::string::npos);
    EXPECT_NE(parse_error("+1024").find("\"+1024\""), std::string::npos);
    EXPECT_NE(parse_error("1x-5").find("\"-5\""), std::string::npos);
    EXPECT_NE(parse_error("1.5x1024").find("\"1.5\""), std::string::npos);
}

TEST(FakeSpec, MissingCountOrMemory) {
    EXPECT_NE(parse_error("2x").find("\"2x\""), std::string::npos);
    EXPECT_NE(parse_error("x24576").find("\"x24576\""), std::string::npos);
}

TEST(FakeSpec, ZeroCountOrMemory) {
    const std::string count = parse_error("0x24576");
    EXPECT_NE(count.find("\"0x24576\""), std::string::npos) << count;
    EXPECT_NE(count.find("at least 1"), std::string::npos) << count;
    const std::string memory = parse_error("1x0");
    EXPECT_NE(memory.find("\"1x0\""), std::string::npos) << memory;
    EXPECT_NE(memory.find("at least 1 MiB"), std::string::npos) << memory;
}

TEST(FakeSpec, AbsurdSizesAreRejected) {
    const std::string m = parse_error("1x4194305");
    EXPECT_NE(m.find("\"1x4194305\""), std::string::npos) << m;
    EXPECT_NE(m.find("4 TiB"), std::string::npos) << m;
    // Overflowing 64 bits is junk, not a wrapped-around small number.
    EXPECT_NE(parse_error("99999999999999999999999999").find("\"99999999999999999999999999\""),
              std::string::npos);
}

TEST(FakeSpec, TooManyGpus) {
    const std::string one = parse_error("65x1024");
    EXPECT_NE(one.find("\"65x1024\""), std::string::npos) << one;
    EXPECT_NE(one.find("64"), std::string::npos) << one;
    const std::string total = parse_error("40x1024,30x512");
    EXPECT_NE(total.find("\"30x512\""), std::string::npos) << total;
    EXPECT_NE(total.find("70 GPUs"), std::string::npos) << total;
    const std::string huge = parse_error("99999999999999999x1");
    EXPECT_NE(huge.find("asks for 99999999999999999 GPUs"), std::string::npos) << huge;
}

TEST(FakeSpec, NullOutputIsAnError) {
    EXPECT_EQ(telemetry_parse_fake_spec("1024", nullptr).code, StatusCode::invalid_argument);
}

}  // namespace
}  // namespace nd
