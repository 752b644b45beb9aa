// The photo worker's pure rules: where a downloaded file lives (content-addressed, extension by
// Content-Type), which failures get another try and how long each waits, and the atomic write
// that never leaves half a file or a temporary behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "adapters/wechat/api/errors.h"
#include "bot/photo_worker.h"

namespace repairbot::bot {
namespace {

namespace api = wechat::api;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

TEST(PhotoWorker, ExtensionFollowsTheContentType) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"image/jpeg", "jpg"},
        {"image/jpg", "jpg"},
        {"IMAGE/JPEG", "jpg"},
        {"image/jpeg; charset=binary", "jpg"},
        {" image/png ", "png"},
        {"image/gif", "gif"},
        {"image/webp", "webp"},
        {"image/bmp", "bmp"},
        {"audio/amr", "amr"},
        {"video/mp4", "mp4"},
        {"application/octet-stream", "bin"},
        {"application/json", "bin"},
        {"", "bin"},
        {"image/../../etc/passwd", "bin"},
    };
    for (const auto& [type, ext] : cases) EXPECT_EQ(media_extension(type), ext) << type;
}

TEST(PhotoWorker, PathIsTheShaUnderItsFirstTwoHexDigits) {
    EXPECT_EQ(media_path("var/media", kSha, "image/jpeg"),
              fs::path("var/media/9f/" + kSha + ".jpg"));
    EXPECT_EQ(media_path("/srv/media/", kSha, "image/png"), fs::path("/srv/media/9f/" + kSha + ".png"));
    EXPECT_EQ(media_path("m", kSha, "text/html"), fs::path("m/9f/" + kSha + ".bin"));
}

TEST(PhotoWorker, Sha256IsLowercaseHexOfTheBytes) {
    EXPECT_EQ(sha256_hex("test"), kSha);
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex(std::string("\0\xff", 2)).size(), 64u);
}

TEST(PhotoWorker, OnlyTransientFailuresAreRetriedAndOnlyWhileTriesRemain) {
    struct Case {
        std::error_code code;
        bool retried;
    };
    const std::vector<Case> cases{
        {api::errcode_error(40007), false},  // invalid media id: WeChat's JSON error body
        {api::ApiErrc::body_too_large, false},
        {api::ApiErrc::bad_response, false},
        {api::ApiErrc::unexpected_status, false},
        {api::errcode_error(48001), false},  // not allowed to call media/get
        {api::errcode_error(-1), true},      // system busy
        {api::errcode_error(45009), true},   // quota
        {api::errcode_error(40001), true},   // the refreshed token was refused too
        {api::ApiErrc::timeout, true},
        {api::ApiErrc::connect_failed, true},
        {api::ApiErrc::server_error, true},
        {api::ApiErrc::transport, true},
        {api::ApiErrc::token_unavailable, true},
        {std::make_error_code(std::errc::no_space_on_device), true},  // the disk, not the photo
    };
    for (const auto& c : cases) {
        EXPECT_EQ(should_retry_download(c.code, 1, 8), c.retried) << c.code.message();
        EXPECT_FALSE(should_retry_download(c.code, 8, 8)) << "the last try ends it: " << c.code.message();
    }
    EXPECT_TRUE(should_retry_download(api::ApiErrc::timeout, 7, 8));
    EXPECT_FALSE(should_retry_download(api::ApiErrc::timeout, 9, 8));
}

TEST(PhotoWorker, RetryDelayDoublesFromTenSecondsUpToFifteenMinutes) {
    EXPECT_EQ(photo_retry_delay(1, 1.0), 10s);
    EXPECT_EQ(photo_retry_delay(2, 1.0), 20s);
    EXPECT_EQ(photo_retry_delay(3, 1.0), 40s);
    EXPECT_EQ(photo_retry_delay(7, 1.0), 640s);
    EXPECT_EQ(photo_retry_delay(8, 1.0), 900s);
    EXPECT_EQ(photo_retry_delay(40, 1.0), 900s);
    EXPECT_EQ(photo_retry_delay(1, 0.5), 5s);
    EXPECT_EQ(photo_retry_delay(8, 1.5), 1350s);
    EXPECT_EQ(photo_retry_delay(0, 1.0), 10s);
}

class AtomicWrite : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("repairbot-photo-unit-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string read(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::size_t files_in(const fs::path& folder) const {
        std::size_t n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(folder)) ++n;
        return n;
    }

    fs::path dir_;
};

TEST_F(AtomicWrite, CreatesTheFoldersAndLeavesOnlyTheFile) {
    const std::string bytes("\xff\xd8\xff\xe0 jpeg \0 bytes", 17);
    auto path = media_path(dir_, sha256_hex(bytes), "image/jpeg");
    ASSERT_TRUE(write_file_atomically(path, bytes).ok());
    EXPECT_EQ(read(path), bytes);
    EXPECT_EQ(files_in(path.parent_path()), 1u) << "no temporary file is left behind";
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_read, fs::perms::others_read);
}

TEST_F(AtomicWrite, TheSameContentAgainKeepsTheFile) {
    auto path = dir_ / "ab" / "abc.png";
    ASSERT_TRUE(write_file_atomically(path, "12345").ok());
    ASSERT_TRUE(write_file_atomically(path, "12345").ok());
    EXPECT_EQ(read(path), "12345");
    EXPECT_EQ(files_in(path.parent_path()), 1u);
}

TEST_F(AtomicWrite, AFileOfAnotherSizeIsReplacedWhole) {
    auto path = dir_ / "ab" / "abc.png";
    ASSERT_TRUE(write_file_atomically(path, "partial").ok());
    ASSERT_TRUE(write_file_atomically(path, "the whole file").ok());
    EXPECT_EQ(read(path), "the whole file");
}

TEST_F(AtomicWrite, AnUnwritableFolderIsAnErrorNamingThePath) {
    fs::create_directories(dir_);
    auto blocker = dir_ / "ab";
    std::ofstream(blocker) << "a file where the folder should be";
    auto result = write_file_atomically(blocker / "abc.jpg", "bytes");
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message().find(blocker.string()), std::string::npos) << result.error().message();
}

TEST_F(AtomicWrite, FlushingTheFoldersOfWrittenFilesSucceedsAndAGoneFolderIsAnErrorNamingIt) {
    const auto a = dir_ / "ab" / "abc.jpg", b = dir_ / "ab" / "abd.jpg", c = dir_ / "cd" / "cde.jpg";
    for (const auto& p : {a, b, c}) ASSERT_TRUE(write_file_atomically(p, "bytes").ok());
    EXPECT_TRUE(flush_folders({a, b, c}).ok());
    EXPECT_TRUE(flush_folders({}).ok());
    auto gone = flush_folders({a, dir_ / "ef" / "efg.jpg"});
    ASSERT_FALSE(gone.ok());
    EXPECT_NE(gone.error().message().find((dir_ / "ef").string()), std::string::npos) << gone.error().message();
}

}  // namespace
}  // namespace repairbot::bot
