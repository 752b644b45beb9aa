// Log lines: one line per event whatever the values hold, and phone numbers redacted.
#include <gtest/gtest.h>

#include "config/log.h"

namespace repairbot::log {
namespace {

TEST(Log, KeyValueFieldsFollowComponentAndEvent) {
    EXPECT_EQ(format_line("http", "request", {{"path", "/wechat"}, {"status", 200}}),
              "http request path=/wechat status=200");
}

TEST(Log, ValuesWithSpacesQuotesOrNewlinesStayOnOneLine) {
    auto line = format_line("dialog", "text", {{"said", "a b\n\"c\"=d"}, {"empty", ""}});
    EXPECT_EQ(line, "dialog text said=\"a b\\n\\\"c\\\"=d\" empty=\"\"");
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, ControlBytesAreEscaped) {
    EXPECT_EQ(format_line("x", "y", {{"v", std::string("a\x01z")}}), "x y v=\"a\\x01z\"");
}

TEST(Log, PhonesAreRedacted) {
    EXPECT_EQ(redact_phone("13800138000"), "138****8000");
    EXPECT_EQ(redact_phone("+8613800138000"), "+86*******8000");
    EXPECT_EQ(redact_phone("12345"), "*****");
}

}  // namespace
}  // namespace repairbot::log
