#include "dialog/session_codec.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace repairbot::dialog {
namespace {

constexpr std::size_t kMaxEncoded = 1 << 20;
constexpr std::size_t kMaxPhotos = 64;

constexpr std::size_t kMaxFeedback = 32;
constexpr std::size_t kMaxShownJobs = 64;

constexpr std::array<std::string_view, 4> kFlows = {"idle", "owner_report", "owner_feedback",
                                                    "technician_pick"};
constexpr std::array<std::string_view, 8> kSteps = {"address", "fault_type", "description",
                                                    "photos",  "phone",      "preferred_time",
                                                    "confirm", "resume"};
constexpr std::array<std::string_view, 5> kFeedbackSteps = {"confirm", "score", "comment", "quote",
                                                            "refuse_reason"};
constexpr std::array<std::string_view, 7> kJobActions = {
    "accept", "arrive", "finish", "quote", "hand_over", "approve_quote", "reject_quote"};

void escape_into(std::string& out, std::string_view v) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (c == '%' || c == '|' || u < 0x20 || u == 0x7F) {
            out.push_back('%');
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 0xF]);
        } else {
            out.push_back(c);
        }
    }
}

std::optional<std::string> unescape(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '%') {
            out.push_back(v[i]);
            continue;
        }
        if (i + 2 >= v.size()) return std::nullopt;
        unsigned value = 0;
        auto [p, ec] = std::from_chars(v.data() + i + 1, v.data() + i + 3, value, 16);
        if (ec != std::errc{} || p != v.data() + i + 3) return std::nullopt;
        out.push_back(static_cast<char>(value));
        i += 2;
    }
    return out;
}

template <class N>
void number_into(std::string& out, N n) {
    std::array<char, 32> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), n);
    out.append(buf.data(), r.ptr);
}

template <class N>
std::optional<N> parse_num(std::string_view v) {
    N n{};
    if (v.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
    return n;
}

std::optional<bool> parse_bool(std::string_view v) {
    if (v == "1") return true;
    if (v == "0") return false;
    return std::nullopt;
}

template <std::size_t N>
std::optional<std::size_t> index_of(const std::array<std::string_view, N>& names,
                                    std::string_view v) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == v) return i;
    }
    return std::nullopt;
}

// Splits a value on '|' into exactly `n` fields; nullopt when the count differs.
std::optional<std::vector<std::string>> fields(std::string_view v, std::size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    std::size_t start = 0;
    while (true) {
        auto bar = v.find('|', start);
        auto piece = unescape(
            v.substr(start, bar == std::string_view::npos ? v.size() - start : bar - start));
        if (!piece) return std::nullopt;
        out.push_back(std::move(*piece));
        if (out.size() > n) return std::nullopt;
        if (bar == std::string_view::npos) break;
        start = bar + 1;
    }
    if (out.size() != n) return std::nullopt;
    return out;
}

class Writer {
  public:
    explicit Writer(std::string& out) : out_(out) {}
    void line(std::string_view key) {
        out_.append(key);
        out_.push_back('=');
    }
    void text(std::string_view key, std::string_view v) {
        line(key);
        escape_into(out_, v);
        out_.push_back('\n');
    }
    template <class N>
    void number(std::string_view key, N n) {
        line(key);
        number_into(out_, n);
        out_.push_back('\n');
    }

  private:
    std::string& out_;
};

std::int64_t seconds_of(std::chrono::sys_seconds t) {
    return t.time_since_epoch().count();
}

std::optional<std::chrono::sys_seconds> parse_time(std::string_view v) {
    auto n = parse_num<std::int64_t>(v);
    if (!n) return std::nullopt;
    return std::chrono::sys_seconds{std::chrono::seconds{*n}};
}

void cents_into(std::string& out, const std::optional<std::int64_t>& cents) {
    out.push_back(cents ? '1' : '0');
    out.push_back('|');
    number_into(out, cents.value_or(0));
}

// "has|value" as written by cents_into.
std::optional<std::optional<std::int64_t>> parse_cents(std::string_view has, std::string_view v) {
    auto h = parse_bool(has);
    auto n = parse_num<std::int64_t>(v);
    if (!h || !n) return std::nullopt;
    return *h ? std::optional<std::int64_t>(*n) : std::nullopt;
}

std::optional<Feedback> parse_feedback(std::string_view v) {
    auto f = fields(v, 6);
    if (!f) return std::nullopt;
    auto step = index_of(kFeedbackSteps, (*f)[0]);
    auto cents = parse_cents((*f)[2], (*f)[3]);
    auto score = parse_num<unsigned>((*f)[4]);
    auto asked = parse_time((*f)[5]);
    if (!step || !cents || !score || *score > 5 || !asked) return std::nullopt;
    return Feedback{static_cast<FeedbackStep>(*step), (*f)[1], *cents,
                    static_cast<std::uint8_t>(*score), *asked};
}

std::optional<PendingJobCommand> parse_job_command_line(std::string_view v) {
    auto f = fields(v, 4);
    if (!f) return std::nullopt;
    auto action = index_of(kJobActions, (*f)[0]);
    auto cents = parse_cents((*f)[1], (*f)[2]);
    if (!action || !cents) return std::nullopt;
    return PendingJobCommand{static_cast<JobAction>(*action), *cents, (*f)[3], std::nullopt};
}

}  // namespace

std::string encode(const Session& s) {
    std::string out;
    out.reserve(256);
    out.append(kSessionHeader);
    out.push_back('\n');
    Writer w(out);
    w.text("flow", kFlows[static_cast<std::size_t>(s.flow)]);
    w.text("step", kSteps[static_cast<std::size_t>(s.step)]);
    w.text("report_id", s.report_id);
    w.number("revision", s.revision);
    w.number("misses", s.misses);
    w.number("last_active", seconds_of(s.last_active));
    w.text("held_text", s.held_text);
    w.text("last_ticket_key", s.last_ticket_key);
    w.number("last_ticket_at", seconds_of(s.last_ticket_at));
    w.text("last_emergency", s.last_emergency);
    w.text("last_emergency_address", s.last_emergency_address);
    const auto& d = s.draft;
    if (d.address) {
        const auto& a = *d.address;
        w.line("address");
        for (auto part : {&a.building, &a.unit, &a.room, &a.area}) {
            escape_into(out, *part);
            out.push_back('|');
        }
        out.push_back(a.is_public ? '1' : '0');
        out.push_back('|');
        escape_into(out, a.label);
        out.push_back('|');
        out.push_back(a.location ? '1' : '0');
        out.push_back('|');
        number_into(out, a.location ? a.location->latitude : 0.0);
        out.push_back('|');
        number_into(out, a.location ? a.location->longitude : 0.0);
        out.push_back('\n');
    }
    w.text("address_part", d.address_part);
    w.text("fault_type", d.fault_type);
    w.text("description", d.description);
    for (const auto& p : d.photos) {
        w.line("photo");
        escape_into(out, p.media_id);
        out.push_back('|');
        escape_into(out, p.pic_url);
        out.push_back('\n');
    }
    w.number("photos_done", d.photos_done ? 1 : 0);
    w.text("phone", d.phone);
    w.line("time");
    out.push_back(d.time_answered ? '1' : '0');
    out.push_back('|');
    out.push_back(d.preferred_time ? '1' : '0');
    out.push_back('|');
    number_into(out, d.preferred_time ? seconds_of(d.preferred_time->start) : 0);
    out.push_back('|');
    number_into(out, d.preferred_time ? seconds_of(d.preferred_time->end) : 0);
    out.push_back('\n');
    w.text("emergency", d.emergency);
    w.number("planned", d.planned ? 1 : 0);
    w.number("advice_given", d.advice_given ? 1 : 0);
    for (const auto& f : s.feedback) {
        w.line("feedback");
        out.append(kFeedbackSteps[static_cast<std::size_t>(f.step)]);
        out.push_back('|');
        escape_into(out, f.ticket_number);
        out.push_back('|');
        cents_into(out, f.cents);
        out.push_back('|');
        number_into(out, static_cast<unsigned>(f.score));
        out.push_back('|');
        number_into(out, seconds_of(f.asked_at));
        out.push_back('\n');
    }
    if (!s.fault_unplaced.empty()) w.text("fault_unplaced", s.fault_unplaced);
    if (!s.current_job.empty()) {
        w.line("current_job");
        escape_into(out, s.current_job);
        out.push_back('\n');
    }
    if (!s.shown_jobs.empty()) {
        w.line("shown_jobs");
        for (std::size_t i = 0; i < s.shown_jobs.size() && i < kMaxShownJobs; ++i) {
            if (i > 0) out.push_back('|');
            escape_into(out, s.shown_jobs[i]);
        }
        out.push_back('\n');
    }
    if (s.job_command) {
        const auto& c = *s.job_command;
        w.line("job_command");
        out.append(kJobActions[static_cast<std::size_t>(c.action)]);
        out.push_back('|');
        cents_into(out, c.cents);
        out.push_back('|');
        escape_into(out, c.text);
        out.push_back('\n');
        if (c.fee_asked) {
            w.line("job_fee_asked");
            number_into(out, *c.fee_asked);
            out.push_back('\n');
        }
    }
    return out;
}

std::optional<Session> decode(std::string_view in) {
    if (in.size() > kMaxEncoded) return std::nullopt;
    auto first_nl = in.find('\n');
    if (first_nl == std::string_view::npos || in.substr(0, first_nl) != kSessionHeader) {
        return std::nullopt;
    }
    Session s;
    auto& d = s.draft;
    std::vector<std::string_view> seen;
    std::size_t pos = first_nl + 1;
    while (pos < in.size()) {
        auto nl = in.find('\n', pos);
        if (nl == std::string_view::npos) return std::nullopt;  // every line ends with '\n'
        std::string_view line = in.substr(pos, nl - pos);
        pos = nl + 1;
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) return std::nullopt;
        std::string_view key = line.substr(0, eq);
        std::string_view v = line.substr(eq + 1);
        if (key != "photo" && key != "feedback") {
            for (auto k : seen) {
                if (k == key) return std::nullopt;
            }
            seen.push_back(key);
        }
        auto text = [&](std::string& field) {
            auto u = unescape(v);
            if (u) field = std::move(*u);
            return u.has_value();
        };
        bool ok = true;
        if (key == "flow") {
            auto i = index_of(kFlows, v);
            ok = i.has_value();
            if (ok) s.flow = static_cast<Flow>(*i);
        } else if (key == "step") {
            auto i = index_of(kSteps, v);
            ok = i.has_value();
            if (ok) s.step = static_cast<ReportStep>(*i);
        } else if (key == "report_id") {
            ok = text(s.report_id);
        } else if (key == "revision") {
            auto n = parse_num<std::uint32_t>(v);
            ok = n.has_value();
            if (ok) s.revision = *n;
        } else if (key == "misses") {
            auto n = parse_num<std::uint32_t>(v);
            ok = n.has_value();
            if (ok) s.misses = *n;
        } else if (key == "last_active") {
            auto t = parse_time(v);
            ok = t.has_value();
            if (ok) s.last_active = *t;
        } else if (key == "held_text") {
            ok = text(s.held_text);
        } else if (key == "last_ticket_key") {
            ok = text(s.last_ticket_key);
        } else if (key == "last_emergency") {
            ok = text(s.last_emergency);
        } else if (key == "last_emergency_address") {
            ok = text(s.last_emergency_address);
        } else if (key == "last_ticket_at") {
            auto t = parse_time(v);
            ok = t.has_value();
            if (ok) s.last_ticket_at = *t;
        } else if (key == "address") {
            auto f = fields(v, 9);
            if (!f) return std::nullopt;
            Address a;
            a.building = (*f)[0];
            a.unit = (*f)[1];
            a.room = (*f)[2];
            a.area = (*f)[3];
            auto pub = parse_bool((*f)[4]);
            auto has_loc = parse_bool((*f)[6]);
            auto lat = parse_num<double>((*f)[7]);
            auto lng = parse_num<double>((*f)[8]);
            if (!pub || !has_loc || !lat || !lng || !std::isfinite(*lat) || !std::isfinite(*lng)) {
                return std::nullopt;
            }
            a.is_public = *pub;
            a.label = (*f)[5];
            if (*has_loc) a.location = GeoPoint{*lat, *lng};
            d.address = std::move(a);
        } else if (key == "address_part") {
            ok = text(d.address_part);
        } else if (key == "fault_type") {
            ok = text(d.fault_type);
        } else if (key == "description") {
            ok = text(d.description);
        } else if (key == "photo") {
            auto f = fields(v, 2);
            if (!f || d.photos.size() >= kMaxPhotos) return std::nullopt;
            d.photos.push_back(Photo{(*f)[0], (*f)[1]});
        } else if (key == "photos_done") {
            auto b = parse_bool(v);
            ok = b.has_value();
            if (ok) d.photos_done = *b;
        } else if (key == "phone") {
            ok = text(d.phone);
        } else if (key == "time") {
            auto f = fields(v, 4);
            if (!f) return std::nullopt;
            auto answered = parse_bool((*f)[0]);
            auto has = parse_bool((*f)[1]);
            auto start = parse_time((*f)[2]);
            auto end = parse_time((*f)[3]);
            if (!answered || !has || !start || !end) return std::nullopt;
            d.time_answered = *answered;
            if (*has) d.preferred_time = TimeWindow{*start, *end};
        } else if (key == "emergency") {
            ok = text(d.emergency);
        } else if (key == "planned") {
            auto b = parse_bool(v);
            ok = b.has_value();
            if (ok) d.planned = *b;
        } else if (key == "feedback") {
            auto f = parse_feedback(v);
            if (!f || s.feedback.size() >= kMaxFeedback) return std::nullopt;
            s.feedback.push_back(std::move(*f));
        } else if (key == "job_command") {
            auto c = parse_job_command_line(v);
            if (!c) return std::nullopt;
            s.job_command = std::move(*c);
        } else if (key == "job_fee_asked") {
            // After its job_command (encode writes it so); alone it means nothing.
            // As on_job_command sets it: 1-99 yuan, of a pending 完成.
            auto n = parse_num<std::int64_t>(v);
            ok = n.has_value() && *n >= 100 && *n <= 9900 && *n % 100 == 0 &&
                 s.job_command.has_value() && s.job_command->action == JobAction::finish;
            if (ok) s.job_command->fee_asked = *n;
        } else if (key == "current_job") {
            ok = text(s.current_job);
        } else if (key == "fault_unplaced") {
            ok = text(s.fault_unplaced);
        } else if (key == "shown_jobs") {
            for (std::size_t from = 0; ok;) {
                const auto bar = v.find('|', from);
                auto number = unescape(v.substr(from, bar == std::string_view::npos ? bar : bar - from));
                ok = number.has_value() && !number->empty() && s.shown_jobs.size() < kMaxShownJobs;
                if (ok) s.shown_jobs.push_back(std::move(*number));
                if (bar == std::string_view::npos) break;
                from = bar + 1;
            }
        } else if (key == "advice_given") {
            auto b = parse_bool(v);
            ok = b.has_value();
            if (ok) d.advice_given = *b;
        }
        if (!ok) return std::nullopt;
    }
    return s;
}

}  // namespace repairbot::dialog
