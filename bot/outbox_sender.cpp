#include "bot/outbox_sender.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <functional>

#include "adapters/wechat/api/errors.h"
#include "bot/lanes.h"
#include "config/log.h"
#include "dialog/texts.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"

namespace repairbot::bot {

namespace asio = boost::asio;
namespace api = wechat::api;

namespace {

// `text` with each {name} the payload has replaced by its value (a string as it is, anything
// else as JSON); a {name} it lacks reads as nothing, is added to `missing` (once) and makes the
// result false. A '{' without a closing '}' is written as it is.
bool fill_line(std::string_view text, const nlohmann::json& payload, std::string& out,
               std::vector<std::string>& missing) {
    bool complete = true;
    dialog::substitute(text, out, [&](std::string_view name, std::string& to) {
        auto it = payload.find(name);
        if (it != payload.end()) {
            to += it->is_string() ? it->get_ref<const std::string&>() : it->dump();
        } else {
            complete = false;
            if (std::find(missing.begin(), missing.end(), name) == missing.end())
                missing.emplace_back(name);
        }
        return true;  // a field the payload lacks reads as nothing
    });
    return complete;
}

// A template field: the missing fields read as nothing.
std::string fill(std::string_view text, const nlohmann::json& payload,
                 std::vector<std::string>& missing) {
    std::string out;
    out.reserve(text.size() + 64);
    fill_line(text, payload, out, missing);
    return out;
}

// A message text, line by line: a line naming a field the payload lacks is left out (a push
// queued by an older version, before the wording named that field), and blank lines that leaves
// at either end with it; when no line with text is left, the missing fields read as nothing.
std::string fill_text(std::string_view text, const nlohmann::json& payload,
                      std::vector<std::string>& missing) {
    std::string out, line;
    out.reserve(text.size() + 128);
    bool dropped = false, has_text = false, first = true;
    for (std::size_t from = 0; from <= text.size();) {
        const auto eol = std::min(text.find('\n', from), text.size());
        line.clear();
        if (fill_line(text.substr(from, eol - from), payload, line, missing)) {
            if (!first) out.push_back('\n');
            out += line;
            first = false;
            has_text = has_text || !line.empty();
        } else {
            dropped = true;
        }
        from = eol + 1;
    }
    if (!dropped) return out;
    if (!has_text) return fill(text, payload, missing);
    const auto begin = out.find_first_not_of('\n');
    return out.substr(begin, out.find_last_not_of('\n') - begin + 1);
}

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

std::optional<WordedNotice> word_notice(const config::PushTemplates& templates, std::string_view payload) {
    auto json = nlohmann::json::parse(payload, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    WordedNotice notice;
    notice.event = json.value("event", std::string("staff_notice"));
    notice.wording = &templates.for_event(notice.event);
    notice.text = fill_text(notice.wording->text, json, notice.missing);
    notice.template_data = nlohmann::json::object();
    for (const auto& [field, text] : notice.wording->data)
        notice.template_data[field] = {{"value", fill(text, json, notice.missing)}};
    return notice;
}

std::chrono::milliseconds retry_delay(std::uint32_t attempts, double jitter) {
    double seconds = attempts >= 10 ? 600.0 : std::min(600.0, static_cast<double>(1u << attempts));
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 * jitter));
}

OutboxWorker::OutboxWorker(store::MysqlPool& mysql, api::ApiClient& api,
                           const config::PushTemplates& templates, OutboxWorkerOptions options)
    : mysql_(mysql), api_(api), templates_(templates), options_(std::move(options)),
      random_(std::random_device{}()) {}

void OutboxWorker::stop() { stopping_ = true; }

asio::awaitable<void> OutboxWorker::stopped(std::chrono::milliseconds limit) {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (running_ && std::chrono::steady_clock::now() < deadline) {
        tick.expires_after(std::chrono::milliseconds(10));
        boost::system::error_code ignored;
        co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (running_) log::warn("outbox", "stop_timed_out", {{"limit_ms", limit.count()}});
}

asio::awaitable<void> OutboxWorker::run() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    running_ = true;
    log::info("outbox", "worker_started", {{"worker", options_.worker_id}});
    while (!stopping_) {
        std::size_t handled = 0;
        try {
            handled = co_await deliver_due();
        } catch (const ServiceUnavailable& e) {
            log::warn("outbox", "mysql_unavailable", {{"error", e.what()}});
        } catch (const std::exception& e) {
            log::error("outbox", "pass_failed", {{"error", e.what()}});
        }
        if (handled == 0 && !stopping_) {
            timer.expires_after(options_.poll_interval);
            boost::system::error_code ignored;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
    }
    log::info("outbox", "worker_stopped", {{"worker", options_.worker_id}});
    running_ = false;
}

asio::awaitable<std::size_t> OutboxWorker::deliver_due() {
    // The time is taken once, outside the work: should the pool run the claim again (a
    // deadlock, a lost link) after one of its two UPDATEs committed, the read-back still finds
    // those rows by the same lease. The recipients' 48-hour windows come in the same hop.
    // `runs` tells claim_due when it is such a repeat: it reads back even when it leased none.
    auto claim = [at = now_ms(), lease = options_.lease, worker = options_.worker_id,
                  batch = options_.batch, runs = 0](sql::Connection& c) mutable {
        Pass pass;
        pass.rows = store::OutboxRepository::claim_due(c, at, lease, worker, batch, runs++ > 0);
        std::vector<std::string> recipients;
        for (const auto& row : pass.rows)
            if (std::find(recipients.begin(), recipients.end(), row.recipient) == recipients.end())
                recipients.push_back(row.recipient);
        pass.last_inbound = store::OwnerRepository::last_inbound_of(c, recipients);
        return pass;
    };
    auto pass = co_await mysql_.run(std::move(claim));
    if (pass.rows.empty()) co_return 0;
    // A few sends at once: each mostly waits on WeChat and MySQL. The lanes share `random_` and
    // the metrics on one strand.
    std::function<asio::awaitable<void>(std::size_t)> step = [this, &pass](std::size_t i) {
        auto inbound = pass.last_inbound.find(pass.rows[i].recipient);
        return deliver(std::move(pass.rows[i]), inbound == pass.last_inbound.end()
                                                    ? std::nullopt
                                                    : std::optional<store::Timestamp>(inbound->second));
    };
    std::function<bool()> go_on = [this] { return !stopping_; };
    std::exception_ptr failed;
    try {
        co_await in_lanes(pass.rows.size(), options_.concurrency, std::move(step),
                          std::move(go_on));
    } catch (...) {
        failed = std::current_exception();
    }
    // Marks a failed statement left (MySQL gone past the pool's retries, and no lane marked
    // after it): tried again a few times, well inside the lease and a stop's grace; given up
    // after that, they are sent again when their leases end (at least once, as ever).
    asio::steady_timer wait(co_await asio::this_coro::executor);
    for (int attempt = 1; !unmarked_.empty() && attempt <= 3; ++attempt) {
        wait.expires_after(std::chrono::milliseconds(250 * attempt));
        boost::system::error_code ignored;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        try {
            co_await write_marks();
        } catch (const std::exception& e) {
            log::warn("outbox", "mark_failed", {{"attempt", attempt}, {"error", e.what()}});
        }
    }
    if (!unmarked_.empty()) {
        std::string ids;
        for (const auto& u : unmarked_) ids += (ids.empty() ? "" : ",") + std::to_string(u.id);
        log::error("outbox", "marks_given_up",
                   {{"ids", ids}, {"next", "sent again when their leases end"}});
        unmarked_.clear();
    }
    if (failed) std::rethrow_exception(failed);
    co_return pass.rows.size();
}

asio::awaitable<void> OutboxWorker::mark_sent(store::OutboxRepository::SentPush sent) {
    unmarked_.push_back(sent);
    if (marking_) co_return;  // the lane writing marks takes this one in its next statement
    marking_ = true;
    // No guard object: a frame destroyed with the io_context must not touch the worker.
    std::exception_ptr failed;
    try {
        co_await write_marks();
    } catch (...) {
        failed = std::current_exception();
    }
    marking_ = false;
    if (failed) std::rethrow_exception(failed);
}

asio::awaitable<void> OutboxWorker::write_marks() {
    while (!unmarked_.empty()) {
        std::vector<store::OutboxRepository::SentPush> group;
        group.swap(unmarked_);
        auto work = [group, worker = options_.worker_id](sql::Connection& c) {
            return store::OutboxRepository::mark_sent(c, group, worker, now_ms());
        };
        std::size_t marked = 0;
        std::exception_ptr failed;
        try {
            marked = co_await mysql_.run(std::move(work));
        } catch (...) {
            failed = std::current_exception();
        }
        if (failed) {  // back in front, for the next lane's mark or deliver_due's retry
            group.insert(group.end(), unmarked_.begin(), unmarked_.end());
            unmarked_ = std::move(group);
            std::rethrow_exception(failed);
        }
        // Fewer only when a lease ran out before the mark: the row is someone else's now and
        // goes out again.
        if (marked < group.size())
            log::warn(
                "outbox", "mark_lease_lost",
                {{"group", group.size()}, {"marked", marked}, {"first_id", group.front().id}});
    }
}

asio::awaitable<void> OutboxWorker::record_failure(store::OutboxMessage row, std::optional<int> errcode,
                                                   std::string error, bool retry, std::string label) {
    if (metrics_)
        metrics_->counter("repairbot_outbox_send_failures_total", {{"errcode", label}},
                          "Failed push attempts, by WeChat's errcode (45009 rate limit, -1 busy, ...) "
                          "or what failed on the way (timeout, http_5xx, network, bad_row).")
            .add();
    std::optional<store::Timestamp> retry_at;
    if (retry && row.attempts < options_.max_attempts) {
        std::uniform_real_distribution<double> jitter(0.5, 1.5);
        retry_at = now_ms() + retry_delay(row.attempts, jitter(random_));
    }
    auto work = [id = row.id, worker = options_.worker_id, errcode, error, retry_at](sql::Connection& c) {
        return store::OutboxRepository::mark_failed(c, id, worker, errcode, error, retry_at);
    };
    (void)co_await mysql_.run(std::move(work));
    log::warn("outbox", retry_at ? "retry_scheduled" : "failed",
              {{"id", row.id}, {"kind", row.kind}, {"attempts", row.attempts},
               {"errcode", errcode ? *errcode : 0}, {"error", error}});
}

asio::awaitable<void> OutboxWorker::deliver(store::OutboxMessage row,
                                            std::optional<store::Timestamp> last_inbound) {
    const std::string worker = options_.worker_id;
    if (row.kind != "notify" || row.recipient.empty()) {
        co_await record_failure(row, std::nullopt, "unknown outbox kind '" + row.kind + "' or no recipient", false,
                                "bad_row");
        co_return;
    }
    auto notice = word_notice(templates_, row.payload);
    if (!notice) {
        co_await record_failure(row, std::nullopt, "payload is not a JSON object", false, "bad_row");
        co_return;
    }
    if (!notice->missing.empty()) {
        std::string names;
        for (const auto& n : notice->missing) names += (names.empty() ? "{" : ", {") + n + "}";
        log::warn("outbox", "placeholders_missing",
                  {{"id", row.id},
                   {"event", notice->event},
                   {"names", names},
                   {"fix",
                    "a push queued before its wording named these reads without them; "
                    "otherwise correct the names in config/push.toml [" +
                        notice->event + "]"}});
    }

    // Inside the 48-hour window a plain text reads better than a template.
    bool in_window = last_inbound && now_ms() - *last_inbound < options_.service_window;

    Status sent{Ok{}};
    std::optional<std::int64_t> msgid;  // a template's, for its TEMPLATESENDJOBFINISH receipt
    if (in_window) {
        sent = co_await api_.send_custom_text(row.recipient, notice->text);
        if (!sent && sent.code() == api::ApiFailure::outside_window) in_window = false;
    }
    if (!in_window) {
        auto r = co_await api_.send_template(row.recipient, notice->wording->template_id,
                                             notice->wording->url, notice->template_data);
        sent = r ? Status{Ok{}} : Status{r.error()};
        if (r) msgid = *r;
    }
    if (sent) {
        co_await mark_sent({row.id, msgid});
        const char* channel = in_window ? "custom" : "template";
        log::info("outbox", "sent", {{"id", row.id}, {"event", notice->event}, {"channel", channel}});
        if (metrics_)
            metrics_->counter("repairbot_outbox_sent_total", {{"channel", channel}},
                              "Pushes delivered, by channel (customer-service text or template).")
                .add();
        co_return;
    }
    auto code = sent.code();
    bool retry = code == api::ApiFailure::retryable || code == api::ApiFailure::token_invalid;
    int errcode = api::wechat_errcode(code);
    co_await record_failure(row, errcode ? std::optional<int>(errcode) : std::nullopt, sent.error().message(), retry,
                            api_failure_label(code));
}

}  // namespace repairbot::bot
