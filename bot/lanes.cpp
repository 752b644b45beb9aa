#include "bot/lanes.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {

// One lane: takes the next item while there is one, nobody failed and the caller goes on.
asio::awaitable<void> lane(std::size_t count, std::size_t& next, const std::exception_ptr& failed,
                           std::function<asio::awaitable<void>(std::size_t)>& step,
                           std::function<bool()>& go_on) {
    while (next < count && !failed && go_on()) co_await step(next++);
}

// The lanes and the wait for them, all on one strand: the lanes' shared state, the counter and
// the timer are touched from that strand alone.
asio::awaitable<void> lanes_on_strand(std::size_t count, std::size_t lanes,
                                      std::function<asio::awaitable<void>(std::size_t)>& step,
                                      std::function<bool()>& go_on) {
    auto strand = co_await asio::this_coro::executor;
    std::size_t next = 0;
    std::size_t running = lanes;
    std::exception_ptr first_error;
    asio::steady_timer all_ended(strand, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < lanes; ++i) {
        asio::co_spawn(strand, lane(count, next, first_error, step, go_on),
                       asio::bind_executor(strand, [&](std::exception_ptr e) {
                           if (e && !first_error) first_error = e;
                           if (--running == 0) all_ended.cancel();
                       }));
    }
    // The frame must outlive every lane: wait until the last has ended, whatever wakes the wait.
    while (running > 0) {
        boost::system::error_code ended;
        co_await all_ended.async_wait(asio::redirect_error(asio::use_awaitable, ended));
    }
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace

asio::awaitable<void> in_lanes(std::size_t count, std::size_t lanes,
                               std::function<asio::awaitable<void>(std::size_t)> step,
                               std::function<bool()> go_on) {
    lanes = std::min(std::max<std::size_t>(lanes, 1), count);
    if (lanes == 0) co_return;
    auto strand = asio::make_strand(co_await asio::this_coro::executor);
    co_await asio::co_spawn(strand, lanes_on_strand(count, lanes, step, go_on), asio::use_awaitable);
}

}  // namespace repairbot::bot
