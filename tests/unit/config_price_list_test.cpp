// The price list (有偿维修收费标准): the shipped config/prices.toml loads against the shipped fault
// catalog, a broken file is refused naming the file, the key, the value and the fix, and the
// checks the chat makes (off the list → quote first; fee over the list's maximum; public areas
// free) answer as DOMAIN.md says.
#include <gtest/gtest.h>

#include "config/dialog_data.h"
#include "config/price_list.h"

namespace repairbot::config {
namespace {

const std::vector<std::string> kFaultTypes{"水", "电", "燃气", "门窗", "电梯",
                                           "墙面", "下水道", "公共设施", "其他"};

PriceList parse_ok(std::string_view text) {
    auto list = parse_price_list(text, "prices.toml", kFaultTypes);
    EXPECT_TRUE(list) << (list ? "" : list.error().detail);
    return list ? *list : PriceList{};
}

std::string parse_error(std::string_view text) {
    auto list = parse_price_list(text, "prices.toml", kFaultTypes);
    EXPECT_FALSE(list);
    if (list) return "";
    EXPECT_EQ(list.code(), std::make_error_code(std::errc::invalid_argument));
    return list.error().detail;
}

const char* kTwoWaterItems = R"(
[[item]]
fault_type = "水"
name = "更换水龙头"
min = 20
max = 40

[[item]]
fault_type = "水"
name = "水管接头漏水维修"
min = 40
max = 120.5

[[item]]
fault_type = "电"
name = "更换灯泡"
min = 10
max = 30
)";

TEST(PriceList, ShippedFileLoadsAgainstTheShippedCatalog) {
    const std::string dir = std::string(REPAIRBOT_SOURCE_DIR) + "/config";
    auto data = load_dialog_data(dir);
    ASSERT_TRUE(data) << data.error().detail;
    std::vector<std::string> types;
    for (const auto& t : data->catalog.types()) types.push_back(t.name);
    auto list = load_price_list(dir, types);
    ASSERT_TRUE(list) << list.error().detail;
    for (const char* listed : {"水", "电", "燃气", "门窗", "墙面", "下水道"}) {
        EXPECT_FALSE(list->is_off_list(listed, false)) << listed;
        EXPECT_GT(list->max_cents(listed), 0u) << listed;
    }
    // Lifts and shared facilities are public; "other" work is always quoted.
    EXPECT_TRUE(list->is_off_list("其他", false));
    for (const auto& item : list->items()) {
        EXPECT_LE(item.min_cents, item.max_cents) << item.name;
        EXPECT_LE(item.max_cents, 100000u) << item.name << ": over 1000 yuan looks like a typo";
    }
}

TEST(PriceList, MaximumIsTheHighestOfTheFaultTypesItems) {
    auto list = parse_ok(kTwoWaterItems);
    EXPECT_EQ(list.max_cents("水"), 12050u);
    EXPECT_EQ(list.max_cents("电"), 3000u);
    EXPECT_EQ(list.max_cents("门窗"), 0u);
    ASSERT_EQ(list.items_for("水").size(), 2u);
    EXPECT_EQ(list.items_for("水")[0],
              (PriceItem{"水", "更换水龙头", 2000, 4000}));
}

TEST(PriceList, OwnerAreaFaultTypeWithoutEntryNeedsAQuote) {
    auto list = parse_ok(kTwoWaterItems);
    EXPECT_TRUE(list.is_off_list("门窗", false));
    EXPECT_TRUE(list.is_off_list("其他", false));
    EXPECT_FALSE(list.is_off_list("水", false));
    EXPECT_FALSE(list.is_off_list("门窗", true)) << "public areas are free, never quoted";
    EXPECT_TRUE(PriceList{}.is_off_list("水", false)) << "an empty list quotes everything";
}

TEST(PriceList, FeeChecks) {
    auto list = parse_ok(kTwoWaterItems);
    struct Case {
        const char* fault_type;
        bool public_area;
        std::uint32_t cents;
        FeeCheck expected;
    };
    const Case cases[] = {
        {"水", false, 12050, {FeeVerdict::ok, 12050}},            // at the maximum
        {"水", false, 12051, {FeeVerdict::over_maximum, 12050}},  // one fen over
        {"水", false, 0, {FeeVerdict::ok, 12050}},                // waived
        {"水", false, 500, {FeeVerdict::ok, 12050}},              // under min: the desk's call
        {"电", false, 5000, {FeeVerdict::over_maximum, 3000}},
        {"水", true, 0, {FeeVerdict::ok, 0}},
        {"水", true, 100, {FeeVerdict::must_be_free, 0}},
        {"门窗", true, 100, {FeeVerdict::must_be_free, 0}},
        {"门窗", false, 99900, {FeeVerdict::off_list, 0}},  // the agreed quote governs
    };
    for (const auto& c : cases) {
        EXPECT_EQ(list.check_fee(c.fault_type, c.public_area, c.cents), c.expected)
            << c.fault_type << " public=" << c.public_area << " cents=" << c.cents;
    }
}

TEST(PriceList, YuanTextShowsFenOnlyWhenThereAreAny) {
    EXPECT_EQ(yuan_text(12000), "120元");
    EXPECT_EQ(yuan_text(1250), "12.50元");
    EXPECT_EQ(yuan_text(5), "0.05元");
}

TEST(PriceList, EmptyFileIsAValidListThatQuotesEverything) {
    auto list = parse_ok("# nothing priced yet\n");
    EXPECT_TRUE(list.items().empty());
}

TEST(PriceList, ErrorsNameTheFileKeyValueAndFix) {
    struct Case {
        const char* name;
        std::string text;
        std::string expected;
    };
    const std::string head = "[[item]]\nfault_type = \"水\"\nname = \"龙头\"\n";
    const Case cases[] = {
        {"min above max", head + "min = 50\nmax = 30\n",
         "prices.toml: item[0].max: 30元 is below min 50元; swap them"},
        {"negative", head + "min = -5\nmax = 30\n",
         "prices.toml: item[0].min: -5 is out of range; write yuan from 0 to 100000"},
        {"too big", head + "min = 5\nmax = 1000000\n", "item[0].max: 1000000 is out of range"},
        {"finer than a fen", head + "min = 5\nmax = 30.125\n",
         "item[0].max: 30.125 is finer than a fen; use at most two decimals"},
        {"quoted amount", head + "min = \"5\"\nmax = 30\n",
         "item[0].min: must be a number of yuan without quotes (30 or 12.5), not a string"},
        {"missing max", head + "min = 5\n", "item[0].max: is required; add the amount in yuan"},
        {"zero max", head + "min = 0\nmax = 0\n", "item[0].max: is 0; a free service"},
        {"unknown fault type",
         "[[item]]\nfault_type = \"木工\"\nname = \"x\"\nmin = 1\nmax = 2\n",
         "prices.toml: item[0].fault_type: '木工' is not a fault type of faults.toml; use one of "
         "水, 电"},
        {"missing name", "[[item]]\nfault_type = \"水\"\nmin = 1\nmax = 2\n",
         "item[0].name: is required; add it"},
        {"unknown key", head + "min = 1\nmax = 2\nprice = 3\n",
         "item[0].price: not a key of an item; remove it or use fault_type, name, min, max"},
        {"unknown top-level key", "currency = \"CNY\"\n",
         "prices.toml: currency: not a key of this file"},
        {"item not a table", "item = 3\n", "prices.toml: item: must be [[item]] tables"},
        {"duplicate", head + "min = 1\nmax = 2\n" + head + "min = 1\nmax = 3\n",
         "item[1].name: '龙头' is listed twice for fault type '水'; keep one of them"},
        {"bad TOML", "[[item]\n", "prices.toml: line 1: "},
    };
    for (const auto& c : cases) {
        const auto detail = parse_error(c.text);
        EXPECT_NE(detail.find(c.expected), std::string::npos)
            << c.name << ": " << detail << "\nexpected: " << c.expected;
    }
}

TEST(PriceList, EveryProblemIsReportedAtOnce) {
    const auto detail = parse_error(
        "[[item]]\nfault_type = \"木工\"\nname = \"a\"\nmin = 1\nmax = 2\n"
        "[[item]]\nfault_type = \"水\"\nname = \"b\"\nmin = 9\nmax = 2\n");
    EXPECT_NE(detail.find("item[0].fault_type"), std::string::npos) << detail;
    EXPECT_NE(detail.find("item[1].max"), std::string::npos) << detail;
}

TEST(PriceList, MissingFileIsNamed) {
    auto list = load_price_list("/nonexistent-repairbot-dir", kFaultTypes);
    ASSERT_FALSE(list);
    EXPECT_EQ(list.code(), std::make_error_code(std::errc::no_such_file_or_directory));
    EXPECT_NE(list.error().detail.find("/nonexistent-repairbot-dir/prices.toml: cannot be read"),
              std::string::npos)
        << list.error().detail;
}

}  // namespace
}  // namespace repairbot::config
