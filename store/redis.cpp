#include "store/redis.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>

#include "config/log.h"
#include "store/errors.h"

namespace repairbot::store {
namespace {

using Clock = std::chrono::steady_clock;

RedisReply convert(const redisReply* r) {
    switch (r->type) {
        case REDIS_REPLY_STRING:
            return RedisReply::of_string(std::string(r->str, r->len));
        case REDIS_REPLY_STATUS:
            return RedisReply::of_status(std::string(r->str, r->len));
        case REDIS_REPLY_ERROR:
            return RedisReply::of_error(std::string(r->str, r->len));
        case REDIS_REPLY_INTEGER:
            return RedisReply::of_integer(r->integer);
        case REDIS_REPLY_ARRAY: {
            std::vector<RedisReply> e;
            e.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i) e.push_back(convert(r->element[i]));
            return RedisReply::of_array(std::move(e));
        }
        default:
            return RedisReply::nil();
    }
}

// A command waiting for its reply; finish() is called exactly once, on the strand.
struct Call {
    virtual ~Call() = default;
    virtual void finish(Result<RedisReply> r) = 0;
};

template <class Handler>
struct HandlerCall final : Call {
    explicit HandlerCall(Handler h)
        : handler(std::move(h)),
          ex(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                 boost::asio::execution::outstanding_work.tracked)) {}
    void finish(Result<RedisReply> r) override {
        // The tracked executor moves into the completion: after posting, nothing here touches
        // the caller's context (which may be another thread's and gone before we unwind).
        auto target = boost::asio::prefer(ex, boost::asio::execution::outstanding_work.untracked);
        boost::asio::post(target, [h = std::move(handler), work = std::move(ex),
                                   r = std::move(r)]() mutable { h(std::move(r)); });
    }
    Handler handler;
    boost::asio::any_io_executor ex;  // the caller's, holding work so its loop does not stop
};

// Replies to the connection's own AUTH / SELECT: an error reply means the settings are wrong.
struct SetupCall final : Call {
    explicit SetupCall(std::function<void(Result<RedisReply>)> f) : fn(std::move(f)) {}
    void finish(Result<RedisReply> r) override { fn(std::move(r)); }
    std::function<void(Result<RedisReply>)> fn;
};

}  // namespace

// Owns the hiredis context of the moment. Everything here runs on strand_.
class Redis::Connection : public std::enable_shared_from_this<Redis::Connection> {
  public:
    Connection(boost::asio::any_io_executor ex, config::RedisSettings settings)
        : strand_(boost::asio::make_strand(ex)),
          settings_(std::move(settings)),
          reconnect_timer_(strand_),
          watchdog_(strand_),
          backoff_(settings_.reconnect_min) {}

    ~Connection() {
        if (ac_) {
            auto* ac = ac_;
            ac_ = nullptr;
            destroying_ = true;
            redisAsyncFree(ac);
        }
    }

    void start() {
        boost::asio::post(strand_, [self = shared_from_this()] { self->connect(); });
    }

    void submit(std::unique_ptr<Call> call, const std::vector<std::string>& args) {
        if (closed_ || !ac_) {
            call->finish(Error{StoreErrc::redis_unavailable, closed_ ? "closed" : "not connected"});
            return;
        }
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        argv.reserve(args.size());
        lens.reserve(args.size());
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        send(std::move(call), static_cast<int>(args.size()), argv.data(), lens.data());
    }

    void close() {
        boost::asio::post(strand_, [self = shared_from_this()] {
            self->closed_ = true;
            self->reconnect_timer_.cancel();
            self->watchdog_.cancel();
            self->drop(StoreErrc::redis_unavailable, "closed");
        });
    }

    [[nodiscard]] bool connected() const { return up_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
    [[nodiscard]] const config::RedisSettings& settings() const { return settings_; }
    [[nodiscard]] const boost::asio::strand<boost::asio::any_io_executor>& strand() const {
        return strand_;
    }

  private:
    // Waits on the socket for hiredis; lives from attach until hiredis's cleanup hook.
    class Watcher : public std::enable_shared_from_this<Watcher> {
      public:
        Watcher(std::shared_ptr<Connection> owner, redisAsyncContext* ac)
            : owner_(std::move(owner)), ac_(ac), sd_(owner_->strand_, ac->c.fd) {}

        static void attach(std::shared_ptr<Connection> owner, redisAsyncContext* ac) {
            auto w = std::make_shared<Watcher>(std::move(owner), ac);
            w->self_ = w;
            ac->ev.data = w.get();
            ac->ev.addRead = [](void* d) { static_cast<Watcher*>(d)->want(true, true); };
            ac->ev.delRead = [](void* d) { static_cast<Watcher*>(d)->want(true, false); };
            ac->ev.addWrite = [](void* d) { static_cast<Watcher*>(d)->want(false, true); };
            ac->ev.delWrite = [](void* d) { static_cast<Watcher*>(d)->want(false, false); };
            ac->ev.cleanup = [](void* d) { static_cast<Watcher*>(d)->cleanup(); };
        }

        void want(bool read, bool on) {
            (read ? want_read_ : want_write_) = on;
            if (on) arm(read);
        }

      private:
        void arm(bool read) {
            bool& waiting = read ? reading_ : writing_;
            if (waiting || !ac_) return;
            waiting = true;
            sd_.async_wait(
                read ? boost::asio::posix::stream_descriptor::wait_read
                     : boost::asio::posix::stream_descriptor::wait_write,
                [self = shared_from_this(), read](boost::system::error_code ec) {
                    (read ? self->reading_ : self->writing_) = false;
                    if (ec || !self->ac_ || !(read ? self->want_read_ : self->want_write_)) return;
                    if (read) {
                        redisAsyncHandleRead(self->ac_);
                    } else {
                        redisAsyncHandleWrite(self->ac_);
                    }
                    // hiredis may have freed the context (cleanup) inside the call.
                    if (self->ac_ && (read ? self->want_read_ : self->want_write_)) self->arm(read);
                });
        }

        void cleanup() {
            ac_ = nullptr;
            want_read_ = want_write_ = false;
            // hiredis closes the descriptor itself; release() cancels our waits.
            (void)sd_.release();
            owner_.reset();
            self_.reset();  // the pending waits keep us alive until they complete
        }

        std::shared_ptr<Connection> owner_;
        std::shared_ptr<Watcher> self_;
        redisAsyncContext* ac_;
        boost::asio::posix::stream_descriptor sd_;
        bool want_read_ = false, want_write_ = false, reading_ = false, writing_ = false;
    };

    void send(std::unique_ptr<Call> call, int argc, const char** argv, const std::size_t* lens) {
        if (redisAsyncCommandArgv(ac_, &Connection::on_reply, call.get(), argc, argv, lens) !=
            REDIS_OK) {
            call->finish(Error{StoreErrc::redis_unavailable, "command refused by hiredis"});
            return;
        }
        (void)call.release();
        sent_.push_back(Clock::now());
        in_flight_.store(sent_.size(), std::memory_order_relaxed);
        arm_watchdog();
    }

    void connect() {
        if (closed_) return;
        redisAsyncContext* ac = redisAsyncConnect(settings_.host.c_str(), settings_.port);
        if (!ac || ac->err) {
            connect_failed(ac ? ac->errstr : "out of memory");
            if (ac) redisAsyncFree(ac);
            schedule_reconnect();
            return;
        }
        ac_ = ac;
        ac->data = this;
        connecting_since_ = Clock::now();
        Watcher::attach(shared_from_this(), ac);
        redisAsyncSetConnectCallback(ac, &Connection::on_connect);
        redisAsyncSetDisconnectCallback(ac, &Connection::on_disconnect);
        if (!settings_.password.empty()) setup_command({"AUTH", settings_.password});
        if (settings_.db != 0) setup_command({"SELECT", std::to_string(settings_.db)});
        // hiredis 0.14 finishes a non-blocking connect when the socket is writable.
        static_cast<Watcher*>(ac->ev.data)->want(false, true);
        arm_watchdog();
    }

    void setup_command(std::vector<std::string> args) {
        auto* ac = ac_;
        auto call = std::make_unique<SetupCall>([this, ac, what = args[0]](Result<RedisReply> r) {
            if (r && r->is_error()) {
                log::error("store.redis", "setup_refused", {{"command", what}, {"error", r->str}});
                // Not from inside hiredis's callback: drop the link on the next turn.
                boost::asio::post(strand_, [self = shared_from_this(), ac] {
                    if (self->ac_ == ac) self->drop(StoreErrc::redis_unavailable, "setup refused");
                });
            }
        });
        submit(std::move(call), args);
    }

    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
        auto* self = static_cast<Connection*>(ac->data);
        std::unique_ptr<Call> call(static_cast<Call*>(privdata));
        if (!self->sent_.empty()) self->sent_.pop_front();
        self->in_flight_.store(self->sent_.size(), std::memory_order_relaxed);
        if (self->destroying_) return;
        if (reply) {
            call->finish(convert(static_cast<redisReply*>(reply)));
        } else {
            call->finish(Error{self->fail_code_, "connection lost before the reply"});
        }
    }

    static void on_connect(const redisAsyncContext* ac, int status) {
        auto* self = static_cast<Connection*>(ac->data);
        if (self->ac_ != ac) return;
        if (status != REDIS_OK) {
            // hiredis frees the context right after this callback.
            self->connect_failed(ac->errstr);
            self->ac_ = nullptr;
            self->up_ = false;
            self->schedule_reconnect();
            return;
        }
        if (self->reconnects_ > 0)
            log::info("store.redis", "connected", {{"host", self->settings_.host}});
        self->up_ = true;
        self->failures_ = 0;
        self->backoff_ = self->settings_.reconnect_min;
    }

    static void on_disconnect(const redisAsyncContext* ac, int status) {
        auto* self = static_cast<Connection*>(ac->data);
        if (self->ac_ != ac) return;  // we dropped it ourselves
        log::warn("store.redis", "disconnected", {{"error", status == REDIS_OK ? "" : ac->errstr}});
        self->ac_ = nullptr;
        self->up_ = false;
        self->schedule_reconnect();
    }

    // The first failure of a streak is a warning; the retries every reconnect_max are debug.
    void connect_failed(const char* error) {
        if (failures_++ == 0) {
            log::warn("store.redis", "connect_failed", {{"error", error}});
        } else {
            log::debug("store.redis", "connect_failed", {{"error", error}, {"attempt", failures_}});
        }
    }

    // Frees the current context: pending calls fail with `code`.
    void drop(StoreErrc code, const char* why) {
        up_ = false;
        if (!ac_) return;
        if (closed_) {
            log::debug("store.redis", "closing");
        } else {
            log::warn("store.redis", "dropping_connection", {{"reason", why}});
        }
        auto* ac = ac_;
        ac_ = nullptr;
        fail_code_ = code;
        redisAsyncFree(ac);
        fail_code_ = StoreErrc::redis_unavailable;
        sent_.clear();
        in_flight_.store(0, std::memory_order_relaxed);
        schedule_reconnect();
    }

    void schedule_reconnect() {
        if (closed_) return;
        ++reconnects_;
        reconnect_timer_.expires_after(backoff_);
        backoff_ = std::min(backoff_ * 2, settings_.reconnect_max);
        reconnect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec && !self->ac_) self->connect();
        });
    }

    // One timer checks the oldest unanswered command and a connect in progress.
    void arm_watchdog() {
        if (watchdog_armed_ || closed_) return;
        watchdog_armed_ = true;
        const auto tick =
            std::max(std::chrono::milliseconds(10),
                     std::min(settings_.command_timeout, settings_.connect_timeout) / 4);
        watchdog_.expires_after(tick);
        watchdog_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            self->watchdog_armed_ = false;
            if (ec || self->closed_ || !self->ac_) return;
            const auto now = Clock::now();
            if (!self->up_ && now - self->connecting_since_ > self->settings_.connect_timeout) {
                self->drop(StoreErrc::redis_unavailable, "connect timeout");
            } else if (!self->sent_.empty() &&
                       now - self->sent_.front() > self->settings_.command_timeout) {
                self->drop(StoreErrc::redis_timeout, "command timeout");
            } else if (!self->sent_.empty() || !self->up_) {
                self->arm_watchdog();
            }
        });
    }

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    const config::RedisSettings settings_;
    boost::asio::steady_timer reconnect_timer_;
    boost::asio::steady_timer watchdog_;
    std::chrono::milliseconds backoff_;
    redisAsyncContext* ac_ = nullptr;
    std::deque<Clock::time_point> sent_;  // send times of unanswered commands, oldest first
    std::atomic<std::size_t> in_flight_{0};  // sent_.size(), readable from any thread
    Clock::time_point connecting_since_{};
    StoreErrc fail_code_ = StoreErrc::redis_unavailable;
    std::atomic<bool> up_{false};
    bool closed_ = false;
    bool destroying_ = false;
    bool watchdog_armed_ = false;
    unsigned long reconnects_ = 0;
    unsigned long failures_ = 0;  // connect failures since the last success
};

Redis::Redis(boost::asio::any_io_executor ex, config::RedisSettings settings)
    : conn_(std::make_shared<Connection>(std::move(ex), std::move(settings))) {
    conn_->start();
}

Redis::~Redis() {
    close();
}

void Redis::close() {
    conn_->close();
}

bool Redis::connected() const {
    return conn_->connected();
}

std::size_t Redis::in_flight() const {
    return conn_->in_flight();
}

const config::RedisSettings& Redis::settings() const {
    return conn_->settings();
}

std::string Redis::key(std::string_view suffix) const {
    std::string k = conn_->settings().key_prefix;
    k.append(suffix);
    return k;
}

namespace {

// A plain initiation type: g++ 12 destroys a capturing lambda temporary twice when it sits in
// a co_await expression, so nothing with a non-trivial destructor is captured here.
struct CommandInitiation {
    template <class Handler>
    void operator()(Handler handler, std::shared_ptr<Redis::Connection> conn,
                    std::vector<std::string> args) const {
        std::unique_ptr<Call> call = std::make_unique<HandlerCall<Handler>>(std::move(handler));
        auto& strand = conn->strand();
        boost::asio::post(strand,
                          [conn = std::move(conn), call = std::move(call),
                           a = std::move(args)]() mutable { conn->submit(std::move(call), a); });
    }
};

}  // namespace

boost::asio::awaitable<Result<RedisReply>> Redis::command(std::vector<std::string> args) {
    auto r = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                  void(Result<RedisReply>)>(
        CommandInitiation{}, boost::asio::use_awaitable, conn_, std::move(args));
    co_return r;
}

boost::asio::awaitable<Result<RedisReply>> Redis::eval(const LuaScript& script,
                                                       std::vector<std::string> keys,
                                                       std::vector<std::string> args) {
    std::vector<std::string> cmd;
    cmd.reserve(3 + keys.size() + args.size());
    cmd.push_back("EVALSHA");
    cmd.push_back(script.sha1());
    cmd.push_back(std::to_string(keys.size()));
    for (auto& k : keys) cmd.push_back(std::move(k));
    for (auto& a : args) cmd.push_back(std::move(a));
    auto r = co_await command(cmd);
    if (!r || !r->is_error() || r->str.rfind("NOSCRIPT", 0) != 0) co_return r;
    std::vector<std::string> load;  // (a braced list here trips g++ 12's coroutine lowering)
    load.push_back("SCRIPT");
    load.push_back("LOAD");
    load.push_back(script.source());
    auto loaded = co_await command(std::move(load));
    if (!loaded) co_return loaded;
    if (loaded->is_error()) co_return loaded;
    co_return co_await command(std::move(cmd));
}

boost::asio::awaitable<Status> Redis::ping() {
    std::vector<std::string> cmd(1, "PING");
    auto r = co_await command(std::move(cmd));
    if (!r) co_return r.error();
    if (!r->is_status("PONG")) co_return Error{StoreErrc::redis_error, r->str};
    co_return Ok{};
}

}  // namespace repairbot::store
