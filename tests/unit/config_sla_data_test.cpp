// Loading config/sla.toml and config/holidays/<year>.toml: the shipped files load to DOMAIN.md's
// defaults and the notices' dates, and every broken file is refused with the file, key and fix.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/sla_data.h"

namespace repairbot::config {
namespace {

using dialog::SlaLimit;

std::string source_dir() {
    return REPAIRBOT_SOURCE_DIR;
}

// A copy of the shipped config/ data files in a temporary folder the test may break.
class DataDir {
  public:
    DataDir() {
        dir_ = std::filesystem::temp_directory_path() /
               ("repairbot-sla-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        std::filesystem::create_directories(dir_ / "holidays");
        std::filesystem::copy_file(source_dir() + "/config/sla.toml", dir_ / "sla.toml");
        for (auto y : {"2025", "2026"})
            std::filesystem::copy_file(source_dir() + "/config/holidays/" + y + ".toml",
                                       dir_ / "holidays" / (std::string(y) + ".toml"));
    }
    ~DataDir() { std::filesystem::remove_all(dir_); }
    void write(const std::string& rel, const std::string& text) const {
        std::ofstream(dir_ / rel) << text;
    }
    [[nodiscard]] std::string path() const { return dir_.string(); }
    [[nodiscard]] std::string path(const std::string& rel) const { return (dir_ / rel).string(); }

  private:
    static inline int counter_ = 0;
    std::filesystem::path dir_;
};

const std::string minimal_classes = R"(
[emergency]
dispatch = "3 min"
accept = "5 min"
arrive = "30 min"
finish = "8 h"
[normal]
dispatch = "10 min"
accept = "30 min"
arrive = "1 working day"
finish = "3 working days"
[planned]
dispatch = "same day"
accept = "2 h"
arrive = "72 h"
finish = "planned date"
)";

const std::string minimal_year = R"(
year = 2026
source = "test"
[[holidays]]
name = "春节"
first_day_off = 2026-02-15
last_day_off = 2026-02-23
make_up_working_days = [2026-02-14, 2026-02-28]
)";

TEST(SlaConfigData, ShippedPolicyIsTheDomainDefaults) {
    auto r = load_sla_file(source_dir() + "/config/sla.toml");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->policy, dialog::SlaPolicy{});
    EXPECT_EQ(r->utc_offset, std::chrono::minutes{480});
    EXPECT_EQ(r->start_of_business, std::chrono::minutes{540});
    // Spelled out, so a change of the struct defaults cannot silently change both sides.
    EXPECT_EQ(r->policy.emergency.dispatch, SlaLimit::minutes(3));
    EXPECT_EQ(r->policy.emergency.public_area_arrive, SlaLimit::minutes(15));
    EXPECT_FALSE(r->policy.emergency.honour_booked_time);
    EXPECT_EQ(r->policy.normal.arrive, SlaLimit::working_days(1));
    EXPECT_EQ(r->policy.normal.finish, SlaLimit::working_days(3));
    EXPECT_EQ(r->policy.planned.dispatch, SlaLimit::same_day());
    EXPECT_EQ(r->policy.planned.finish, SlaLimit::planned_date());
    EXPECT_EQ(r->policy.off_list_quote, SlaLimit::minutes(15));
    EXPECT_EQ(r->policy.booked_arrival_lead, std::chrono::minutes{5});
    EXPECT_EQ(r->policy.warning_percent, 80);
    EXPECT_EQ(r->policy.follow_up(dialog::FollowUp::repair_callback), SlaLimit::calendar_months(1));
    EXPECT_EQ(r->policy.follow_up(dialog::FollowUp::escalation), SlaLimit::minutes(10));
    EXPECT_EQ(r->policy.follow_up(dialog::FollowUp::quote_reminder), SlaLimit::hours(2));
    EXPECT_EQ(r->policy.follow_up(dialog::FollowUp::complaint_reminder), SlaLimit::hours(24));
}

TEST(SlaConfigData, ShippedHolidayFilesHoldTheNotices) {
    auto y26 = load_holiday_year(source_dir() + "/config/holidays/2026.toml");
    ASSERT_TRUE(y26.ok()) << y26.error().message();
    EXPECT_EQ(y26->year, std::chrono::year{2026});
    ASSERT_EQ(y26->holidays.size(), 7u);
    EXPECT_EQ(y26->holidays[1].name, "春节");
    EXPECT_EQ(y26->holidays[1].first_day_off, dialog::Date(std::chrono::year{2026} / 2 / 15));
    EXPECT_EQ(y26->holidays[1].last_day_off, dialog::Date(std::chrono::year{2026} / 2 / 23));
    EXPECT_EQ(y26->holidays[1].make_up_working_days.size(), 2u);
    EXPECT_NE(y26->source.find("2026年部分节假日安排"), std::string::npos);

    auto y25 = load_holiday_year(source_dir() + "/config/holidays/2025.toml");
    ASSERT_TRUE(y25.ok()) << y25.error().message();
    EXPECT_EQ(y25->holidays.size(), 6u);

    auto all = load_sla_data(source_dir() + "/config");
    ASSERT_TRUE(all.ok()) << all.error().message();
    EXPECT_EQ(all->calendar.covered_years().size(), 2u);
}

TEST(SlaConfigData, OptionalKeysOverrideTheDefaults) {
    auto r = parse_sla_file(R"(
warning_percent = 75
booked_arrival_lead_minutes = 0
off_list_quote = "20 min"
planned_date_fallback = "10 d"
[calendar]
utc_offset = "-03:30"
start_of_business = "08:15"
[stage_starts]
finish = "arrived"
[follow_ups]
auto_close = "5 d"
)" + minimal_classes + R"(
public_area_arrive = "1 h"
honour_booked_time = false
)",
                            "sla.toml");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->policy.warning_percent, 75);
    EXPECT_EQ(r->policy.booked_arrival_lead, std::chrono::minutes{0});
    EXPECT_EQ(r->policy.off_list_quote, SlaLimit::minutes(20));
    EXPECT_EQ(r->policy.planned_date_fallback, SlaLimit::days(10));
    EXPECT_EQ(r->utc_offset, std::chrono::minutes{-210});
    EXPECT_EQ(r->start_of_business, std::chrono::minutes{495});
    EXPECT_EQ(r->policy.start_of(dialog::Stage::finish), dialog::Milestone::arrived);
    EXPECT_EQ(r->policy.start_of(dialog::Stage::arrive), dialog::Milestone::received);
    EXPECT_EQ(r->policy.follow_up(dialog::FollowUp::auto_close), SlaLimit::days(5));
    EXPECT_EQ(r->policy.planned.public_area_arrive, SlaLimit::hours(1));
    EXPECT_FALSE(r->policy.planned.honour_booked_time);
    EXPECT_FALSE(r->policy.emergency.public_area_arrive.has_value());
}

struct BadPolicy {
    const char* what;
    std::string text;
    SlaDataErrc code;
    std::vector<std::string> mentions;  // each must occur in the error detail
};

TEST(SlaConfigData, BrokenPolicyIsRefusedWithKeyAndFix) {
    const BadPolicy cases[] = {
        {"TOML syntax",
         "warning_percent = = 3\n" + minimal_classes,
         SlaDataErrc::syntax_error,
         {"sla.toml", "line 1", "fix the TOML syntax"}},
        {"a class table missing",
         "[emergency]\ndispatch=\"3 min\"\naccept=\"5 min\"\narrive=\"30 min\"\nfinish=\"8 h\"\n"
         "[normal]\ndispatch=\"10 min\"\naccept=\"30 min\"\narrive=\"1 working day\"\n"
         "finish=\"3 working days\"\n",
         SlaDataErrc::missing_key,
         {"sla.toml: planned", "add a [planned] table"}},
        {"a stage limit missing",
         "[emergency]\ndispatch=\"3 min\"\naccept=\"5 min\"\nfinish=\"8 h\"\n" +
             minimal_classes.substr(minimal_classes.find("[normal]")),
         SlaDataErrc::missing_key,
         {"sla.toml: emergency.arrive: is required"}},
        {"a limit that is not a string",
         "off_list_quote = 15\n" + minimal_classes,
         SlaDataErrc::wrong_type,
         {"off_list_quote: must be a quoted string, not a integer"}},
        {"a limit in unknown words",
         "off_list_quote = \"15 minutes\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"off_list_quote: '15 minutes' is not a time limit", "'<n> min'", "'<n> working days'"}},
        {"zero minutes",
         "off_list_quote = \"0 min\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"off_list_quote: '0 min' is not a time limit"}},
        {"a typo in a table name",
         "[emergncy]\ndispatch = \"3 min\"\n" + minimal_classes,
         SlaDataErrc::unknown_key,
         {"sla.toml: emergncy: not a key of this table", "emergency"}},
        {"a typo in a class key",
         minimal_classes + "public_area_arive = \"15 min\"\n",
         SlaDataErrc::unknown_key,
         {"planned.public_area_arive", "public_area_arrive"}},
        {"warning share out of range",
         "warning_percent = 100\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"warning_percent: 100 is out of range; use 1 to 99"}},
        {"warning share not a number",
         "warning_percent = \"80%\"\n" + minimal_classes,
         SlaDataErrc::wrong_type,
         {"warning_percent: must be a whole number"}},
        {"bad UTC offset",
         "[calendar]\nutc_offset = \"UTC+8\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"calendar.utc_offset: 'UTC+8' is not a UTC offset", "'+08:00'"}},
        {"bad start of business",
         "[calendar]\nstart_of_business = \"9am\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"calendar.start_of_business", "'HH:MM'"}},
        {"unknown milestone",
         "[stage_starts]\narrive = \"booked\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"stage_starts.arrive: 'booked' is not a milestone"}},
        {"a start the desk cannot honour",
         "[stage_starts]\nfinish = \"finished\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"stage_starts.finish must be received, dispatched, accepted or arrived (it is "
          "'finished')"}},
        {"planned date as fallback",
         "planned_date_fallback = \"planned date\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"planned_date_fallback cannot itself be 'planned date'"}},
        {"same day as a follow-up",
         "[follow_ups]\nauto_close = \"same day\"\n" + minimal_classes,
         SlaDataErrc::invalid_value,
         {"follow_ups.auto_close must be a duration"}},
        {"honour_booked_time not a boolean",
         minimal_classes + "honour_booked_time = \"yes\"\n",
         SlaDataErrc::wrong_type,
         {"planned.honour_booked_time: must be true or false"}},
    };
    for (const auto& c : cases) {
        auto r = parse_sla_file(c.text, "sla.toml");
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.code(), make_error_code(c.code)) << c.what << ": " << r.error().detail;
        for (const auto& m : c.mentions)
            EXPECT_NE(r.error().detail.find(m), std::string::npos)
                << c.what << ": '" << m << "' not in: " << r.error().detail;
    }
}

TEST(SlaConfigData, EveryProblemOfAFileIsReportedAtOnce) {
    auto r = parse_sla_file("warning_percent = 0\noff_list_quote = \"soon\"\n", "sla.toml");
    ASSERT_FALSE(r.ok());
    const auto& d = r.error().detail;
    for (auto m : {"warning_percent", "off_list_quote", "emergency", "normal", "planned"})
        EXPECT_NE(d.find(m), std::string::npos) << m << " not in: " << d;
    EXPECT_EQ(r.code(), make_error_code(SlaDataErrc::invalid_value));  // the first problem's
}

struct BadYear {
    const char* what;
    std::string text;
    SlaDataErrc code;
    std::vector<std::string> mentions;
};

TEST(SlaConfigData, BrokenHolidayYearIsRefusedWithKeyAndFix) {
    auto replaced = [](std::string from, std::string to) {
        auto s = minimal_year;
        s.replace(s.find(from), from.size(), to);
        return s;
    };
    const BadYear cases[] = {
        {"no year", replaced("year = 2026", ""), SlaDataErrc::missing_key, {"year: is required"}},
        {"no source",
         replaced("source = \"test\"", ""),
         SlaDataErrc::missing_key,
         {"source: is required"}},
        {"no holidays",
         "year = 2026\nsource = \"x\"\n",
         SlaDataErrc::missing_key,
         {"holidays: is required", "[[holidays]]"}},
        {"a date in quotes",
         replaced("2026-02-15", "\"2026-02-15\""),
         SlaDataErrc::wrong_type,
         {"holidays[0].first_day_off: must be a TOML date without quotes"}},
        {"a make-up day in quotes",
         replaced("[2026-02-14,", "[\"2026-02-14\","),
         SlaDataErrc::wrong_type,
         {"holidays[0].make_up_working_days[0]"}},
        {"a missing last day",
         replaced("last_day_off = 2026-02-23", ""),
         SlaDataErrc::missing_key,
         {"holidays[0].last_day_off: is required"}},
        {"a make-up weekday",
         replaced("2026-02-28]", "2026-02-27]"),
         SlaDataErrc::invalid_value,
         {"2026-02-27 is not a Saturday or Sunday", "correct it from the State Council notice"}},
        {"an impossible date",
         replaced("2026-02-23", "2026-02-30"),
         SlaDataErrc::syntax_error,
         {"line"}},
        {"a typo",
         replaced("make_up_working_days", "makeup_days"),
         SlaDataErrc::unknown_key,
         {"holidays[0].makeup_days"}},
        {"a year out of range",
         replaced("year = 2026", "year = 26"),
         SlaDataErrc::invalid_value,
         {"year: 26 is out of range"}},
    };
    for (const auto& c : cases) {
        auto r = parse_holiday_year(c.text, "2026.toml");
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.code(), make_error_code(c.code)) << c.what << ": " << r.error().detail;
        for (const auto& m : c.mentions)
            EXPECT_NE(r.error().detail.find(m), std::string::npos)
                << c.what << ": '" << m << "' not in: " << r.error().detail;
        EXPECT_EQ(r.error().detail.rfind("2026.toml", 0), 0u) << c.what;
    }
}

TEST(SlaConfigData, HolidayFileNameMustMatchItsYear) {
    DataDir dir;
    dir.write("holidays/2027.toml", minimal_year);
    auto r = load_holiday_year(dir.path("holidays/2027.toml"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), make_error_code(SlaDataErrc::invalid_value));
    EXPECT_NE(r.error().detail.find("name the file 2026.toml"), std::string::npos)
        << r.error().detail;
}

TEST(SlaConfigData, MissingFilesAreUnreadable) {
    auto r = load_sla_file("/nonexistent/sla.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), make_error_code(SlaDataErrc::file_unreadable));
    EXPECT_NE(r.error().detail.find("/nonexistent/sla.toml"), std::string::npos);

    DataDir dir;
    std::filesystem::remove_all(dir.path("holidays"));
    auto all = load_sla_data(dir.path());
    ASSERT_FALSE(all.ok());
    EXPECT_EQ(all.code(), make_error_code(SlaDataErrc::file_unreadable));
    EXPECT_NE(all.error().detail.find("holds no <year>.toml files"), std::string::npos)
        << all.error().detail;
}

TEST(SlaConfigData, DataDirReportsProblemsOfEveryFile) {
    DataDir dir;
    dir.write("sla.toml", "warning_percent = 0\n" + minimal_classes);
    dir.write("holidays/2026.toml", minimal_year + "bogus = 1\n");
    dir.write("holidays/README.txt", "ignored: not a .toml file");
    auto r = load_sla_data(dir.path());
    ASSERT_FALSE(r.ok());
    const auto& d = r.error().detail;
    EXPECT_NE(d.find("sla.toml: warning_percent"), std::string::npos) << d;
    EXPECT_NE(d.find("2026.toml: holidays[0].bogus"), std::string::npos) << d;
    EXPECT_EQ(d.find("README"), std::string::npos) << d;
}

TEST(SlaConfigData, ExtraYearsJoinTheCalendar) {
    DataDir dir;
    dir.write("holidays/2027.toml", R"(
year = 2027
source = "a future notice"
[[holidays]]
name = "元旦"
first_day_off = 2027-01-01
last_day_off = 2027-01-03
)");
    auto r = load_sla_data(dir.path());
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->calendar.covered_years().size(), 3u);
    EXPECT_EQ(r->calendar.kind_of(std::chrono::year{2027} / 1 / 1),
              dialog::DayKind::public_holiday);
}

TEST(SlaConfigData, CalendarWarningsNameTheMissingYearAndTheFile) {
    auto data = load_sla_data(source_dir() + "/config");
    ASSERT_TRUE(data.ok()) << data.error().message();
    const auto& cal = data->calendar;
    auto at = [](int y, unsigned m, unsigned d) {
        return std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{y} / m / d}} +
               std::chrono::hours{4};
    };
    EXPECT_TRUE(calendar_warnings(cal, at(2026, 6, 1), "config").empty());
    const auto december = calendar_warnings(cal, at(2026, 12, 1), "config");
    ASSERT_EQ(december.size(), 1u);
    EXPECT_NE(december[0].find("no holiday data for 2027"), std::string::npos) << december[0];
    EXPECT_NE(december[0].find("config/holidays/2027.toml"), std::string::npos) << december[0];
    EXPECT_EQ(calendar_warnings(cal, at(2027, 12, 15), "config").size(), 2u);
    EXPECT_EQ(calendar_warnings(dialog::WorkingCalendar{}, at(2026, 3, 1), "config").size(), 1u);
}

}  // namespace
}  // namespace repairbot::config
