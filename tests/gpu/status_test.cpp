// nd::Status: names, describe() formatting, the ND_STATUS macro's location capture.
#include <gtest/gtest.h>

#include "gpu/common/status.h"
#include "gpu/telemetry/telemetry.h"

namespace nd {
namespace {

TEST(Status, DefaultIsOk) {
    Status s;
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s.describe(), "ok");
    EXPECT_TRUE(Status::success().ok());
}

TEST(Status, CodeNames) {
    EXPECT_STREQ(status_code_name(StatusCode::ok), "ok");
    EXPECT_STREQ(status_code_name(StatusCode::invalid_argument), "invalid_argument");
    EXPECT_STREQ(status_code_name(StatusCode::not_found), "not_found");
    EXPECT_STREQ(status_code_name(StatusCode::unavailable), "unavailable");
    EXPECT_STREQ(status_code_name(StatusCode::io_error), "io_error");
    EXPECT_STREQ(status_code_name(StatusCode::unsupported), "unsupported");
    EXPECT_STREQ(status_code_name(StatusCode::out_of_memory), "out_of_memory");
    EXPECT_STREQ(status_code_name(StatusCode::device_error), "device_error");
    EXPECT_STREQ(status_code_name(StatusCode::internal), "internal");
}

TEST(Status, MacroCapturesLocationAndDescribeShowsIt) {
    const int line = __LINE__ + 1;
    const Status s = ND_STATUS(StatusCode::device_error, "NVML nvmlInit_v2 failed: Driver Not Loaded");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.line, line);
    EXPECT_NE(std::string(s.file).find("status_test.cpp"), std::string::npos);
    const std::string text = s.describe();
    EXPECT_EQ(text.rfind("device_error: NVML nvmlInit_v2 failed: Driver Not Loaded (", 0), 0u) << text;
    EXPECT_NE(text.find("status_test.cpp:" + std::to_string(line) + ")"), std::string::npos) << text;
}

TEST(Status, DescribeWithoutLocation) {
    Status s{StatusCode::not_found, "no such model", "", 0};
    EXPECT_EQ(s.describe(), "not_found: no such model");
}

TEST(Telemetry, SourceNames) {
    EXPECT_STREQ(telemetry_source_name(TelemetrySource::nvml), "nvml");
    EXPECT_STREQ(telemetry_source_name(TelemetrySource::fake), "fake");
    EXPECT_STREQ(telemetry_source_name(TelemetrySource::none), "none");
}

}  // namespace
}  // namespace nd
