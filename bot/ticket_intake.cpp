#include "bot/ticket_intake.h"

#include <cppconn/exception.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "config/log.h"
#include "store/ticket_repository.h"

namespace repairbot::bot {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

store::Timestamp to_timestamp(std::chrono::sys_seconds t) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

std::optional<store::Timestamp> due_of(const std::optional<dialog::Deadline>& d) {
    if (!d) return std::nullopt;
    return to_timestamp(d->due);
}

// A booked point in time ("明天上午10点") is the time to be there by; for a longer window
// ("今天下午") any time inside it keeps the booking, so its end is the limit.
std::chrono::sys_seconds booked_arrival(const dialog::TimeWindow& w) {
    return (w.end - w.start) <= 1h ? w.start : w.end;
}

}  // namespace

TicketIntake::TicketIntake(store::MysqlPool& mysql, const config::SlaData& sla,
                           const config::Notices& notices, const dialog::DialogData& data)
    : mysql_(mysql), sla_(sla), notices_(notices), data_(data) {}

std::string TicketIntake::local_time_text(std::chrono::sys_seconds t) const {
    auto local = t + sla_.calendar.utc_offset();
    auto day = std::chrono::floor<std::chrono::days>(local);
    std::chrono::year_month_day ymd{day};
    std::chrono::hh_mm_ss hms{local - day};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%u月%u日 %02d:%02d", static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()));
    return buf;
}

store::NewTicket TicketIntake::new_ticket(const dialog::CreateTicket& create) const {
    const auto& r = create.report;
    store::NewTicket nt;
    auto& t = nt.ticket;
    t.idempotency_key = create.idempotency_key;
    t.owner_openid = r.owner_openid;
    t.phone = r.phone;
    t.building = r.address.building;
    t.unit = r.address.unit;
    t.room = r.address.room;
    t.area = r.address.area;
    t.address = dialog::display(r.address);
    t.public_area = r.address.is_public;
    t.fault_type = r.fault_type;
    t.trade = r.trade;
    t.urgency = std::string(dialog::to_string(r.urgency));
    t.description = r.description;
    t.channel = "wechat";
    if (r.preferred_time) {
        t.preferred_from = to_timestamp(r.preferred_time->start);
        t.preferred_to = to_timestamp(r.preferred_time->end);
    }
    t.status = store::ticket_status::new_;
    t.created_at = to_timestamp(r.received_at);

    dialog::TicketFacts facts;
    facts.urgency = r.urgency;
    facts.public_area = r.address.is_public;
    facts.paid_off_list = false;
    if (r.preferred_time) facts.booked_visit = booked_arrival(*r.preferred_time);
    using dialog::Stage;
    t.due.dispatch = due_of(dialog::deadline_for(sla_.policy, sla_.calendar, facts, Stage::dispatch, r.received_at));
    t.due.arrive = due_of(dialog::deadline_for(sla_.policy, sla_.calendar, facts, Stage::arrive, r.received_at));
    t.due.finish = due_of(dialog::deadline_for(sla_.policy, sla_.calendar, facts, Stage::finish, r.received_at));

    nlohmann::json details = {{"channel", "wechat"},
                              {"photos", r.photos.size()},
                              {"emergency", r.emergency},
                              {"urgency", t.urgency}};
    nt.first_event = {r.owner_openid, "owner", "created", details.dump()};
    for (const auto& p : r.photos) {
        nlohmann::json payload = {{"media_id", p.media_id}, {"pic_url", p.pic_url}};
        nt.outbox.push_back({"media_download", "", payload.dump(), std::nullopt});
    }
    return nt;
}

std::string TicketIntake::created_text(const store::Ticket& t) const {
    auto urgency = dialog::urgency_from_string(t.urgency).value_or(dialog::Urgency::normal);
    dialog::TextId label = urgency == dialog::Urgency::emergency ? dialog::TextId::urgency_emergency
                           : urgency == dialog::Urgency::planned ? dialog::TextId::urgency_planned
                                                                 : dialog::TextId::urgency_normal;
    auto when = [&](const std::optional<store::Timestamp>& ts) {
        return ts ? local_time_text(std::chrono::floor<std::chrono::seconds>(*ts)) : std::string("待定");
    };
    return notices_.render("ticket_created", {{"number", t.number},
                                              {"urgency", data_.texts.get(label)},
                                              {"arrive_by", when(t.due.arrive)},
                                              {"finish_by", when(t.due.finish)}});
}

std::string TicketIntake::progress_text(const std::vector<store::Ticket>& open) const {
    if (open.empty()) return notices_.render("progress_none");
    std::string items;
    for (const auto& t : open) {
        if (!items.empty()) items += "\n";
        items += notices_.render("progress_item", {{"number", t.number},
                                                   {"fault_type", t.fault_type},
                                                   {"status", notices_.render("status_" + t.status)}});
    }
    return notices_.render("progress_list", {{"items", items}});
}

asio::awaitable<dialog::OwnerProfile> TicketIntake::profile_of(std::string openid) {
    (void)openid;
    co_return dialog::OwnerProfile{};
}

asio::awaitable<EffectsResult> TicketIntake::carry_out(std::string openid,
                                                       std::vector<dialog::Effect> effects,
                                                       std::chrono::sys_seconds now) {
    EffectsResult result;
    (void)now;
    const char* deferred_notice = "busy";
    try {
        for (auto& effect : effects) {
            if (std::holds_alternative<dialog::CreateTicket>(effect)) deferred_notice = "ticket_deferred";
            if (auto* create = std::get_if<dialog::CreateTicket>(&effect)) {
                // Named, not a temporary inside co_await: g++ 12 relocates the captures of a
                // lambda temporary in a co_await expression bitwise (a string's SSO pointer then
                // points into the old frame).
                auto work = [nt = new_ticket(*create)](sql::Connection& c) {
                    return store::TicketRepository::create(c, nt);
                };
                auto created = co_await mysql_.run(std::move(work));
                if (!created) {
                    log::error("intake", "create_failed", {{"error", created.error().message()}});
                    result.deferred = true;
                    result.deferred_reply = notices_.render(deferred_notice);
                    co_return result;
                }
                const auto& t = created->ticket;
                log::info("intake", created->created ? "ticket_created" : "ticket_repeat",
                          {{"number", t.number}, {"urgency", t.urgency}, {"fault_type", t.fault_type}});
                result.extra_replies.push_back(created_text(t));
            } else if (std::holds_alternative<dialog::QueryProgress>(effect)) {
                store::TicketFilter filter;
                filter.owner_openid = openid;
                filter.open_only = true;
                filter.limit = 10;
                auto work = [filter](sql::Connection& c) {
                    return store::TicketRepository::list(c, filter);
                };
                auto open = co_await mysql_.run(std::move(work));
                result.extra_replies.push_back(progress_text(open));
            } else {
                log::info("intake", "effect_recorded", {{"effect", effect.index()}});
            }
        }
    } catch (const ServiceUnavailable& e) {
        log::warn("intake", "mysql_unavailable", {{"error", e.what()}});
        result.deferred = true;
        result.deferred_reply = notices_.render(deferred_notice);
        result.extra_replies.clear();
    }
    co_return result;
}

}  // namespace repairbot::bot
