// Who counts as bound to WeChat (store/technician_repository.h is_bound): messages go only to a
// technician with a non-empty openid, whether or not they are active.
#include <gtest/gtest.h>

#include "store/technician_repository.h"

namespace repairbot::store {
namespace {

Technician with_openid(std::optional<std::string> openid, bool active = true) {
    Technician t;
    t.name = "王师傅";
    t.openid = std::move(openid);
    t.active = active;
    return t;
}

TEST(TechnicianBinding, OnlyANonEmptyOpenidIsBound) {
    EXPECT_TRUE(is_bound(with_openid("oTech123")));
    EXPECT_FALSE(is_bound(with_openid(std::nullopt))) << "never bound";
    EXPECT_FALSE(is_bound(with_openid(""))) << "an empty openid reaches nobody";
}

TEST(TechnicianBinding, BindingDoesNotDependOnBeingActive) {
    EXPECT_TRUE(is_bound(with_openid("oTech123", false)));
}

}  // namespace
}  // namespace repairbot::store
