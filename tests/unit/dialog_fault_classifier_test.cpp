// Fault classification by the shipped catalog's keywords, and the urgency derived from it.
#include <gtest/gtest.h>

#include "dialog/fault_classifier.h"
#include "dialog/text.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using testing::shipped_data;

struct FaultCase {
    const char* input;
    const char* type;       // "" = no type
    const char* emergency;  // "" = not an emergency
    Urgency urgency;
};

class FaultClassification : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultClassification, PicksTypeEmergencyAndUrgency) {
    const auto& c = GetParam();
    const auto& catalog = shipped_data().catalog;
    auto r = classify(text::normalize(c.input), catalog);
    EXPECT_EQ(r.type ? r.type->name : "", c.type) << c.input;
    EXPECT_EQ(r.emergency ? r.emergency->kind : "", c.emergency) << c.input;
    EXPECT_EQ(derive_urgency(r.type, r.emergency != nullptr, r.planned), c.urgency) << c.input;
}

constexpr auto E = Urgency::emergency;
constexpr auto N = Urgency::normal;
constexpr auto P = Urgency::planned;
INSTANTIATE_TEST_SUITE_P(
    Table, FaultClassification,
    ::testing::Values(
        FaultCase{"厨房水管漏水了", "水", "", N}, FaultCase{"水龙头一直滴水", "水", "", N},
        FaultCase{"水管爆了，水漫一地", "水", "flood", E},
        FaultCase{"卫生间跑水了", "水", "flood", E}, FaultCase{"客厅灯不亮", "电", "", N},
        FaultCase{"插座没电", "电", "", N}, FaultCase{"插座冒火花", "电", "electric", E},
        FaultCase{"家里停电了", "电", "electric", E}, FaultCase{"有漏电", "电", "electric", E},
        FaultCase{"没有漏电，就是灯不亮", "电", "", N}, FaultCase{"厨房有燃气味", "燃气", "gas", E},
        // Asked, not ruled out (是不是, 有没有); the words an owner in a hurry uses.
        FaultCase{"插座是不是漏电了，一碰就麻", "电", "electric", E},
        FaultCase{"厨房是不是燃气泄漏了", "燃气", "gas", E},
        FaultCase{"闻一下有没有燃气味", "燃气", "gas", E},
        FaultCase{"不是漏电，是灯坏了", "电", "", N},
        FaultCase{"水管破了 到处是水", "水", "flood", E}, FaultCase{"水管暴了", "水", "flood", E},
        FaultCase{"家里突然没电了", "电", "electric", E},
        FaultCase{"灯不亮，但是不是漏电", "电", "", N}, FaultCase{"插座都没电了", "电", "", N},
        FaultCase{"水管断断续续滴水", "水", "", N}, FaultCase{"闻到很重的煤气味", "燃气", "gas", E},
        FaultCase{"燃气灶打不着火", "燃气", "", N}, FaultCase{"防盗门锁坏了", "门窗", "", N},
        FaultCase{"窗户关不上", "门窗", "", N},
        FaultCase{"电梯坏了", "电梯", "", E},  // a lift failure is urgent
        FaultCase{"有人被困在电梯里", "电梯", "lift", E}, FaultCase{"墙皮脱落", "墙面", "", N},
        FaultCase{"天花板开裂", "墙面", "", N}, FaultCase{"马桶堵了", "下水道", "", N},
        FaultCase{"地漏反水", "下水道", "", N}, FaultCase{"路灯不亮", "公共设施", "", N},
        FaultCase{"门禁刷不开", "公共设施", "", N},
        FaultCase{"楼下着火了", "其他", "fire_medical", E},
        FaultCase{"空调滤网清洗保养", "", "", P}, FaultCase{"墙面有裂缝，不急", "墙面", "", P},
        FaultCase{"ＬＥＤ灯管闪", "电", "", N}, FaultCase{"你好", "", "", N},
        // Everyday words holding a type keyword name no fault (ordinary_words): 电 of 电话, 门
        // of 上门 — a longer keyword starting there still counts (充电桩).
        FaultCase{"师傅什么时候上门", "", "", N}, FaultCase{"业主电话打不通", "", "", N},
        FaultCase{"师傅电话多少", "", "", N}, FaultCase{"我家门口有狗，来之前打电话", "", "", N},
        FaultCase{"门口的灯坏了", "电", "", N}, FaultCase{"充电桩坏了", "公共设施", "", N},
        FaultCase{"防盗门口的锁坏了", "门窗", "", N}, FaultCase{"家里怎么还没来电", "电", "", N},
        // A power cut said the way owners say it at night, and water where electricity is:
        // DOMAIN.md's emergencies (power cut, electric leakage). A window or a door that will
        // not move is no emergency.
        FaultCase{"全黑了，跳闸推不上去", "电", "electric", E},
        FaultCase{"电闸一推上去就跳", "电", "electric", E},
        FaultCase{"家里跳闸了，推不上去", "电", "electric", E},
        FaultCase{"空开跳了推不上去", "电", "electric", E},
        FaultCase{"客厅的灯里往下滴水", "水", "electric", E},
        FaultCase{"插座进水了", "电", "electric", E},
        FaultCase{"配电箱进水了", "电", "electric", E},
        FaultCase{"跳闸了推不上去", "电", "electric", E},
        FaultCase{"空开推不上去", "电", "electric", E},
        FaultCase{"空气开关推不上去", "电", "electric", E},
        FaultCase{"电闸拉不上去", "电", "electric", E},
        FaultCase{"空开一合上就跳", "电", "electric", E},
        FaultCase{"合闸就跳", "电", "electric", E}, FaultCase{"家里一片漆黑", "电", "electric", E},
        FaultCase{"整个家都黑了", "电", "electric", E},
        // Water at a light or socket: a plumber's leak (水) with the electric safety advice.
        FaultCase{"客厅的灯滴水了", "水", "electric", E},
        FaultCase{"吊灯在往下滴水", "水", "electric", E},
        FaultCase{"灯里进水了", "电", "electric", E},
        FaultCase{"插座里进水了", "电", "electric", E}, FaultCase{"插座漏水", "水", "electric", E},
        FaultCase{"电表箱漏水", "电", "electric", E},
        FaultCase{"吊灯里面在滴水", "水", "electric", E},
        FaultCase{"楼上漏水，水从吊灯流下来", "水", "electric", E},
        FaultCase{"开关面板里在渗水", "水", "electric", E},
        FaultCase{"卫生间水龙头开关里渗水", "水", "", N},
        FaultCase{"水不是从吊灯流下来的，是墙上渗水", "水", "", N},
        // A door, a barrier, cement, a valve, one light gone: no danger.
        FaultCase{"窗户推不上去", "门窗", "", N}, FaultCase{"门合不上", "门窗", "", N},
        FaultCase{"车库卷闸推不上去了", "", "", N}, FaultCase{"小区道闸合不上", "公共设施", "", N},
        FaultCase{"插座里有水泥，插头插不进去", "电", "", N},
        FaultCase{"马桶的开关进水阀坏了", "水", "", N},
        FaultCase{"燃气总开关推不上去", "燃气", "", N},
        FaultCase{"卧室灯坏了，家里全黑", "电", "", N},
        FaultCase{"卧室灯坏了，屋里全黑", "电", "", N}, FaultCase{"", "", "", N}));

TEST(FaultCatalogMenu, NumbersFollowTheFileOrder) {
    const auto& catalog = shipped_data().catalog;
    ASSERT_EQ(catalog.types().size(), 9u);
    EXPECT_EQ(catalog.by_menu_number(1)->name, "水");
    EXPECT_EQ(catalog.by_menu_number(9)->name, "其他");
    EXPECT_EQ(catalog.by_menu_number(0), nullptr);
    EXPECT_EQ(catalog.by_menu_number(10), nullptr);
    EXPECT_EQ(catalog.fallback()->name, "其他");
    EXPECT_EQ(catalog.find("下水道")->trade, "水");
}

}  // namespace
}  // namespace repairbot::dialog
