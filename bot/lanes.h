// Lanes: a worker's claimed batch handled a few items at a time. Background workers (photo
// downloads, outbox pushes) spend most of an item waiting on WeChat and MySQL, so a batch handled
// one item after another is as slow as the sum of those waits; lanes overlap them.
#pragma once

#include <utility>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>

namespace repairbot::bot {

// Calls step(0), step(1), ... step(count - 1), at most `lanes` (at least 1) running at once, and
// returns when every lane has ended. The lanes run on one strand of the caller's executor, so
// steps may share state without locks (the caller touches it again after the return). A lane takes the
// next item only while go_on() is true and no lane has failed; the first exception a step
// throws is rethrown once all lanes have ended (the items not taken are the caller's to give
// back, e.g. by letting their lease run out). Make `step` a plain lambda that returns a member
// or free coroutine's awaitable, not a lambda coroutine: with g++ 12 a capturing lambda
// coroutine called through std::function left the bot's workers waiting forever.
boost::asio::awaitable<void> in_lanes(std::size_t count, std::size_t lanes,
                                      std::function<boost::asio::awaitable<void>(std::size_t)> step,
                                      std::function<bool()> go_on);

}  // namespace repairbot::bot
