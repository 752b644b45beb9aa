// The SenderDirectory against the real MariaDB: the owner's profile is read once per TTL (a
// change made behind its back shows after forget_profile or the TTL, not before), the read
// stamps the owner's 48-hour window, and a technician added with an openid is recognised once
// the list is reloaded (technicians_changed) — an owner never is.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "bot/sender_directory.h"
#include "store/migrations.h"
#include "store/owner_repository.h"
#include "store/technician_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;

class SenderDirectoryIntegration : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }
    void TearDown() override {
        pool_.run_sync([this](sql::Connection& c) {
            for (const char* q : {"DELETE FROM owners WHERE openid LIKE ?",
                                  "DELETE FROM technicians WHERE openid LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, tag_ + "%");
                st->execute();
            }
        });
    }

    void set_phone(const std::string& openid, const std::string& phone, chr::sys_seconds now) {
        pool_.run_sync([&](sql::Connection& c) {
            store::Owner o;
            o.openid = openid;
            o.phone = phone;
            o.building = "3";
            o.unit = "2";
            o.room = "502";
            (void)store::OwnerRepository::upsert(c, o, chr::time_point_cast<chr::milliseconds>(now));
        });
    }

    boost::asio::io_context io_;
    boost::asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
    const std::string tag_ = "o_dir_" + std::to_string(::getpid()) + "_";
    const chr::sys_seconds now_ = chr::floor<chr::seconds>(chr::system_clock::now());
};

TEST_F(SenderDirectoryIntegration, ProfileIsReadOncePerTtlAndAfreshAfterForget) {
    SenderDirectoryOptions options;
    options.profile_ttl = chr::seconds(60);
    SenderDirectory directory(pool_, options);
    const std::string owner = tag_ + "owner";
    set_phone(owner, "13800138000", now_);

    auto first = store::testing::run(io_, directory.profile_of(owner, now_));
    EXPECT_EQ(first.phone, "13800138000");
    ASSERT_TRUE(first.last_address.has_value());
    EXPECT_EQ(first.last_address->room, "502");

    set_phone(owner, "13900139000", now_);  // changed behind the directory's back
    auto cached = store::testing::run(io_, directory.profile_of(owner, now_ + chr::seconds(59)));
    EXPECT_EQ(cached.phone, "13800138000") << "within the TTL the profile in hand is used";
    auto expired = store::testing::run(io_, directory.profile_of(owner, now_ + chr::seconds(60)));
    EXPECT_EQ(expired.phone, "13900139000") << "after the TTL MySQL is asked again";

    set_phone(owner, "13700137000", now_);
    directory.forget_profile(owner);
    auto forgotten = store::testing::run(io_, directory.profile_of(owner, now_ + chr::seconds(61)));
    EXPECT_EQ(forgotten.phone, "13700137000") << "forget_profile makes the next read ask MySQL";
}

TEST_F(SenderDirectoryIntegration, AProfileWrittenHereIsTheOneInHandWithoutAskingMySQLAgain) {
    SenderDirectoryOptions options;
    options.profile_ttl = chr::seconds(60);
    SenderDirectory directory(pool_, options);
    const std::string owner = tag_ + "written";
    set_phone(owner, "13800138000", now_);
    (void)store::testing::run(io_, directory.profile_of(owner, now_));

    set_phone(owner, "13700137000", now_);  // behind the directory's back: must not be read
    store::Owner written;
    written.openid = owner;
    written.phone = "13900139000";
    written.building = "7";
    written.unit = "1";
    written.room = "1201";
    written.address = "7栋1单元1201";
    directory.profile_written(written);
    auto after = store::testing::run(io_, directory.profile_of(owner, now_ + chr::seconds(30)));
    EXPECT_EQ(after.phone, "13900139000") << "the profile just written, not a read of MySQL";
    ASSERT_TRUE(after.last_address.has_value());
    EXPECT_EQ(after.last_address->building, "7");
    EXPECT_EQ(after.last_address->room, "1201");

    store::Owner phone_only;  // a public place is not a home: the home in hand stays
    phone_only.openid = owner;
    phone_only.phone = "13600136000";
    directory.profile_written(phone_only);
    auto kept = store::testing::run(io_, directory.profile_of(owner, now_ + chr::seconds(31)));
    EXPECT_EQ(kept.phone, "13600136000");
    ASSERT_TRUE(kept.last_address.has_value());
    EXPECT_EQ(kept.last_address->room, "1201");

    auto expired = store::testing::run(io_, directory.profile_of(owner, now_ + chr::seconds(60)));
    EXPECT_EQ(expired.phone, "13700137000") << "the read time was kept: the TTL still ends on time";

    const std::string stranger = tag_ + "stranger";
    set_phone(stranger, "13500135000", now_);
    store::Owner unread;
    unread.openid = stranger;
    unread.phone = "13400134000";
    directory.profile_written(unread);  // nothing in hand: nothing cached
    EXPECT_EQ(store::testing::run(io_, directory.profile_of(stranger, now_)).phone, "13500135000");
}

TEST_F(SenderDirectoryIntegration, ReadingTheProfileStampsTheOwnersInboundWindow) {
    SenderDirectory directory(pool_);
    const std::string owner = tag_ + "stamp";
    (void)store::testing::run(io_, directory.profile_of(owner, now_));
    auto row = pool_.run_sync([&](sql::Connection& c) { return store::OwnerRepository::find_by_openid(c, owner); });
    ASSERT_TRUE(row.ok()) << "a first message creates the owner's row";
    ASSERT_TRUE(row->last_inbound_at.has_value());
    EXPECT_EQ(chr::floor<chr::seconds>(*row->last_inbound_at), now_);
}

TEST_F(SenderDirectoryIntegration, TechnicianIsRecognisedAfterTheListIsReloadedAndOwnersNever) {
    SenderDirectoryOptions options;
    // Only technicians_changed() reloads here; ten years is longer than any machine's uptime, so
    // a "read long ago" marked as a zero steady-clock time would still look fresh.
    options.technicians_ttl = chr::hours(24 * 365 * 10);
    SenderDirectory directory(pool_, options);
    const std::string tech_openid = tag_ + "tech";
    EXPECT_FALSE(store::testing::run(io_, directory.is_technician(tech_openid)));

    pool_.run_sync([&](sql::Connection& c) {
        store::Technician t;
        t.openid = tech_openid;
        t.name = "目录测试师傅";
        t.phone = "13911112222";
        t.trades = {"水"};
        auto added = store::TechnicianRepository::add(c, t, chr::time_point_cast<chr::milliseconds>(now_));
        ASSERT_TRUE(added.ok());
    });
    EXPECT_FALSE(store::testing::run(io_, directory.is_technician(tech_openid)))
        << "the list in hand is used within its TTL";
    directory.technicians_changed();
    EXPECT_TRUE(store::testing::run(io_, directory.is_technician(tech_openid)));
    EXPECT_FALSE(store::testing::run(io_, directory.is_technician(tag_ + "owner")));
}

}  // namespace
}  // namespace repairbot::bot
