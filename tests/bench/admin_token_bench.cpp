// The admin API's bearer-token check (bot::bearer_token_matches) must take the same time
// whatever a wrong token gets right: compare the rows below, a wrong token of the right length
// differing in its first byte vs in its last byte vs the right token. Equal times (within
// noise) mean no timing side channel worth measuring; a byte-by-byte compare would make
// "last_byte" slower than "first_byte". Not a test (timings on a shared machine are noise in
// a test); ./scripts/bench micro admin shows it.
#include <benchmark/benchmark.h>

#include <string>

#include "bot/stats_command.h"

namespace {

const std::string kToken = "s3cr3t-admin-token-0123456789abcdefghijklmnopqrstuvwxyz";

void bm_token(benchmark::State& state, std::string presented) {
    const std::string header = "Bearer " + presented;
    for (auto _ : state) {
        bool ok = repairbot::bot::bearer_token_matches(header, kToken);
        benchmark::DoNotOptimize(ok);
    }
}

std::string differing_at(std::size_t i) {
    std::string wrong = kToken;
    wrong[i] = wrong[i] == 'x' ? 'y' : 'x';
    return wrong;
}

BENCHMARK_CAPTURE(bm_token, admin_right_token, kToken);
BENCHMARK_CAPTURE(bm_token, admin_wrong_first_byte, differing_at(0));
BENCHMARK_CAPTURE(bm_token, admin_wrong_last_byte, differing_at(kToken.size() - 1));
BENCHMARK_CAPTURE(bm_token, admin_wrong_length, kToken.substr(0, 10));

}  // namespace
