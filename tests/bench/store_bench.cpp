// Store throughput on the real servers: tickets created per second (target >= 1,000), what one
// ticket filed as a confirmation costs in time and CPU on each side, and session
// load+save round trips per second (target >= 20,000), plus the measurement behind the choice of
// hiredis async on the event loop over blocking hiredis on a thread pool (store/redis.h).
// Settings from REPAIRBOT_MYSQL_URL / REPAIRBOT_REDIS_URL, as the integration tests.
#include <benchmark/benchmark.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <hiredis/hiredis.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "store/photo_repository.h"
#include "store/redis.h"
#include "store/session_store.h"
#include "store/ticket_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

const std::string kRun = "bench" + std::to_string(::getpid()) + ":";

NewTicket bench_ticket(std::uint64_t i) {
    NewTicket n;
    n.ticket.idempotency_key = kRun + std::to_string(i);
    n.ticket.owner_openid = "o-bench-" + std::to_string(i % 1000);
    n.ticket.reporter_name = "李四";
    n.ticket.phone = "13800138000";
    n.ticket.address = "5栋1单元502";
    n.ticket.fault_type = "电";
    n.ticket.trade = "电";
    n.ticket.urgency = "normal";
    n.ticket.description = "客厅插座没电";
    n.ticket.created_at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    n.first_event = NewEvent{n.ticket.owner_openid, "owner", "created", "{}"};
    n.outbox.push_back(
        NewOutbox{"template", "dispatcher", R"({"template":"new_job"})", std::nullopt});
    return n;
}

boost::asio::awaitable<void> create_ticket(MysqlPool& pool, std::uint64_t i,
                                           std::atomic<int>& left) {
    auto work = [i](sql::Connection& c) { return TicketRepository::create(c, bench_ticket(i)); };
    auto r = co_await pool.run(std::move(work));
    if (!r || !r->created) std::abort();
    --left;
}

// Tickets created per second: 500 concurrent creates per iteration through one pool.
void BM_TicketsCreated(benchmark::State& state) {
    auto settings = testing::mysql_settings();
    settings.pool_size = static_cast<unsigned>(state.range(0));
    if (auto m = migrate(settings); !m) {
        state.SkipWithError(m.error().message().c_str());
        return;
    }
    boost::asio::thread_pool blocking(settings.pool_size);
    MysqlPool pool(blocking, settings);
    static std::atomic<std::uint64_t> next{0};
    constexpr int batch = 500;
    for (auto _ : state) {
        boost::asio::io_context io;
        std::atomic<int> left{batch};
        for (int i = 0; i < batch; ++i)
            boost::asio::co_spawn(io, create_ticket(pool, next++, left), boost::asio::detached);
        io.run();
    }
    state.counters["tickets_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
    pool.run_sync([](sql::Connection& c) {
        for (const char* q : {"DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                              "WHERE t.idempotency_key LIKE ?",
                              "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE "
                              "t.idempotency_key LIKE ?",
                              "DELETE FROM tickets WHERE idempotency_key LIKE ?"}) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
            st->setString(1, kRun + "%");
            st->executeUpdate();
        }
    });
    blocking.join();
}
BENCHMARK(BM_TicketsCreated)->Arg(8)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

// CPU seconds (user + system) of process `pid` so far, from /proc; nullopt when unreadable.
std::optional<double> process_cpu_seconds(const std::string& pid) {
    std::ifstream f("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(f, line) || line.rfind(')') == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
    rusage r{};
    ::getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// One ticket filed as a confirmation with nobody free files it (bot/ticket_intake.cpp): the
// ticket, its created and dispatch_queued events, the dispatchers' note, its photo and the
// owner's profile, one after another on one connection. Counters per ticket: wall time, the
// MariaDB server's CPU (when it runs on this machine: its pid file is readable) and this
// process's CPU — where a change of the filing moves work between the bot and the database.
void BM_TicketFiledLikeAConfirmation(benchmark::State& state) {
    auto settings = testing::mysql_settings();
    settings.pool_size = 1;
    if (auto m = migrate(settings); !m) {
        state.SkipWithError(m.error().message().c_str());
        return;
    }
    boost::asio::thread_pool blocking(1);
    MysqlPool pool(blocking, settings);
    const std::string mysqld_pid = pool.run_sync([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT @@pid_file"));
        std::string pid;
        if (rs->next()) std::ifstream(std::string(rs->getString(1))) >> pid;
        return pid;
    });
    static std::atomic<std::uint64_t> next{1'000'000};
    constexpr int per_iteration = 200;
    double mysqld_cpu = 0, own_cpu = 0;
    bool mysqld_known = !mysqld_pid.empty();
    for (auto _ : state) {
        const auto mysqld_before = mysqld_known ? process_cpu_seconds(mysqld_pid) : std::nullopt;
        const double own_before = own_cpu_seconds();
        pool.run_sync([](sql::Connection& c) {
            for (int i = 0; i < per_iteration; ++i) {
                NewTicket n = bench_ticket(next++);
                n.outbox.clear();
                n.complete = [](sql::Connection&, Ticket&, std::vector<NewEvent>& events, std::vector<NewOutbox>&) {
                    events.push_back(NewEvent{"system", "system", "dispatch_queued",
                                              R"({"reason":"created","why":"no technician available","excluded":[]})"});
                };
                n.within = [](SqlBatch& batch, const Ticket& t) {
                    OutboxRepository::enqueue_for_staff(batch, StaffRole::dispatcher, t.id,
                                                        R"({"event":"dispatch_queued","text":"暂无可派的维修人员"})",
                                                        t.created_at);
                    Photo photo;
                    photo.ticket_id = t.id;
                    photo.owner_openid = t.owner_openid;
                    photo.media_id = t.idempotency_key + ":photo";
                    photo.pic_url = "http://mmbiz.qpic.cn/bench.jpg";
                    PhotoRepository::add_pending(batch, photo, t.created_at);
                    Owner owner;
                    owner.openid = t.owner_openid;
                    owner.name = t.reporter_name;
                    owner.phone = t.phone;
                    owner.address = t.address;
                    OwnerRepository::remember(batch, owner, t.created_at);
                };
                auto r = TicketRepository::create(c, n);
                if (!r || !r->created) std::abort();
            }
            return 0;
        });
        own_cpu += own_cpu_seconds() - own_before;
        if (mysqld_before) {
            if (auto after = process_cpu_seconds(mysqld_pid)) mysqld_cpu += *after - *mysqld_before;
            else mysqld_known = false;
        }
    }
    const double tickets = static_cast<double>(state.iterations()) * per_iteration;
    state.counters["wall_us_per_ticket"] =
        benchmark::Counter(tickets, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["bot_cpu_us_per_ticket"] = own_cpu / tickets * 1e6;
    if (mysqld_known) state.counters["mariadb_cpu_us_per_ticket"] = mysqld_cpu / tickets * 1e6;
    pool.run_sync([](sql::Connection& c) {
        for (const char* q : {"DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                              "WHERE t.idempotency_key LIKE ?",
                              "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE "
                              "t.idempotency_key LIKE ?",
                              "DELETE p FROM photos p JOIN tickets t ON t.id = p.ticket_id WHERE "
                              "t.idempotency_key LIKE ?",
                              "DELETE FROM tickets WHERE idempotency_key LIKE ?"}) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
            st->setString(1, kRun + "%");
            st->executeUpdate();
        }
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->executeUpdate("DELETE FROM owners WHERE openid LIKE 'o-bench-%'");
    });
    blocking.join();
}
BENCHMARK(BM_TicketFiledLikeAConfirmation)->UseRealTime()->Unit(benchmark::kMicrosecond);

boost::asio::awaitable<void> load_save(SessionStore& sessions, std::string openid, int rounds,
                                       std::atomic<int>& left) {
    for (int i = 0; i < rounds; ++i) {
        auto s = co_await sessions.load(openid);
        auto v = co_await sessions.save(openid, s.version, "state:" + std::to_string(i));
        if (!v) std::abort();  // one writer per openid: never a conflict
    }
    --left;
}

// Session load+save round trips per second: 64 users in flight on one connection.
void BM_SessionLoadSave(benchmark::State& state) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    SessionStore sessions(redis, std::chrono::seconds(60));
    constexpr int users = 64, rounds = 100;
    for (auto _ : state) {
        std::atomic<int> left{users};
        for (int u = 0; u < users; ++u) {
            boost::asio::co_spawn(io,
                                  load_save(sessions, kRun + "u" + std::to_string(u), rounds, left),
                                  boost::asio::detached);
        }
        while (left > 0) io.run_one();
    }
    state.counters["sessions_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * users * rounds, benchmark::Counter::kIsRate);
    for (int u = 0; u < users; ++u)
        (void)testing::run(io, sessions.erase(kRun + "u" + std::to_string(u)));
    redis.close();
    testing::drain(io);
}
BENCHMARK(BM_SessionLoadSave)->UseRealTime()->Unit(benchmark::kMillisecond);

boost::asio::awaitable<void> pings(Redis& redis, int n, std::atomic<int>& left) {
    for (int i = 0; i < n; ++i) {
        if (!co_await redis.ping()) std::abort();
    }
    --left;
}

// hiredis async on the event loop: PING round trips with `range(0)` coroutines in flight.
void BM_RedisPingAsync(benchmark::State& state) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    const int in_flight = static_cast<int>(state.range(0));
    const int per = 6400 / in_flight;
    for (auto _ : state) {
        std::atomic<int> left{in_flight};
        for (int i = 0; i < in_flight; ++i)
            boost::asio::co_spawn(io, pings(redis, per, left), boost::asio::detached);
        while (left > 0) io.run_one();
    }
    state.counters["pings_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * per * in_flight, benchmark::Counter::kIsRate);
    redis.close();
    testing::drain(io);
}
BENCHMARK(BM_RedisPingAsync)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

// The alternative: blocking hiredis, one connection per thread of a `range(0)`-thread pool,
// each thread doing its share of PINGs back to back (the best case for a pool).
void BM_RedisPingBlockingPool(benchmark::State& state) {
    const auto settings = testing::redis_settings();
    const int threads = static_cast<int>(state.range(0));
    const int per = 6400 / threads;
    std::vector<redisContext*> contexts;
    for (int t = 0; t < threads; ++t)
        contexts.push_back(redisConnect(settings.host.c_str(), settings.port));
    for (auto _ : state) {
        boost::asio::thread_pool pool(static_cast<std::size_t>(threads));
        for (int t = 0; t < threads; ++t) {
            boost::asio::post(pool, [c = contexts[static_cast<std::size_t>(t)], per] {
                for (int i = 0; i < per; ++i) {
                    auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
                    if (!r) std::abort();
                    freeReplyObject(r);
                }
            });
        }
        pool.join();
    }
    state.counters["pings_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * per * threads, benchmark::Counter::kIsRate);
    for (auto* c : contexts) redisFree(c);
}
BENCHMARK(BM_RedisPingBlockingPool)->Arg(1)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace repairbot::store
