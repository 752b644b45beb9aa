// step() throughput (target: 500,000 steps/s on one core), over a realistic mix: whole report
// conversations with multi-slot first messages, photos, corrections and confirmations.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "config/dialog_data.h"
#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "dialog/step.h"

namespace {

using namespace repairbot::dialog;
using namespace std::chrono_literals;

// The shipped data files: $REPAIRBOT_DATA_DIR, else ./config (scripts/bench runs from the
// repository root, as ./scripts/run does).
std::filesystem::path data_dir() {
    if (const char* env = std::getenv("REPAIRBOT_DATA_DIR"); env && *env) return env;
#ifdef REPAIRBOT_SOURCE_DIR
    return std::filesystem::path(REPAIRBOT_SOURCE_DIR) / "config";
#else
    return "config";
#endif
}

const DialogData& data() {
    static const DialogData d = [] {
        auto r = repairbot::config::load_dialog_data(data_dir());
        if (!r) {
            std::fprintf(stderr, "%s (set REPAIRBOT_DATA_DIR or run from the repository root)\n",
                         r.error().message().c_str());
            std::abort();
        }
        return std::move(*r);
    }();
    return d;
}

Inbound text(const char* s) {
    return Inbound{"oBench", "m1", TextMessage{s}};
}
Inbound image(const char* id) {
    return Inbound{"oBench", id, ImageMessage{id, "http://x/p"}};
}

// Eleven messages: one full report, typical of what the desk sees.
std::vector<Inbound> conversation() {
    return {text("你好"),
            text("3栋2单元502厨房水管漏水了，电话13800138000"),
            image("p1"),
            image("p2"),
            text("好了"),
            text("明天上午10点"),
            text("修改地址"),
            text("三号楼二单元五零二"),
            text("确认"),
            text("进度"),
            text("5号楼电梯困人了")};
}

void BM_StepConversation(benchmark::State& state) {
    auto messages = conversation();
    Context ctx{data(), std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h,
                std::chrono::minutes{480}, OwnerProfile{}, Limits{}};
    std::int64_t steps = 0;
    for (auto _ : state) {
        Session s;
        for (const auto& m : messages) {
            Outcome o = step(std::move(s), m, ctx);
            benchmark::DoNotOptimize(o.replies.data());
            s = std::move(o.session);
            ++steps;
        }
    }
    state.counters["steps/s"] =
        benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StepConversation);

// A technician's day in miniature: three open jobs, a "which job?", a fee, a quote, a list.
void BM_StepTechnician(benchmark::State& state) {
    std::vector<Inbound> messages = {text("我的工单"),
                                     text("接单"),
                                     text("3"),
                                     text("到达 BX20261121-0007"),
                                     text("完成 费用 80 换了水龙头"),
                                     text("1"),
                                     text("报价 120 2"),
                                     text("转单 需要电工 2")};
    TechnicianView tech{"t-1", "王师傅", {}};
    tech.open_jobs = {{"BX20261121-0007", JobStatus::accepted, "3栋2单元502", "水"},
                      {"BX20261121-0008", JobStatus::arrived, "5栋电梯厅", "电梯", true},
                      {"BX20261121-0009", JobStatus::dispatched, "7栋101", "电"}};
    Context ctx{data(),
                std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h,
                std::chrono::minutes{480},
                OwnerProfile{},
                Limits{},
                tech};
    std::int64_t steps = 0;
    for (auto _ : state) {
        Session s;
        for (const auto& m : messages) {
            Outcome o = step(std::move(s), m, ctx);
            benchmark::DoNotOptimize(o.replies.data());
            s = std::move(o.session);
            ++steps;
        }
    }
    state.counters["steps/s"] =
        benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StepTechnician);

// Confirmation and rating, interrupted by a new report that is filed before the rating.
void BM_StepFeedback(benchmark::State& state) {
    std::vector<Inbound> messages = {text("修好了"), text("楼道灯坏了"),  text("5号楼电梯厅"),
                                     text("没有"),   text("13800138000"), text("尽快"),
                                     text("确认"),   text("2"),           text("师傅迟到了")};
    auto now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h;
    Context ctx{data(), now, std::chrono::minutes{480}, OwnerProfile{}, Limits{}};
    std::int64_t steps = 0;
    for (auto _ : state) {
        Session s = begin_confirmation(Session{}, "BX20261120-0003", 8000, now);
        for (const auto& m : messages) {
            Outcome o = step(std::move(s), m, ctx);
            benchmark::DoNotOptimize(o.replies.data());
            s = std::move(o.session);
            ++steps;
        }
    }
    state.counters["steps/s"] =
        benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StepFeedback);

void BM_SessionRoundTrip(benchmark::State& state) {
    Context ctx{data(), std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h,
                std::chrono::minutes{480}, OwnerProfile{}, Limits{}};
    auto o = step(Session{}, text("3栋2单元502厨房水管漏水了，电话13800138000"), ctx);
    o = step(o.session, image("p1"), ctx);
    for (auto _ : state) {
        auto decoded = decode(encode(o.session));
        benchmark::DoNotOptimize(decoded);
    }
}
BENCHMARK(BM_SessionRoundTrip);

}  // namespace
