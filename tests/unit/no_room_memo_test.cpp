// Dispatch's short memory that nobody of a trade had room in a building (bot/dispatch.h
// NoRoomMemo): believed for its hold, per trade and building, forgotten at once on demand, and
// never when the hold is zero. And the room a group of tickets filed together leaves
// (counting_jobs_given).
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

store::DispatchCandidate candidate(std::uint64_t id, std::uint32_t open_jobs, std::uint32_t capacity) {
    store::DispatchCandidate d;
    d.technician.id = id;
    d.technician.capacity = capacity;
    d.open_jobs = open_jobs;
    return d;
}

std::vector<std::uint64_t> ids_of(const std::vector<store::DispatchCandidate>& candidates) {
    std::vector<std::uint64_t> out;
    for (const auto& c : candidates) out.push_back(c.technician.id);
    return out;
}

TEST(CountingJobsGiven, JobsGivenInTheGroupCountAsOpenJobsFillingATechnicianAndReorderingTheRest) {
    // The store's order: fewest open jobs first, then by id.
    const std::vector<store::DispatchCandidate> stored = {candidate(7, 0, 2), candidate(3, 1, 5), candidate(9, 1, 2)};
    EXPECT_EQ(ids_of(counting_jobs_given(stored, {})), (std::vector<std::uint64_t>{7, 3, 9})) << "nothing given";
    auto after_one = counting_jobs_given(stored, {{7, 1}});
    EXPECT_EQ(ids_of(after_one), (std::vector<std::uint64_t>{3, 7, 9})) << "7 now has 1 like 3 and 9: by id";
    EXPECT_EQ(after_one[1].open_jobs, 1u);
    EXPECT_EQ(ids_of(counting_jobs_given(stored, {{7, 2}})), (std::vector<std::uint64_t>{3, 9})) << "7 is full";
    EXPECT_EQ(ids_of(counting_jobs_given(stored, {{7, 2}, {9, 1}, {42, 3}})), (std::vector<std::uint64_t>{3}))
        << "9 is full too; someone not among the candidates changes nothing";
}

}  // namespace
}  // namespace repairbot::bot
