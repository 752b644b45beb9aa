// The photo download worker against the real MariaDB and the simulator's media/get: a photo is
// stored content-addressed with its bytes and SHA-256; WeChat's JSON error body ends it as
// failed; a transient failure is retried after its backoff and then stored; two workers on one
// database download every photo exactly once; a pass's downloads are in flight together. The tests use a database of their own
// (<test database>_photo_worker), so no other worker's photos are touched and none of theirs here.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <fstream>
#include <map>
#include <set>
#include <random>
#include <sstream>

#include "adapters/wechat/api/memory_token_store.h"
#include "bot/photo_worker.h"
#include "store/migrations.h"
#include "store/photo_repository.h"
#include "tests/integration/private_database.h"
#include "tests/integration/wechat_api_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using store::PhotoRepository;

config::MysqlSettings private_database() { return store::testing::private_mysql_settings("photo_worker"); }

using store::testing::execute_on;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A JPEG-looking file of `size` bytes, different for every `seed`.
std::string photo_bytes(int seed, std::size_t size = 4096) {
    std::string bytes("\xff\xd8\xff\xe0", 4);
    std::mt19937 random(static_cast<unsigned>(seed));
    while (bytes.size() < size) bytes.push_back(static_cast<char>(random() & 0xff));
    return bytes;
}

// One "process": its own MySQL pool, token store and API client, and a worker over them.
struct Instance {
    Instance(const std::string& base_url, const std::string& id, fs::path media_dir,
             std::function<std::chrono::system_clock::time_point()> clock, std::uint32_t batch)
        : mysql(blocking, private_database()),
          api(wechat::api::testing::client_options(base_url), tokens),
          worker(mysql, api, files.get_executor(), [&] {
              PhotoWorkerOptions o;
              o.worker_id = id;
              o.media_dir = std::move(media_dir);
              o.batch = batch;
              o.max_attempts = 4;
              o.clock = std::move(clock);
              return o;
          }()) {}
    ~Instance() {
        files.join();
        blocking.join();
    }

    asio::thread_pool blocking{2};
    asio::thread_pool files{1};
    store::MysqlPool mysql;
    wechat::api::MemoryTokenStore tokens;
    wechat::api::ApiClient api;
    PhotoWorker worker;
};

class PhotoWorkerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto applied = store::testing::create_database(private_database());
        ASSERT_TRUE(applied) << applied.error().message();
    }
    static void TearDownTestSuite() {
        store::testing::drop_database(private_database());
    }

    void SetUp() override {
        execute_on(private_database(), "DELETE FROM photos");
        sim_ = wechat::api::testing::start_simulator();
        media_dir_ = fs::temp_directory_path() /
                     ("repairbot-photos-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
        now_ = std::chrono::system_clock::now();
    }
    void TearDown() override {
        instances_.clear();
        fs::remove_all(media_dir_);
    }

    // A worker claiming `batch` photos a pass (its downloads in flight: the default, 4).
    PhotoWorker& worker(const std::string& id = "photo-worker-a", std::uint32_t batch = 2) {
        instances_.push_back(
            std::make_unique<Instance>(sim_->base_url(), id, media_dir_, [this] { return now_; }, batch));
        return instances_.back()->worker;
    }

    template <class F>
    auto sync(F f) {
        asio::thread_pool pool(1);
        store::MysqlPool mysql(pool, private_database());
        auto out = mysql.run_sync(std::move(f));
        pool.join();
        return out;
    }

    store::Photo add_photo(const std::string& media_id) {
        return sync([&](sql::Connection& c) {
            store::Photo p;
            p.owner_openid = "o_photo_owner";
            p.media_id = media_id;
            p.pic_url = "http://mmbiz.qpic.cn/" + media_id;
            return *PhotoRepository::add(c, p, std::chrono::time_point_cast<std::chrono::milliseconds>(now_));
        });
    }
    store::Photo photo(const std::string& media_id) {
        return sync([&](sql::Connection& c) { return *PhotoRepository::find_by_media_id(c, media_id); });
    }

    std::size_t pass(PhotoWorker& w) { return store::testing::run(io_, w.download_due()); }

    // media/get calls the simulator answered, per media id.
    std::map<std::string, int> downloads() const {
        std::map<std::string, int> out;
        for (const auto& call : sim_->calls("/cgi-bin/media/get")) {
            auto at = call.query.find("media_id=");
            if (at == std::string::npos) continue;
            auto id = call.query.substr(at + 9, call.query.find('&', at) - at - 9);
            ++out[id];
        }
        return out;
    }

    asio::io_context io_;
    std::unique_ptr<wechat::sim::ApiServer> sim_;
    std::vector<std::unique_ptr<Instance>> instances_;
    fs::path media_dir_;
    std::chrono::system_clock::time_point now_;
};

TEST_F(PhotoWorkerTest, APhotoIsStoredContentAddressedWithItsBytesAndSha256) {
    const auto bytes = photo_bytes(1);
    sim_->add_media("MEDIA_STORED_1", bytes, "image/jpeg");
    add_photo("MEDIA_STORED_1");

    auto& w = worker();
    EXPECT_EQ(pass(w), 1u);

    auto p = photo("MEDIA_STORED_1");
    const auto sha = sha256_hex(bytes);
    EXPECT_EQ(p.status, "stored") << p.last_error;
    EXPECT_EQ(p.sha256, sha);
    EXPECT_EQ(p.size_bytes, bytes.size());
    EXPECT_EQ(p.attempts, 1u);
    EXPECT_TRUE(p.stored_at.has_value());
    const fs::path expected = media_dir_ / sha.substr(0, 2) / (sha + ".jpg");
    EXPECT_EQ(fs::path(p.stored_path), expected);
    EXPECT_EQ(read_file(expected), bytes);
    EXPECT_EQ(pass(w), 0u) << "a stored photo is not downloaded again";
    EXPECT_EQ(downloads()["MEDIA_STORED_1"], 1);
}

TEST_F(PhotoWorkerTest, TwoPhotosOfTheSameBytesShareOneFile) {
    const auto bytes = photo_bytes(2);
    sim_->add_media("MEDIA_SAME_A", bytes, "image/png");
    sim_->add_media("MEDIA_SAME_B", bytes, "image/png");
    add_photo("MEDIA_SAME_A");
    add_photo("MEDIA_SAME_B");
    EXPECT_EQ(pass(worker()), 2u);
    auto a = photo("MEDIA_SAME_A"), b = photo("MEDIA_SAME_B");
    EXPECT_EQ(a.status, "stored");
    EXPECT_EQ(b.status, "stored");
    EXPECT_EQ(a.stored_path, b.stored_path);
    EXPECT_EQ(fs::path(a.stored_path).extension(), ".png");
    EXPECT_EQ(read_file(a.stored_path), bytes);
}

TEST_F(PhotoWorkerTest, AJsonErrorBodyEndsThePhotoAsFailedKeepingThePicUrl) {
    add_photo("MEDIA_UNKNOWN_TO_WECHAT");  // the simulator answers {"errcode":40007,...}
    auto& w = worker();
    EXPECT_EQ(pass(w), 1u);
    auto p = photo("MEDIA_UNKNOWN_TO_WECHAT");
    EXPECT_EQ(p.status, "failed");
    EXPECT_EQ(p.attempts, 1u) << "a permanent error is not retried";
    EXPECT_NE(p.last_error.find("40007"), std::string::npos) << p.last_error;
    EXPECT_EQ(p.pic_url, "http://mmbiz.qpic.cn/MEDIA_UNKNOWN_TO_WECHAT");
    EXPECT_TRUE(p.stored_path.empty());
    now_ += 1h;
    EXPECT_EQ(pass(w), 0u) << "a failed photo is never claimed again";
    EXPECT_FALSE(fs::exists(media_dir_) && !fs::is_empty(media_dir_)) << "nothing was written";
}

TEST_F(PhotoWorkerTest, ATransientFailureIsRetriedAfterItsBackoffAndThenStored) {
    const auto bytes = photo_bytes(3);
    sim_->add_media("MEDIA_BUSY_ONCE", bytes);
    sim_->fail_next("/cgi-bin/media/get", -1);  // "system error": try later
    add_photo("MEDIA_BUSY_ONCE");

    auto& w = worker();
    EXPECT_EQ(pass(w), 1u);
    auto p = photo("MEDIA_BUSY_ONCE");
    EXPECT_EQ(p.status, "pending");
    EXPECT_EQ(p.attempts, 1u);
    EXPECT_NE(p.last_error.find("-1"), std::string::npos) << p.last_error;

    now_ += 4s;  // under the shortest backoff (10 s x jitter 0.5)
    EXPECT_EQ(pass(w), 0u) << "not due before its backoff";
    now_ += 20s;  // past the longest first backoff (10 s x jitter 1.5)
    EXPECT_EQ(pass(w), 1u);
    p = photo("MEDIA_BUSY_ONCE");
    EXPECT_EQ(p.status, "stored") << p.last_error;
    EXPECT_EQ(p.attempts, 2u);
    EXPECT_EQ(p.last_error, "");
    EXPECT_EQ(read_file(p.stored_path), bytes);
}

TEST_F(PhotoWorkerTest, AFileThatCannotBeWrittenIsTriedAgainAfterItsBackoffNotFailedForGood) {
    // The disk, not the photo: the media folder is in the way (a file where it should be).
    const auto bytes = photo_bytes(5);
    sim_->add_media("MEDIA_DISK_BLOCKED", bytes);
    add_photo("MEDIA_DISK_BLOCKED");
    { std::ofstream(media_dir_) << "not a folder"; }

    auto& w = worker();
    EXPECT_EQ(pass(w), 1u);
    auto p = photo("MEDIA_DISK_BLOCKED");
    EXPECT_EQ(p.status, "pending");
    EXPECT_EQ(p.attempts, 1u);
    EXPECT_NE(p.last_error.find(media_dir_.string()), std::string::npos) << p.last_error;
    EXPECT_EQ(p.stored_path, "");

    fs::remove(media_dir_);  // the operator frees the folder
    now_ += 20s;             // past the longest first backoff
    EXPECT_EQ(pass(w), 1u);
    p = photo("MEDIA_DISK_BLOCKED");
    EXPECT_EQ(p.status, "stored") << p.last_error;
    EXPECT_EQ(p.attempts, 2u);
    EXPECT_EQ(read_file(p.stored_path), bytes);
}

TEST_F(PhotoWorkerTest, APassDownloadsItsPhotosTogetherNotOneAfterTheOther) {
    // Four slow answers (held 1.5 s each, then "system error"): one by one, the fourth call
    // would reach WeChat 4.5 s after the first; four lanes send all four before any answer.
    constexpr auto kHeld = 1500ms;
    sim_->fail_next("/cgi-bin/media/get", wechat::sim::Fault{wechat::sim::Fault::Kind::slow, -1, kHeld}, 4);
    for (int i = 0; i < 4; ++i) {
        const std::string id = "MEDIA_SLOW_" + std::to_string(i);
        sim_->add_media(id, photo_bytes(200 + i));
        add_photo(id);
    }
    auto& w = worker("photo-worker-a", 4);
    EXPECT_EQ(pass(w), 4u);

    auto calls = sim_->calls("/cgi-bin/media/get");
    ASSERT_EQ(calls.size(), 4u);
    auto first = calls.front().received_at, last = calls.front().received_at;
    for (const auto& c : calls) {
        first = std::min(first, c.received_at);
        last = std::max(last, c.received_at);
        EXPECT_EQ(c.delay, kHeld);
    }
    EXPECT_LT(last - first, kHeld) << "every call was made before the first slow answer came back";
    for (int i = 0; i < 4; ++i) {
        auto p = photo("MEDIA_SLOW_" + std::to_string(i));
        EXPECT_EQ(p.status, "pending") << "a slow failure is tried again later";
        EXPECT_EQ(p.attempts, 1u);
    }
    now_ += 20s;  // past the longest first backoff: all four are stored on the next pass
    EXPECT_EQ(pass(w), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(photo("MEDIA_SLOW_" + std::to_string(i)).status, "stored");
}

TEST_F(PhotoWorkerTest, TooManyTransientFailuresEndThePhotoAsFailed) {
    sim_->add_media("MEDIA_ALWAYS_BUSY", photo_bytes(4));
    sim_->fail_next("/cgi-bin/media/get", 45009, 10);
    add_photo("MEDIA_ALWAYS_BUSY");
    auto& w = worker();  // max_attempts = 4
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(pass(w), 1u) << "try " << i + 1;
        now_ += 1h;
    }
    auto p = photo("MEDIA_ALWAYS_BUSY");
    EXPECT_EQ(p.status, "failed");
    EXPECT_EQ(p.attempts, 4u);
    EXPECT_EQ(pass(w), 0u);
}

TEST_F(PhotoWorkerTest, ALeasedPhotoIsNotClaimedByAnotherWorkerUntilTheLeaseEnds) {
    add_photo("MEDIA_LEASED");
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now_);
    auto a = sync([&](sql::Connection& c) { return PhotoRepository::claim_due(c, at, 60s, "worker-a", 10); });
    auto b = sync([&](sql::Connection& c) { return PhotoRepository::claim_due(c, at, 60s, "worker-b", 10); });
    ASSERT_EQ(a.size(), 1u);
    EXPECT_TRUE(b.empty());
    // worker-a's claim run again with the same time (the pool repeats a unit of work after a
    // lost link): it leases nothing new and still hands back the photo its first run leased.
    auto repeated = sync([&](sql::Connection& c) {
        return PhotoRepository::claim_due(c, at, 60s, "worker-a", 10, /*repeat=*/true);
    });
    ASSERT_EQ(repeated.size(), 1u);
    EXPECT_EQ(repeated[0].id, a[0].id);
    // worker-a crashed: after its lease, worker-b takes the photo, and worker-a's late outcome is refused.
    auto later = sync([&](sql::Connection& c) { return PhotoRepository::claim_due(c, at + 61s, 60s, "worker-b", 10); });
    ASSERT_EQ(later.size(), 1u);
    auto late = sync([&](sql::Connection& c) {
        return PhotoRepository::mark_stored_leased(c, {{a[0].id, "x", "y", 1}}, "worker-a", at + 62s);
    });
    EXPECT_TRUE(late.empty());
    auto done = sync([&](sql::Connection& c) {
        return PhotoRepository::mark_stored_leased(c, {{later[0].id, "p", "s", 1}}, "worker-b", at + 62s);
    });
    EXPECT_EQ(done, std::vector<std::uint64_t>{later[0].id});
    EXPECT_EQ(photo("MEDIA_LEASED").stored_path, "p");
}

TEST_F(PhotoWorkerTest, APassMarksItsPhotosInOneStatementEachWithItsOwnFileAndSkipsALostLease) {
    add_photo("MEDIA_ONE");
    add_photo("MEDIA_TWO");
    add_photo("MEDIA_THREE");
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now_);
    auto mine = sync([&](sql::Connection& c) { return PhotoRepository::claim_due(c, at, 60s, "worker-a", 10); });
    ASSERT_EQ(mine.size(), 3u);
    // MEDIA_THREE's lease runs out and worker-b takes it before worker-a's pass ends.
    sync([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->executeUpdate("UPDATE photos SET lease_owner = 'worker-b' WHERE media_id = 'MEDIA_THREE'");
        return 0;
    });
    std::vector<PhotoRepository::StoredFile> files;
    for (const auto& p : mine) {
        files.push_back({p.id, "var/media/" + p.media_id + ".jpg", "sha-" + p.media_id,
                         100 + p.id});
    }
    auto marked = sync([&](sql::Connection& c) {
        return PhotoRepository::mark_stored_leased(c, files, "worker-a", at + 1s);
    });
    EXPECT_EQ(marked, (std::vector<std::uint64_t>{mine[0].id, mine[1].id}));
    // The same marks again (a hop retried after its first run committed): the two are ours.
    auto again = sync([&](sql::Connection& c) {
        return PhotoRepository::mark_stored_leased(c, files, "worker-a", at + 1s);
    });
    EXPECT_EQ(again, marked);
    for (const char* media_id : {"MEDIA_ONE", "MEDIA_TWO"}) {
        auto p = photo(media_id);
        EXPECT_EQ(p.status, "stored") << media_id;
        EXPECT_EQ(p.stored_path, std::string("var/media/") + media_id + ".jpg");
        EXPECT_EQ(p.sha256, std::string("sha-") + media_id);
        EXPECT_EQ(p.size_bytes, std::optional<std::uint64_t>(100 + p.id));
        EXPECT_EQ(p.attempts, 1u);
        EXPECT_EQ(p.stored_at, std::optional<store::Timestamp>(at + 1s));
    }
    auto taken = photo("MEDIA_THREE");
    EXPECT_EQ(taken.status, "pending");
    EXPECT_EQ(taken.stored_path, "");
    EXPECT_EQ(taken.attempts, 0u);
}

// Rows the server has read for `c`'s statements so far (index and table reads).
std::uint64_t rows_read(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW SESSION STATUS LIKE 'Handler_read%'"));
    std::uint64_t n = 0;
    while (rs->next()) n += rs->getUInt64(2);
    return n;
}

TEST_F(PhotoWorkerTest, AClaimReadsThePassesOwnRowsNotTheWholeBacklog) {
    std::string values;
    for (int i = 0; i < 400; ++i) {
        values += std::string(values.empty() ? "" : ",") + "('oBacklog','MEDIA_BACKLOG_" +
                  std::to_string(i) + "','pending',NOW(3))";
    }
    execute_on(private_database(),
            "INSERT INTO photos (owner_openid, media_id, status, created_at) VALUES " + values);
    sync([](sql::Connection& c) {  // statistics as the server keeps them for that table
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet>(st->executeQuery("ANALYZE TABLE photos"));
        return 0;
    });
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now_);
    auto [claimed, read] = sync([&](sql::Connection& c) {
        const std::uint64_t before = rows_read(c);
        auto photos = PhotoRepository::claim_due(c, at, 60s, "worker-a", 8);
        return std::make_pair(photos.size(), rows_read(c) - before);
    });
    EXPECT_EQ(claimed, 8u);
    // The lease UPDATE walks the pending rows in id order up to its LIMIT, the read-back finds
    // the leased ones by (lease_owner, lease_until): a few dozen reads, not the 400 photos.
    EXPECT_LT(read, 60u);
}

// The claim after a media outage in a storm: 400 photos never tried, 300 still waiting out a
// back-off, 5 whose retry is due. It takes the due retries first, then the oldest new photos,
// and reads about its limit — neither the photos waiting out their back-off nor the whole
// backlog (the single "ORDER BY id" claim read one or the other, depending on its plan).
TEST_F(PhotoWorkerTest, AClaimTakesDueRetriesThenTheOldestNewPhotosAndReadsAboutItsLimit) {
    // Ids in this order: backed-off, new, then the due retries last — so "oldest id first"
    // would claim none of the retries, and "retries first" is what the claim must do.
    std::string values;
    for (int i = 0; i < 300; ++i)
        values += std::string(values.empty() ? "" : ",") + "('oBackoff','MEDIA_BACKOFF_" + std::to_string(i) +
                  "','pending',UTC_TIMESTAMP(3) + INTERVAL 1 HOUR,UTC_TIMESTAMP(3))";
    for (int i = 0; i < 400; ++i)
        values += ",('oNew','MEDIA_NEW_" + std::to_string(i) + "','pending',NULL,UTC_TIMESTAMP(3))";
    for (int i = 0; i < 5; ++i)
        values += ",('oDue','MEDIA_DUE_" + std::to_string(i) + "','pending',UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE,UTC_TIMESTAMP(3))";
    execute_on(private_database(),
            "INSERT INTO photos (owner_openid, media_id, status, next_attempt_at, created_at) VALUES " + values);
    sync([](sql::Connection& c) {  // statistics as the server keeps them for that table
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet>(st->executeQuery("ANALYZE TABLE photos"));
        return 0;
    });
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto [claimed, read] = sync([&](sql::Connection& c) {
        const std::uint64_t before = rows_read(c);
        auto photos = PhotoRepository::claim_due(c, at, 60s, "worker-a", 8);
        return std::make_pair(photos, rows_read(c) - before);
    });
    ASSERT_EQ(claimed.size(), 8u);
    std::set<std::string> ids;
    for (const auto& p : claimed) ids.insert(p.media_id);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(ids.count("MEDIA_DUE_" + std::to_string(i))) << "due retry " << i;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(ids.count("MEDIA_NEW_" + std::to_string(i))) << "oldest new " << i;
    EXPECT_LT(read, 60u) << "about the claim's limit, not the 705 pending photos";
}

asio::awaitable<void> drain_photos(PhotoWorker& w, int& handled, int& idle_workers) {
    while (auto n = co_await w.download_due()) handled += static_cast<int>(n);
    ++idle_workers;
}

TEST_F(PhotoWorkerTest, TwoWorkersOnOneDatabaseStoreEachPhotoOnce) {
    constexpr int kPhotos = 12;
    for (int i = 0; i < kPhotos; ++i) {
        const std::string id = "MEDIA_SHARED_" + std::to_string(i);
        sim_->add_media(id, photo_bytes(100 + i));
        add_photo(id);
    }
    auto& a = worker("photo-worker-a");
    auto& b = worker("photo-worker-b");
    int handled_a = 0, handled_b = 0, idle = 0;
    auto rethrow = [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    };
    asio::co_spawn(io_, drain_photos(a, handled_a, idle), rethrow);
    asio::co_spawn(io_, drain_photos(b, handled_b, idle), rethrow);
    io_.run();
    ASSERT_EQ(idle, 2);
    EXPECT_GT(handled_a, 0) << "both workers took part";
    EXPECT_GT(handled_b, 0) << "both workers took part";
    EXPECT_EQ(handled_a + handled_b, kPhotos) << "no photo was handled twice";

    auto counts = downloads();
    int stored = 0;
    for (int i = 0; i < kPhotos; ++i) {
        const std::string id = "MEDIA_SHARED_" + std::to_string(i);
        EXPECT_EQ(counts[id], 1) << id << " downloaded once";
        auto p = photo(id);
        stored += p.status == "stored";
        EXPECT_EQ(read_file(p.stored_path), photo_bytes(100 + i)) << id;
    }
    EXPECT_EQ(stored, kPhotos);
}

}  // namespace
}  // namespace repairbot::bot
