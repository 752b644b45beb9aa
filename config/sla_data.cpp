#include "config/sla_data.h"

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>

#include "config/toml_problems.h"

namespace repairbot::config {
namespace {

using dialog::SlaLimit;
using toml_data::Problems;
using toml_data::type_name;

class Category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "repairbot.sla_data"; }
    std::string message(int ev) const override {
        switch (static_cast<SlaDataErrc>(ev)) {
            case SlaDataErrc::file_unreadable:
                return "SLA data file cannot be read";
            case SlaDataErrc::syntax_error:
                return "SLA data file is not valid TOML";
            case SlaDataErrc::missing_key:
                return "SLA data file lacks a required key";
            case SlaDataErrc::wrong_type:
                return "SLA data key has the wrong type";
            case SlaDataErrc::invalid_value:
                return "SLA data value not allowed";
            case SlaDataErrc::unknown_key:
                return "SLA data file has an unknown key";
        }
        return "unknown SLA data error";
    }
};

constexpr std::string_view limit_grammar =
    "write '<n> min', '<n> h', '<n> d', '<n> working days', '<n> month', 'same day' or "
    "'planned date'";

// Every problem of one load, reported together, with the first one's code.
Error problems_error(const Problems& p) {
    return p.error(SlaDataErrc::invalid_value);
}

std::string join(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

void reject_unknown(const toml::table& t, const std::string& prefix,
                    std::initializer_list<std::string_view> known, Problems& p) {
    for (auto&& [k, v] : t) {
        if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
        std::string allowed;
        for (auto n : known) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
        p.add(SlaDataErrc::unknown_key, join(prefix, k.str()),
              "not a key of this table; remove it or use one of: " + allowed);
    }
}

// The string at `key`, or nullopt (absent, or a problem reported).
std::optional<std::string> get_string(const toml::table& t, const std::string& prefix,
                                      std::string_view key, bool required, Problems& p) {
    const auto* node = t.get(key);
    if (!node) {
        if (required) p.add(SlaDataErrc::missing_key, join(prefix, key), "is required; add it");
        return std::nullopt;
    }
    if (auto s = node->value<std::string>(); s && node->is_string()) return *s;
    p.add(SlaDataErrc::wrong_type, join(prefix, key),
          "must be a quoted string, not a " + type_name(*node));
    return std::nullopt;
}

std::optional<SlaLimit> get_limit(const toml::table& t, const std::string& prefix,
                                  std::string_view key, bool required, Problems& p) {
    auto s = get_string(t, prefix, key, required, p);
    if (!s) return std::nullopt;
    if (auto limit = dialog::parse_sla_limit(*s)) return limit;
    p.add(SlaDataErrc::invalid_value, join(prefix, key),
          "'" + *s + "' is not a time limit; " + std::string(limit_grammar));
    return std::nullopt;
}

std::optional<long long> get_int(const toml::table& t, const std::string& prefix,
                                 std::string_view key, long long lo, long long hi, Problems& p) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (!node->is_integer()) {
        p.add(SlaDataErrc::wrong_type, join(prefix, key),
              "must be a whole number, not a " + type_name(*node));
        return std::nullopt;
    }
    const auto v = node->as_integer()->get();
    if (v < lo || v > hi) {
        p.add(SlaDataErrc::invalid_value, join(prefix, key),
              std::to_string(v) + " is out of range; use " + std::to_string(lo) + " to " +
                  std::to_string(hi));
        return std::nullopt;
    }
    return v;
}

std::optional<bool> get_bool(const toml::table& t, const std::string& prefix, std::string_view key,
                             Problems& p) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (!node->is_boolean()) {
        p.add(SlaDataErrc::wrong_type, join(prefix, key),
              "must be true or false, not a " + type_name(*node));
        return std::nullopt;
    }
    return node->as_boolean()->get();
}

// A sub-table, or nullptr (absent, or a problem reported).
const toml::table* get_table(const toml::table& t, std::string_view key, bool required,
                             Problems& p) {
    const auto* node = t.get(key);
    if (!node) {
        if (required)
            p.add(SlaDataErrc::missing_key, key,
                  "is required; add a [" + std::string(key) + "] table");
        return nullptr;
    }
    if (const auto* table = node->as_table()) return table;
    p.add(SlaDataErrc::wrong_type, key,
          "must be a table ([" + std::string(key) + "]), not a " + type_name(*node));
    return nullptr;
}

// "HH:MM" -> minutes since midnight, with HH in [lo_h, hi_h].
std::optional<int> parse_hh_mm(std::string_view s) {
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    int h = 0, m = 0;
    auto r1 = std::from_chars(s.data(), s.data() + 2, h);
    auto r2 = std::from_chars(s.data() + 3, s.data() + 5, m);
    if (r1.ec != std::errc{} || r1.ptr != s.data() + 2 || r2.ec != std::errc{} ||
        r2.ptr != s.data() + 5 || m > 59)
        return std::nullopt;
    return h * 60 + m;
}

void read_calendar(const toml::table& t, SlaFile& out, Problems& p) {
    reject_unknown(t, "calendar", {"utc_offset", "start_of_business"}, p);
    if (auto s = get_string(t, "calendar", "utc_offset", false, p)) {
        std::optional<int> m;
        if (s->size() == 6 && ((*s)[0] == '+' || (*s)[0] == '-')) m = parse_hh_mm(s->substr(1));
        if (m && *m <= 14 * 60)
            out.utc_offset = std::chrono::minutes{(*s)[0] == '-' ? -*m : *m};
        else
            p.add(SlaDataErrc::invalid_value, "calendar.utc_offset",
                  "'" + *s + "' is not a UTC offset; write it as '+08:00' (China)");
    }
    if (auto s = get_string(t, "calendar", "start_of_business", false, p)) {
        auto m = parse_hh_mm(*s);
        if (m && *m < 24 * 60)
            out.start_of_business = std::chrono::minutes{*m};
        else
            p.add(SlaDataErrc::invalid_value, "calendar.start_of_business",
                  "'" + *s + "' is not a time of day; write it as 'HH:MM', e.g. '09:00'");
    }
}

void read_class(const toml::table& root, std::string_view name, dialog::UrgencyPolicy& up,
                Problems& p) {
    const auto* t = get_table(root, name, true, p);
    if (!t) return;
    const std::string prefix(name);
    reject_unknown(
        *t, prefix,
        {"dispatch", "accept", "arrive", "finish", "public_area_arrive", "honour_booked_time"}, p);
    if (auto l = get_limit(*t, prefix, "dispatch", true, p)) up.dispatch = *l;
    if (auto l = get_limit(*t, prefix, "accept", true, p)) up.accept = *l;
    if (auto l = get_limit(*t, prefix, "arrive", true, p)) up.arrive = *l;
    if (auto l = get_limit(*t, prefix, "finish", true, p)) up.finish = *l;
    up.public_area_arrive = get_limit(*t, prefix, "public_area_arrive", false, p);
    if (auto b = get_bool(*t, prefix, "honour_booked_time", p)) up.honour_booked_time = *b;
}

std::optional<dialog::Date> get_date(const toml::node& node, const std::string& key, Problems& p) {
    if (const auto* d = node.as_date()) {
        const auto v = d->get();
        const dialog::Date date{std::chrono::year{v.year}, std::chrono::month{v.month},
                                std::chrono::day{v.day}};
        if (date.ok()) return date;
        p.add(SlaDataErrc::invalid_value, key, "is not a calendar date");
        return std::nullopt;
    }
    p.add(SlaDataErrc::wrong_type, key,
          "must be a TOML date without quotes (2026-02-15), not a " + type_name(node));
    return std::nullopt;
}

std::optional<std::string> read_file(const std::string& path, Problems& p) {
    auto text = toml_data::read_file(path);
    if (!text)
        p.add(SlaDataErrc::file_unreadable, "",
              "cannot be read; check that it exists and is readable");
    return text;
}

std::optional<toml::table> parse_toml(std::string_view text, Problems& p) {
    return toml_data::parse_toml(text, p, SlaDataErrc::syntax_error);
}

}  // namespace

const std::error_category& sla_data_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(SlaDataErrc e) noexcept {
    return {static_cast<int>(e), sla_data_category()};
}

Result<SlaFile> parse_sla_file(std::string_view text, const std::string& origin) {
    Problems p(origin);
    auto root = parse_toml(text, p);
    if (!root) return problems_error(p);

    SlaFile out;
    auto& policy = out.policy;
    reject_unknown(*root, "",
                   {"warning_percent", "booked_arrival_lead_minutes", "off_list_quote",
                    "planned_date_fallback", "calendar", "stage_starts", "emergency", "normal",
                    "planned", "follow_ups", "callbacks"},
                   p);
    if (auto v = get_int(*root, "", "warning_percent", 1, 99, p))
        policy.warning_percent = static_cast<int>(*v);
    if (auto v = get_int(*root, "", "booked_arrival_lead_minutes", 0, 24 * 60, p))
        policy.booked_arrival_lead = std::chrono::minutes{*v};
    if (auto l = get_limit(*root, "", "off_list_quote", false, p)) policy.off_list_quote = *l;
    if (auto l = get_limit(*root, "", "planned_date_fallback", false, p))
        policy.planned_date_fallback = *l;

    if (const auto* t = get_table(*root, "calendar", false, p)) read_calendar(*t, out, p);
    read_class(*root, "emergency", policy.emergency, p);
    read_class(*root, "normal", policy.normal, p);
    read_class(*root, "planned", policy.planned, p);

    if (const auto* t = get_table(*root, "stage_starts", false, p)) {
        reject_unknown(*t, "stage_starts", {"dispatch", "accept", "quote", "arrive", "finish"}, p);
        for (auto stage : dialog::all_stages) {
            const auto key = dialog::to_string(stage);
            auto s = get_string(*t, "stage_starts", key, false, p);
            if (!s) continue;
            if (auto m = dialog::milestone_from_string(*s))
                policy.stage_starts[static_cast<std::size_t>(stage)] = *m;
            else
                p.add(SlaDataErrc::invalid_value, "stage_starts." + std::string(key),
                      "'" + *s +
                          "' is not a milestone; use received, dispatched, accepted, "
                          "quoted, arrived or finished");
        }
    }
    if (const auto* t = get_table(*root, "follow_ups", false, p)) {
        reject_unknown(*t, "follow_ups",
                       {"rating_reminder", "auto_close", "complaint_callback", "repair_callback",
                        "escalation", "quote_reminder", "complaint_reminder"},
                       p);
        for (std::size_t i = 0; i < policy.follow_ups.size(); ++i) {
            const auto key = dialog::to_string(static_cast<dialog::FollowUp>(i));
            if (auto l = get_limit(*t, "follow_ups", key, false, p)) policy.follow_ups[i] = *l;
        }
    }
    if (const auto* t = get_table(*root, "callbacks", false, p)) {
        reject_unknown(*t, "callbacks", {"sample_percent"}, p);
        if (auto v = get_int(*t, "callbacks", "sample_percent", 0, 100, p))
            out.callbacks.sample_percent = static_cast<int>(*v);
    }
    if (p.empty())
        for (const auto& why : dialog::check_sla_policy(policy))
            p.add(SlaDataErrc::invalid_value, "", why + "; change it in this file");
    if (!p.empty()) return problems_error(p);
    return out;
}

Result<SlaFile> load_sla_file(const std::string& path) {
    Problems p(path);
    auto text = read_file(path, p);
    if (!text) return problems_error(p);
    return parse_sla_file(*text, path);
}

Result<dialog::HolidayYear> parse_holiday_year(std::string_view text, const std::string& origin) {
    Problems p(origin);
    auto root = parse_toml(text, p);
    if (!root) return problems_error(p);

    dialog::HolidayYear out;
    reject_unknown(*root, "", {"year", "source", "holidays"}, p);
    if (auto y = get_int(*root, "", "year", 1949, 9999, p))
        out.year = std::chrono::year{static_cast<int>(*y)};
    else if (!root->get("year"))
        p.add(SlaDataErrc::missing_key, "year", "is required; add year = <the notice's year>");
    if (auto s = get_string(*root, "", "source", true, p)) out.source = *s;

    const auto* node = root->get("holidays");
    const auto* list = node ? node->as_array() : nullptr;
    if (!node) {
        p.add(SlaDataErrc::missing_key, "holidays",
              "is required; add one [[holidays]] table per holiday of the notice");
    } else if (!list || !list->is_array_of_tables() || list->empty()) {
        p.add(SlaDataErrc::wrong_type, "holidays",
              "must be one or more [[holidays]] tables, not a " + type_name(*node));
        list = nullptr;
    }
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        const auto& t = *list->get(i)->as_table();
        const std::string prefix = "holidays[" + std::to_string(i) + "]";
        reject_unknown(t, prefix, {"name", "first_day_off", "last_day_off", "make_up_working_days"},
                       p);
        dialog::Holiday h;
        if (auto s = get_string(t, prefix, "name", true, p)) h.name = *s;
        bool dates_ok = true;
        for (auto [key, field] : {std::pair{"first_day_off", &h.first_day_off},
                                  std::pair{"last_day_off", &h.last_day_off}}) {
            const auto* d = t.get(key);
            if (!d) {
                p.add(SlaDataErrc::missing_key, join(prefix, key),
                      "is required; add it as a TOML date (2026-02-15)");
                dates_ok = false;
            } else if (auto date = get_date(*d, join(prefix, key), p)) {
                *field = *date;
            } else {
                dates_ok = false;
            }
        }
        if (const auto* m = t.get("make_up_working_days")) {
            const auto key = join(prefix, "make_up_working_days");
            if (const auto* arr = m->as_array()) {
                for (std::size_t j = 0; j < arr->size(); ++j)
                    if (auto date = get_date(*arr->get(j), key + "[" + std::to_string(j) + "]", p))
                        h.make_up_working_days.push_back(*date);
            } else {
                p.add(SlaDataErrc::wrong_type, key,
                      "must be an array of TOML dates ([2026-02-14, 2026-02-28]), not a " +
                          type_name(*m));
            }
        }
        if (dates_ok) out.holidays.push_back(std::move(h));
    }
    if (p.empty())
        for (const auto& why : dialog::check_holiday_year(out))
            p.add(SlaDataErrc::invalid_value, "holidays",
                  why + "; correct it from the State Council notice");
    if (!p.empty()) return problems_error(p);
    return out;
}

Result<dialog::HolidayYear> load_holiday_year(const std::string& path) {
    Problems p(path);
    auto text = read_file(path, p);
    if (!text) return problems_error(p);
    auto year = parse_holiday_year(*text, path);
    if (!year) return year;
    const auto stem = std::filesystem::path(path).stem().string();
    if (stem != std::to_string(static_cast<int>(year->year))) {
        p.add(SlaDataErrc::invalid_value, "year",
              std::to_string(static_cast<int>(year->year)) +
                  " does not match the file name; name the file " +
                  std::to_string(static_cast<int>(year->year)) + ".toml");
        return problems_error(p);
    }
    return year;
}

Result<SlaData> load_sla_data(const std::string& data_dir) {
    const std::filesystem::path dir(data_dir);
    Problems p(data_dir);
    auto file = load_sla_file((dir / "sla.toml").string());
    if (!file) p.merge(file.error());

    std::vector<std::string> paths;
    const auto holidays = dir / "holidays";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(holidays, ec))
        if (entry.path().extension() == ".toml") paths.push_back(entry.path().string());
    std::sort(paths.begin(), paths.end());
    if (ec || paths.empty()) {
        Problems h(holidays.string());
        h.add(SlaDataErrc::file_unreadable, "",
              "holds no <year>.toml files; add at least the current year's from the State "
              "Council notice (国务院办公厅关于<year>年部分节假日安排的通知)");
        p.merge(problems_error(h));
    }
    std::vector<dialog::HolidayYear> years;
    for (const auto& path : paths) {
        if (auto y = load_holiday_year(path))
            years.push_back(std::move(y).value());
        else
            p.merge(y.error());
    }
    if (!p.empty()) return problems_error(p);
    return SlaData{file->policy,
                   dialog::WorkingCalendar(std::move(years), file->utc_offset,
                                           file->start_of_business),
                   file->callbacks};
}

std::vector<std::string> calendar_warnings(const dialog::WorkingCalendar& cal,
                                           std::chrono::sys_seconds now,
                                           const std::string& data_dir) {
    const auto today = cal.local_date(now);
    std::vector<std::chrono::year> years{today.year()};
    if (today.month() == std::chrono::December)
        years.push_back(today.year() + std::chrono::years{1});
    std::vector<std::string> out;
    for (auto y : years) {
        if (cal.covers(y)) continue;
        const auto n = std::to_string(static_cast<int>(y));
        out.push_back("no holiday data for " + n + ": working-day deadlines in " + n +
                      " skip weekends only; add " +
                      (std::filesystem::path(data_dir) / "holidays" / (n + ".toml")).string() +
                      " from the State Council notice");
    }
    return out;
}

}  // namespace repairbot::config
