// Dispatch's short memory that nobody of a trade had room in a building (bot/dispatch.h
// NoRoomMemo): believed for its hold, per trade and building, forgotten at once on demand, and
// never when the hold is zero.
#include <gtest/gtest.h>

#include "bot/dispatch.h"

namespace repairbot::bot {
namespace {

using namespace std::chrono_literals;
using Clock = NoRoomMemo::Clock;

TEST(NoRoomMemo, NobodyFreeIsBelievedForItsHoldOnlyForThatTradeAndBuilding) {
    NoRoomMemo memo(1000ms);
    const auto t0 = Clock::time_point{} + 1h;
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0)) << "nothing noted yet: count";
    memo.note_nobody_free("水", "3栋", memo.generation(), t0);
    EXPECT_TRUE(memo.nobody_free("水", "3栋", t0 + 999ms));
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0 + 1000ms)) << "the hold has passed: count again";
    EXPECT_FALSE(memo.nobody_free("电", "3栋", t0 + 1ms)) << "another trade";
    EXPECT_FALSE(memo.nobody_free("水", "5栋", t0 + 1ms)) << "another building";
    EXPECT_FALSE(memo.nobody_free("水3", "栋", t0 + 1ms)) << "the key keeps trade and building apart";
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0 - 1ms)) << "a clock before the note does not match";
}

TEST(NoRoomMemo, ForgetEndsEveryNoteAtOnce) {
    NoRoomMemo memo(1000ms);
    const auto t0 = Clock::time_point{} + 1h;
    memo.note_nobody_free("水", "3栋", memo.generation(), t0);
    memo.note_nobody_free("电", "", memo.generation(), t0);
    memo.forget();
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0 + 1ms));
    EXPECT_FALSE(memo.nobody_free("电", "", t0 + 1ms));
}

TEST(NoRoomMemo, AForgetDuringACountWinsOverItsNobody) {
    NoRoomMemo memo(1000ms);
    const auto t0 = Clock::time_point{} + 1h;
    const auto counting_since = memo.generation();
    memo.forget();  // a job ended while the count ran
    memo.note_nobody_free("水", "3栋", counting_since, t0);
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0 + 1ms)) << "the count may have missed the freed room";
}

TEST(NoRoomMemo, RoomSeenEndsOnlyThatPairsNote) {
    NoRoomMemo memo(1000ms);
    const auto t0 = Clock::time_point{} + 1h;
    memo.note_nobody_free("水", "3栋", memo.generation(), t0);
    memo.note_nobody_free("电", "3栋", memo.generation(), t0);
    memo.room_seen("水", "3栋");
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0 + 1ms));
    EXPECT_TRUE(memo.nobody_free("电", "3栋", t0 + 1ms));
}

TEST(NoRoomMemo, AZeroHoldNeverRemembers) {
    NoRoomMemo memo(0ms);
    const auto t0 = Clock::time_point{} + 1h;
    memo.note_nobody_free("水", "3栋", memo.generation(), t0);
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0));
    memo.set_hold(1000ms);
    memo.note_nobody_free("水", "3栋", memo.generation(), t0);
    EXPECT_TRUE(memo.nobody_free("水", "3栋", t0));
    memo.set_hold(0ms);
    EXPECT_FALSE(memo.nobody_free("水", "3栋", t0)) << "turning it off forgets";
}

}  // namespace
}  // namespace repairbot::bot
