// Address parsing: every way owners write 楼栋-单元-房号 and public areas.
#include <gtest/gtest.h>

#include "dialog/address.h"
#include "dialog/text.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using testing::shipped_data;

struct AddressCase {
    const char* input;
    const char* building;
    const char* unit;
    const char* room;
    const char* area;  // non-empty means a public area
    bool complete;
};

class AddressParsing : public ::testing::TestWithParam<AddressCase> {};

TEST_P(AddressParsing, ReadsBuildingUnitRoomOrArea) {
    const auto& c = GetParam();
    auto m = find_address(text::normalize(c.input), shipped_data().catalog);
    ASSERT_TRUE(m.has_value()) << c.input;
    EXPECT_EQ(m->address.building, c.building) << c.input;
    EXPECT_EQ(m->address.unit, c.unit) << c.input;
    EXPECT_EQ(m->address.room, c.room) << c.input;
    EXPECT_EQ(m->address.area, c.area) << c.input;
    EXPECT_EQ(m->address.is_public, std::string(c.area) != "") << c.input;
    EXPECT_EQ(m->complete, c.complete) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Table, AddressParsing,
    ::testing::Values(AddressCase{"3栋2单元502", "3", "2", "502", "", true},
                      AddressCase{"3-2-502", "3", "2", "502", "", true},
                      AddressCase{"三号楼二单元502", "3", "2", "502", "", true},
                      AddressCase{"3号楼2单元502室", "3", "2", "502", "", true},
                      AddressCase{"３栋２单元５０２", "3", "2", "502", "", true},
                      AddressCase{"12幢1单元1101", "12", "1", "1101", "", true},
                      AddressCase{"十二栋三单元1102", "12", "3", "1102", "", true},
                      AddressCase{"3栋502", "3", "", "502", "", true},
                      AddressCase{"3-502", "3", "", "502", "", true},
                      AddressCase{"A座1201", "a", "", "1201", "", true},
                      AddressCase{"b栋 2单元 302", "b", "2", "302", "", true},
                      AddressCase{"3#2单元502", "3", "2", "502", "", true},
                      AddressCase{"3栋2单元5楼502", "3", "2", "502", "", true},
                      AddressCase{"三栋二单元五零二", "3", "2", "502", "", true},
                      AddressCase{"我家在7栋1单元601，厨房漏水", "7", "1", "601", "", true},
                      AddressCase{"5号楼电梯厅", "5", "", "", "电梯厅", true},
                      AddressCase{"3栋2单元楼道", "3", "2", "", "楼道", true},
                      AddressCase{"8栋大堂的灯坏了", "8", "", "", "大堂", true},
                      AddressCase{"地下车库", "", "", "", "地下车库", true},
                      AddressCase{"小区大门的道闸坏了", "", "", "", "小区大门", true},
                      AddressCase{"3栋", "3", "", "", "", false},
                      AddressCase{"3号楼2单元", "3", "2", "", "", false},
                      AddressCase{"2单元502", "", "2", "502", "", false},
                      AddressCase{"3－2－502", "3", "2", "502", "", true},
                      AddressCase{"二十栋一单元201", "20", "1", "201", "", true}));

TEST(AddressParsing, FindsNothingInTextWithoutAnAddress) {
    for (const char* s : {"厨房水管漏水了", "明天上午10点", "你好", "", "2026-11-25", "10点半"}) {
        EXPECT_FALSE(find_address(text::normalize(s), shipped_data().catalog)) << s;
    }
}

TEST(AddressParsing, SpanCoversExactlyTheAddress) {
    std::string s = text::normalize("3栋502厨房漏水");
    auto m = find_address(s, shipped_data().catalog);
    ASSERT_TRUE(m);
    EXPECT_EQ(s.substr(m->begin, m->end - m->begin), "3栋502");
}

TEST(AddressDisplay, ShowsTheNormalizedForm) {
    EXPECT_EQ(display(Address{.building = "3", .unit = "2", .room = "502"}), "3栋2单元502");
    EXPECT_EQ(display(Address{.building = "a", .room = "1201"}), "A栋1201");
    EXPECT_EQ(display(Address{.building = "5", .area = "电梯厅", .is_public = true}), "5栋电梯厅");
    EXPECT_EQ(display(Address{.label = "幸福小区"}), "幸福小区");
}

TEST(AddressSameAsLastTime, RecognizesTheUsualPhrasings) {
    for (const char* s : {"同上次", "和上次一样", "跟上次一样", "老地址", "上次的地址"}) {
        EXPECT_TRUE(means_same_as_last_time(s)) << s;
    }
    EXPECT_FALSE(means_same_as_last_time("3栋502"));
}

}  // namespace
}  // namespace repairbot::dialog
