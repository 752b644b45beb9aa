// The admin token check every admin route uses (bot/stats_command.h bearer_token_matches): only
// the exact token passes, whatever a wrong one shares with it, and nothing about the presented
// credential's shape (length, a NUL, non-ASCII bytes, a huge header) breaks it. The comparison is
// of SHA-256 digests with CRYPTO_memcmp, so its time does not depend on where a wrong token
// differs; the e2e tier checks that every route answers 401.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "bot/stats_command.h"

namespace repairbot::bot {
namespace {

const std::string kToken = "e2e-admin-token-DO-NOT-LOG";

TEST(AdminToken, OnlyTheExactTokenPasses) {
    EXPECT_TRUE(bearer_token_matches("Bearer " + kToken, kToken));
    EXPECT_TRUE(bearer_token_matches("BEARER\t" + kToken + "\t", kToken));
}

TEST(AdminToken, AWrongTokenOfTheSameLengthIsRefusedWhereverItDiffers) {
    for (std::size_t i = 0; i < kToken.size(); ++i) {
        std::string wrong = kToken;
        wrong[i] = static_cast<char>(wrong[i] ^ 0x01);
        EXPECT_FALSE(bearer_token_matches("Bearer " + wrong, kToken)) << "differs at byte " << i;
    }
}

TEST(AdminToken, PrefixesExtensionsAndCaseChangesAreRefused) {
    EXPECT_FALSE(bearer_token_matches("Bearer " + kToken.substr(0, 1), kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer " + kToken.substr(0, kToken.size() - 1), kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer " + kToken + kToken, kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer " + kToken + " x", kToken));
    std::string upper = kToken;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(bearer_token_matches("Bearer " + upper, kToken));
}

TEST(AdminToken, OddCredentialsAreRefusedWithoutHarm) {
    EXPECT_FALSE(bearer_token_matches("Bearer " + kToken + std::string(1, '\0'), kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer " + std::string(1, '\0') + kToken, kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer \xff\xfe\xe6\xbc", kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer " + std::string(1 << 20, 'a'), kToken));
    EXPECT_FALSE(bearer_token_matches("Bearer" + kToken, kToken)) << "no separator after the scheme";
    EXPECT_FALSE(bearer_token_matches("Token " + kToken, kToken));
}

TEST(AdminToken, ANonAsciiTokenWorksAsBytes) {
    const std::string token = "管理口令-2026";
    EXPECT_TRUE(bearer_token_matches("Bearer " + token, token));
    EXPECT_FALSE(bearer_token_matches("Bearer 管理口令-2025", token));
}

}  // namespace
}  // namespace repairbot::bot
