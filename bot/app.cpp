#include "bot/app.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <random>
#include <thread>

#include "adapters/wechat/api/api_client.h"
#include "adapters/wechat/api/endpoint.h"
#include "adapters/wechat/webhook.h"
#include "bot/admin_api.h"
#include "bot/callback_api.h"
#include "bot/conversation.h"
#include "bot/dispatch_api.h"
#include "bot/health.h"
#include "bot/http_server.h"
#include "bot/job_desk.h"
#include "bot/metrics.h"
#include "bot/outbox_sender.h"
#include "bot/photo_worker.h"
#include "bot/queue_notes.h"
#include "bot/sender_directory.h"
#include "bot/sla_timers.h"
#include "bot/stats_command.h"
#include "bot/ticket_amend.h"
#include "bot/ticket_intake.h"
#include "bot/webhook_endpoint.h"
#include "bot/wechat_token_store.h"
#include "config/dialog_data.h"
#include "config/loader.h"
#include "config/log.h"
#include "config/notices.h"
#include "config/price_list.h"
#include "config/push_templates.h"
#include "config/sla_data.h"
#include "store/dedupe_store.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/redis.h"
#include "store/session_store.h"
#include "store/timer_index.h"
#include "store/webhook_gate.h"

namespace repairbot::bot {

namespace asio = boost::asio;

int run_migrate(const config::Settings& settings) {
    std::optional<Result<std::vector<std::string>>> result;
    try {
        result = store::migrate(settings.mysql);
    } catch (const ServiceUnavailable& e) {
        log::error("migrate", "database_unreachable", {{"error", e.what()}});
        std::cerr << "repairbot migrate: the database cannot be reached (" << e.what()
                  << ").\nCheck that the server in REPAIRBOT_MYSQL_URL is running and reachable"
                     " (./scripts/services start for the local one).\n";
        return kExitFailure;
    }
    auto& applied = *result;
    if (!applied) {
        log::error("migrate", "failed", {{"error", applied.error().message()}});
        // The server answered: the message says what it refused (its version, the lock, a
        // migration's statement). Applied migrations are skipped when it runs again.
        std::cerr << "repairbot migrate: " << applied.error().message()
                  << "\nFix that and run 'repairbot migrate' again: what was applied stays applied.\n";
        return kExitFailure;
    }
    if (applied->empty()) std::cout << "migrations: up to date\n";
    for (const auto& name : *applied) std::cout << "migrations: applied " << name << "\n";
    return kExitOk;
}

namespace {

// The desk's data files, loaded and validated before anything starts.
struct DeskData {
    std::unique_ptr<dialog::DialogData> dialog;
    std::unique_ptr<config::Notices> notices;
    std::unique_ptr<config::SlaData> sla;
    std::unique_ptr<config::PushTemplates> push;
    std::unique_ptr<config::PriceList> prices;
    std::string problems;  // empty when all loaded
};

// "host-pid-random": tells the instances apart in outbox leases and logs.
std::string worker_id() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::random_device rd;
    return std::string(host) + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
}

// Every 10 minutes the index is rebuilt again: what a save did not schedule itself (a callback
// queued by the CLI or another instance, a track() lost to a Redis blip) is picked up; a timer
// already due fires at once. Due times of days are what these cover, so minutes do not matter.
// Every 5 s it also checks that Redis still holds the index (its "built" marker): a Redis that
// came back empty gets the deadlines back within seconds, not at the next 10-minute turn.
asio::awaitable<void> refresh_timers(SlaTimers& timers, const std::atomic<bool>& stopping) {
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (!stopping) {
        for (int i = 0; i < 600 && !stopping; ++i) {  // wake every second to notice a stop
            wait.expires_after(std::chrono::seconds(1));
            boost::system::error_code ignored;
            co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            if (i % 5 != 4) continue;
            bool intact = true;
            try {
                intact = co_await timers.index_intact();
            } catch (const std::exception&) {
                // Redis still down: look again in 5 s.
            }
            if (!intact) {
                log::warn("sla", "index_lost", {{"fix", "rebuilding from MySQL now"}});
                break;
            }
        }
        if (stopping) break;
        try {
            auto scheduled = co_await timers.rebuild();
            log::info("sla", "index_refreshed", {{"timers", scheduled}});
        } catch (const std::exception& e) {
            log::warn("sla", "refresh_failed", {{"error", e.what()}});
        }
    }
}

// The SLA timers: the index is rebuilt from MySQL first (a Redis wipe or a downtime loses no
// deadline; a timer that came due meanwhile fires at once), retried while MySQL or Redis is
// down, then the refresh starts and the worker runs until stopped.
asio::awaitable<void> run_timers(SlaTimers& timers, const std::atomic<bool>& stopping) {
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (!stopping) {
        try {
            auto scheduled = co_await timers.rebuild();
            log::info("sla", "index_rebuilt", {{"timers", scheduled}});
            break;
        } catch (const std::exception& e) {
            log::warn("sla", "rebuild_failed", {{"error", e.what()}, {"retry_in_ms", 2000}});
        }
        wait.expires_after(std::chrono::seconds(2));
        boost::system::error_code ignored;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (stopping) co_return;
    // Only now: before the first complete rebuild the index has no "built" marker, which the
    // refresh would take for a lost index and rebuild alongside this loop.
    asio::co_spawn(co_await asio::this_coro::executor, refresh_timers(timers, stopping), asio::detached);
    co_await timers.run();
}

// Tickets queued while nobody was free go to whoever has room now (Dispatcher::dispatch_waiting),
// a pass every few seconds until `stopping`; the SLA timers follow each one dispatched. Never
// throws: outages are logged and waited out.
asio::awaitable<void> dispatch_waiting(Dispatcher& dispatcher, TicketWatch& watch, std::chrono::seconds every,
                                       std::atomic<bool>& stopping) {
    constexpr std::uint32_t kLookedAtPerPass = 50;
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (!stopping) {
        try {
            const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            for (auto& t : co_await dispatcher.dispatch_waiting(kLookedAtPerPass, now)) co_await watch(std::move(t));
        } catch (const ServiceUnavailable& e) {
            log::warn("dispatch", "waiting_pass_mysql_unavailable", {{"error", e.what()}});
        } catch (const std::exception& e) {
            log::error("dispatch", "waiting_pass_failed", {{"error", e.what()}});
        }
        wait.expires_after(every);
        boost::system::error_code ignored;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
}

asio::awaitable<void> stop_gracefully(HttpServer& server, OutboxWorker& outbox, PhotoWorker& photos,
                                      QueueNotes& queue_notes, SlaTimers& timers, std::atomic<bool>& stopping,
                                      store::Redis& redis, asio::io_context& ioc,
                                      std::chrono::milliseconds server_grace) {
    log::info("main", "shutting_down", {{"connections", server.open_connections()}});
    stopping = true;
    timers.stop();
    outbox.stop();
    photos.stop();
    queue_notes.stop();
    co_await server.shutdown();
    // Pushes in flight finish and are marked sent, so none is sent twice after a restart.
    co_await outbox.stopped(server_grace);
    redis.close();
    // The Redis connection finishes closing on the loop: give it a moment before stopping.
    asio::steady_timer settle(ioc, std::chrono::milliseconds(200));
    boost::system::error_code ignored;
    co_await settle.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    log::info("main", "stopped");
    ioc.stop();
}

}  // namespace

static DeskData load_desk_data(const config::Settings& settings) {
    DeskData desk;
    std::string problems;
    auto dialog_data = config::load_dialog_data(settings.data_dir);
    if (!dialog_data) problems += dialog_data.error().detail + "\n";
    auto notices = config::load_notices(settings.data_dir);
    if (!notices) problems += notices.error().detail + "\n";
    auto sla = config::load_sla_data(settings.data_dir);
    if (!sla) problems += sla.error().detail + "\n";
    auto push = config::load_push_templates(settings.data_dir);
    if (!push) problems += push.error().detail + "\n";
    std::vector<std::string> fault_types;
    if (dialog_data)
        for (const auto& f : dialog_data->catalog.types()) fault_types.push_back(f.name);
    auto prices = config::load_price_list(settings.data_dir, fault_types);
    if (!prices) problems += prices.error().detail + "\n";
    if (!problems.empty()) {
        desk.problems = "the desk's data files in " + settings.data_dir +
                        " (REPAIRBOT_DATA_DIR) are not valid:\n" + problems;
        return desk;
    }
    desk.dialog = std::make_unique<dialog::DialogData>(std::move(*dialog_data));
    desk.notices = std::make_unique<config::Notices>(std::move(*notices));
    desk.sla = std::make_unique<config::SlaData>(std::move(*sla));
    desk.push = std::make_unique<config::PushTemplates>(std::move(*push));
    desk.prices = std::make_unique<config::PriceList>(std::move(*prices));
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    for (const auto& w : config::calendar_warnings(desk.sla->calendar, now, settings.data_dir))
        log::warn("config", "calendar", {{"detail", w}});
    return desk;
}

std::string check_desk_data(const config::Settings& settings) {
    return load_desk_data(settings).problems;
}

int run_serve(const config::Settings& settings) {
    log::info("main", "starting", {{"version", REPAIRBOT_VERSION},
                                   {"config", config::describe(settings)}});
    DeskData desk = load_desk_data(settings);
    if (!desk.problems.empty()) {
        std::cerr << "repairbot: " << desk.problems;
        return kExitUsage;
    }
    auto webhook = wechat::Webhook::create(settings.wechat);
    if (!webhook) {
        std::cerr << "repairbot: REPAIRBOT_WECHAT_AES_KEY is not a valid EncodingAESKey ("
                  << webhook.error().code.message() << "); copy it again from the 基本配置 page\n";
        return kExitUsage;
    }
    auto endpoint_of_api = wechat::api::parse_endpoint(settings.wechat.api_base);
    if (!endpoint_of_api) {
        std::cerr << "repairbot: REPAIRBOT_WECHAT_API_BASE = '" << settings.wechat.api_base
                  << "' cannot be used (" << endpoint_of_api.error().message()
                  << "); use https://api.weixin.qq.com, or http:// only for a loopback simulator\n";
        return kExitUsage;
    }
    auto clock = [] { return std::chrono::system_clock::now(); };

    Metrics metrics;  // before everything that counts into it
    asio::io_context ioc(static_cast<int>(settings.http.threads));
    asio::thread_pool blocking(settings.mysql.pool_size);

    store::MysqlPool mysql(blocking, settings.mysql);
    store::Redis redis(ioc.get_executor(), settings.redis);
    dialog::Limits limits;
    store::SessionStore sessions(redis, std::chrono::duration_cast<std::chrono::seconds>(
                                            limits.session_idle_timeout * 48));
    store::DedupeStore dedupe(redis);
    store::WebhookGate gate(redis, dedupe, sessions);
    Dispatcher dispatcher(mysql, *desk.sla, *desk.notices, &desk.dialog->texts);
    dispatcher.use_queue_notes(settings.queue_note_seconds > 0);
    dispatcher.tell_owners(sessions);
    QueueNotesOptions queue_note_options;
    queue_note_options.every = std::chrono::seconds(settings.queue_note_seconds);
    queue_note_options.poll = std::min<std::chrono::milliseconds>(queue_note_options.poll, queue_note_options.every);
    queue_note_options.utc_offset = desk.sla->calendar.utc_offset();
    QueueNotes queue_notes(mysql, *desk.notices, queue_note_options, clock);
    store::TimerIndex timer_index(redis);
    SlaTimersOptions timer_options;
    timer_options.worker_id = worker_id();
    SlaTimers timers(mysql, timer_index, sessions, dispatcher, *desk.sla, *desk.notices, *desk.dialog,
                     timer_options, clock);
    TicketWatch watch = [&timers, &dispatcher](store::Ticket t) {
        dispatcher.ticket_saved(t);  // room may have come free
        return timers.track(std::move(t));
    };
    CallbackWatch callback_watch = [&timers](store::Callback cb) {
        return timers.track_callback(std::move(cb));
    };
    TicketIntake intake(mysql, dispatcher, *desk.sla, *desk.notices, *desk.dialog,
                        desk.prices.get(), watch, callback_watch);
    intake.restore_questions(sessions);
    JobDesk jobs(mysql, sessions, dispatcher, *desk.sla, *desk.prices, *desk.notices, *desk.dialog,
                 watch);
    SenderDirectory senders(mysql);
    Conversation conversation(*desk.dialog, *desk.notices, sessions, senders, intake, jobs, limits,
                              clock);
    WebhookEndpoint endpoint(*webhook, settings.wechat, gate, dedupe, conversation, clock);
    timers.set_metrics(&metrics);
    conversation.set_metrics(&metrics);
    endpoint.set_metrics(&metrics);

    RedisTokenStore token_store(redis, settings.wechat.appid);
    wechat::api::ApiClientOptions api_options;
    api_options.endpoint = *endpoint_of_api;
    api_options.token.appid = settings.wechat.appid;
    api_options.token.secret = settings.wechat.secret;
    wechat::api::ApiClient api(api_options, token_store);
    OutboxWorkerOptions outbox_options;
    outbox_options.worker_id = worker_id();
    outbox_options.concurrency = settings.outbox_sends;
    outbox_options.batch = std::max(outbox_options.batch, outbox_options.concurrency);  // a lane each
    OutboxWorker outbox(mysql, api, *desk.push, outbox_options);
    outbox.set_metrics(&metrics);
    PhotoWorkerOptions photo_options;
    photo_options.worker_id = outbox_options.worker_id;
    photo_options.media_dir = settings.media_dir;
    photo_options.concurrency = settings.photo_downloads;
    photo_options.batch = std::max(photo_options.batch, photo_options.concurrency);  // a lane each
    // The photo worker's file writes: a thread per download in flight, so one file's fsync does
    // not hold the next.
    asio::thread_pool files(std::max(photo_options.concurrency, 1u));
    PhotoWorker photos(mysql, api, files.get_executor(), photo_options);

    Router router;
    add_health_routes(router, {
        {"mysql", [&mysql]() { return mysql.ping(); }},
        {"redis", [&redis]() { return redis.ping(); }},
    });
    endpoint.add_routes(router);
    add_stats_routes(router, mysql, settings.admin.token);
    add_admin_routes(router, mysql, *desk.sla, settings.admin.token, clock);
    add_dispatch_routes(router, dispatcher, settings.admin.token, clock, watch);
    add_amend_routes(router, mysql, desk.dialog->catalog, *desk.notices, settings.admin.token,
                     clock);
    add_callback_routes(router, mysql, *desk.sla, *desk.notices, settings.admin.token, clock,
                        {watch, callback_watch});
    add_metrics_routes(router, metrics, mysql, redis, timer_index);

    HttpServer server(ioc, settings.http, router);
    server.set_metrics(&metrics);
    server.listen();
    server.start();
    // 0 sends or downloads: a webhook-only process of a split desk; its pushes and photos wait in
    // MariaDB for a process of the desk that runs the worker (they are claimed with leases).
    if (settings.outbox_sends > 0) {
        asio::co_spawn(ioc, outbox.run(), asio::detached);
    } else {
        log::warn("outbox", "worker_off",
                  {{"key", "outbox.sends (REPAIRBOT_OUTBOX_SENDS)"}, {"value", 0},
                   {"fix", "pushes wait until a repairbot serve of this desk runs with it above 0"}});
    }
    if (settings.photo_downloads > 0) {
        asio::co_spawn(ioc, photos.run(), asio::detached);
    } else {
        log::warn("photos", "worker_off",
                  {{"key", "photos.downloads (REPAIRBOT_PHOTO_DOWNLOADS)"}, {"value", 0},
                   {"fix", "photos stay pending until a repairbot serve of this desk runs with it above 0"}});
    }
    if (settings.queue_note_seconds > 0) asio::co_spawn(ioc, queue_notes.run(), asio::detached);
    std::atomic<bool> stopping{false};
    asio::co_spawn(ioc, run_timers(timers, stopping), asio::detached);
    if (settings.dispatch_retry_seconds > 0)
        asio::co_spawn(ioc,
                       dispatch_waiting(dispatcher, watch, std::chrono::seconds(settings.dispatch_retry_seconds),
                                        stopping),
                       asio::detached);
    auto ep = server.local_endpoint();
    log::info("main", "listening", {{"address", ep.address().to_string()}, {"port", ep.port()},
                                    {"webhook", "http://" + ep.address().to_string() + ":" +
                                                    std::to_string(ep.port()) + "/wechat"}});

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        log::info("main", "signal", {{"signal", signo}});
        asio::co_spawn(ioc, stop_gracefully(server, outbox, photos, queue_notes, timers, stopping, redis, ioc,
                                                       settings.http.shutdown_grace), asio::detached);
    });

    std::vector<std::thread> extra;
    for (unsigned i = 1; i < settings.http.threads; ++i) extra.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : extra) t.join();
    files.join();
    blocking.join();
    return kExitOk;
}

}  // namespace repairbot::bot
