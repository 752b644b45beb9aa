// Which TEMPLATESENDJOBFINISH statuses are a failed push: everything WeChat sends but "success",
// however it spells the failure.
#include <gtest/gtest.h>

#include "bot/template_receipts.h"

namespace repairbot::bot {
namespace {

TEST(TemplateReceiptStatus, EverythingButSuccessIsAFailedPush) {
    EXPECT_FALSE(is_delivery_failure("success"));
    EXPECT_TRUE(is_delivery_failure("failed:user block"));
    EXPECT_TRUE(is_delivery_failure("failed: system failed"));
    EXPECT_TRUE(is_delivery_failure("failed"));
    EXPECT_TRUE(is_delivery_failure(""));
}

}  // namespace
}  // namespace repairbot::bot
