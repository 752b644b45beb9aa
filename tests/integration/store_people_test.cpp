// Owners, technicians (bind codes, dispatch candidates), photos, ratings, complaints and
// callbacks against the real MariaDB. Rows are namespaced per run and removed afterwards.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/thread_pool.hpp>

#include "store/errors.h"
#include "store/feedback_repository.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/owner_repository.h"
#include "store/photo_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

using namespace std::chrono_literals;

class StorePeople : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = migrate(testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void TearDown() override {
        const std::string like = run_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q : {"DELETE FROM callbacks WHERE dedupe_key LIKE ?",
                                  "DELETE FROM complaints WHERE owner_openid LIKE ?",
                                  "DELETE r FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
                                  "WHERE t.idempotency_key LIKE ?",
                                  "DELETE FROM photos WHERE owner_openid LIKE ?",
                                  "DELETE e FROM ticket_events e JOIN tickets t ON t.id = "
                                  "e.ticket_id WHERE t.idempotency_key LIKE ?",
                                  "DELETE FROM tickets WHERE idempotency_key LIKE ?",
                                  "DELETE b FROM bind_codes b JOIN technicians t ON t.id = "
                                  "b.technician_id WHERE t.name LIKE ?",
                                  "DELETE FROM technicians WHERE name LIKE ?",
                                  "DELETE FROM owners WHERE openid LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    Technician tech(const std::string& name, std::vector<std::string> buildings,
                    std::uint32_t capacity) const {
        Technician t;
        t.name = run_ + name;
        t.phone = "13900139000";
        t.trades = {trade_, "电"};
        t.buildings = std::move(buildings);
        t.capacity = capacity;
        return t;
    }

    template <class F>
    auto sync(F f) {
        return pool_.run_sync(std::move(f));
    }

    const std::string run_ = "p" + std::to_string(::getpid()) + "-" +
                             std::to_string(std::random_device{}() % 100000) + ":";
    const std::string trade_ =
        "水" + run_;  // a trade of this run only, so candidates see only ours
    const Timestamp now_ =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    boost::asio::thread_pool blocking_{2};
    MysqlPool pool_{blocking_, testing::mysql_settings()};
};

TEST_F(StorePeople, OwnerProfileIsUpsertedAndEmptyFieldsKeepTheStoredOnes) {
    Owner o;
    o.openid = run_ + "owner";
    o.name = "陈女士🌸";
    o.phone = "13700137000";
    o.building = "3";
    o.address = "3栋2单元301";
    auto stored = sync([&](sql::Connection& c) { return OwnerRepository::upsert(c, o, now_); });
    EXPECT_EQ(stored.name, o.name);
    Owner partial;
    partial.openid = o.openid;
    partial.phone = "13600136000";
    auto again =
        sync([&](sql::Connection& c) { return OwnerRepository::upsert(c, partial, now_ + 1s); });
    EXPECT_EQ(again.name, o.name);
    EXPECT_EQ(again.phone, "13600136000");
    EXPECT_EQ(again.address, o.address);
    sync([&](sql::Connection& c) { OwnerRepository::touch_inbound(c, o.openid, now_ + 5s); });
    auto found =
        sync([&](sql::Connection& c) { return OwnerRepository::find_by_openid(c, o.openid); });
    ASSERT_TRUE(found);
    EXPECT_EQ(found->last_inbound_at, now_ + 5s);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return OwnerRepository::find_by_openid(c, run_ + "nobody");
              }).code(),
              StoreErrc::not_found);
}

TEST_F(StorePeople, TouchInboundStampsTheMessageAndHandsBackTheProfileInOneStatement) {
    // A first message: the owner row is created, with only the stamp.
    const std::string openid = run_ + "touched";
    Owner fresh = sync([&](sql::Connection& c) { return OwnerRepository::touch_inbound(c, openid, now_); });
    EXPECT_GT(fresh.id, 0u);
    EXPECT_EQ(fresh.openid, openid);
    EXPECT_EQ(fresh.last_inbound_at, now_);
    EXPECT_EQ(fresh.phone, "");
    EXPECT_EQ(fresh.room, "");

    // A later one: the remembered profile comes back with the new stamp; an older message
    // (a late retry) does not move the stamp back.
    Owner o;
    o.openid = openid;
    o.phone = "13700137001";
    o.building = "5";
    o.unit = "1";
    o.room = "602";
    o.address = "5栋1单元602";
    sync([&](sql::Connection& c) { OwnerRepository::remember(c, o, now_ + 1s); });
    Owner later = sync([&](sql::Connection& c) { return OwnerRepository::touch_inbound(c, openid, now_ + 9s); });
    EXPECT_EQ(later.id, fresh.id);
    EXPECT_EQ(later.phone, "13700137001");
    EXPECT_EQ(later.room, "602");
    EXPECT_EQ(later.address, "5栋1单元602");
    EXPECT_EQ(later.last_inbound_at, now_ + 9s);
    Owner retried = sync([&](sql::Connection& c) { return OwnerRepository::touch_inbound(c, openid, now_ + 3s); });
    EXPECT_EQ(retried.last_inbound_at, now_ + 9s);
    EXPECT_EQ(retried.phone, "13700137001");
}

TEST_F(StorePeople, BindCodesBindOnceAndRefuseUsedExpiredAndTakenOpenids) {
    auto a = sync([&](sql::Connection& c) {
        return TechnicianRepository::add(c, tech("王师傅", {}, 3), now_);
    });
    auto b = sync([&](sql::Connection& c) {
        return TechnicianRepository::add(c, tech("李师傅", {}, 3), now_);
    });
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    const std::string code_a = run_ + "A1", code_b = run_ + "B1", old = run_ + "OLD";
    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return TechnicianRepository::add_bind_code(c, a->id, code_a, now_ + 1h, now_);
    }));
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return TechnicianRepository::add_bind_code(c, b->id, code_a, now_ + 1h, now_);
              }).code(),
              StoreErrc::duplicate);
    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return TechnicianRepository::add_bind_code(c, b->id, code_b, now_ + 1h, now_);
    }));
    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return TechnicianRepository::add_bind_code(c, b->id, old, now_ - 1s, now_ - 1h);
    }));

    const std::string openid = run_ + "tech-openid";
    auto bound = sync(
        [&](sql::Connection& c) { return TechnicianRepository::bind(c, code_a, openid, now_); });
    ASSERT_TRUE(bound) << bound.error().message();
    EXPECT_EQ(bound->openid, openid);
    EXPECT_EQ(bound->trades, (std::vector<std::string>{trade_, "电"}));
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return TechnicianRepository::bind(c, code_a, openid, now_);
              }).code(),
              StoreErrc::invalid_state);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return TechnicianRepository::bind(c, old, run_ + "x", now_);
              }).code(),
              StoreErrc::invalid_state);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return TechnicianRepository::bind(c, run_ + "nope", run_ + "x", now_);
              }).code(),
              StoreErrc::not_found);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return TechnicianRepository::bind(c, code_b, openid, now_);
              }).code(),
              StoreErrc::duplicate);
    auto by_openid =
        sync([&](sql::Connection& c) { return TechnicianRepository::find_by_openid(c, openid); });
    ASSERT_TRUE(by_openid);
    EXPECT_EQ(by_openid->id, a->id);
}

TEST_F(StorePeople, DispatchCandidatesMatchTradeAndBuildingWithSpareCapacityFewestJobsFirst) {
    auto busy = sync([&](sql::Connection& c) {
        return TechnicianRepository::add(c, tech("忙", {"3", "4"}, 2), now_);
    });
    auto idle = sync(
        [&](sql::Connection& c) { return TechnicianRepository::add(c, tech("闲", {}, 2), now_); });
    auto far = sync([&](sql::Connection& c) {
        return TechnicianRepository::add(c, tech("远", {"9"}, 2), now_);
    });
    auto full = sync([&](sql::Connection& c) {
        return TechnicianRepository::add(c, tech("满", {"3"}, 1), now_);
    });
    auto off = tech("休", {"3"}, 5);
    off.on_duty = false;
    ASSERT_TRUE(sync([&](sql::Connection& c) { return TechnicianRepository::add(c, off, now_); }));
    ASSERT_TRUE(busy && idle && far && full);
    auto give_job = [&](std::uint64_t tech_id, const std::string& key) {
        NewTicket n;
        n.ticket.idempotency_key = run_ + key;
        n.ticket.owner_openid = run_ + "o";
        n.ticket.fault_type = "水";
        n.ticket.urgency = "normal";
        n.ticket.status = ticket_status::dispatched;
        n.ticket.technician_id = tech_id;
        n.ticket.created_at = now_;
        ASSERT_TRUE(sync([&](sql::Connection& c) { return TicketRepository::create(c, n); }));
    };
    give_job(busy->id, "j1");
    give_job(full->id, "j2");
    auto found =
        sync([&](sql::Connection& c) { return TechnicianRepository::candidates(c, trade_, "3"); });
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].technician.id, idle->id);
    EXPECT_EQ(found[0].open_jobs, 0u);
    EXPECT_EQ(found[1].technician.id, busy->id);
    EXPECT_EQ(found[1].open_jobs, 1u);
    EXPECT_TRUE(sync([&](sql::Connection& c) {
                    return TechnicianRepository::candidates(c, "没有这个工种", "3");
                }).empty());

    Technician changed = *idle;
    changed.on_duty = false;
    ASSERT_TRUE(
        sync([&](sql::Connection& c) { return TechnicianRepository::update(c, changed, now_); }));
    found =
        sync([&](sql::Connection& c) { return TechnicianRepository::candidates(c, trade_, "3"); });
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].technician.id, busy->id);
}

TEST_F(StorePeople, DispatchCandidatesReadTheOpenJobsNotEveryTicketOfTheHistory) {
    std::vector<std::uint64_t> veterans;
    for (int n = 0; n < 20; ++n) {
        auto added = sync([&](sql::Connection& c) {
            return TechnicianRepository::add(c, tech("老师傅" + std::to_string(n), {}, 3), now_);
        });
        ASSERT_TRUE(added);
        veterans.push_back(added->id);
    }
    // Another trade's technician holds 60 jobs just dispatched: fewer tickets in that status
    // desk-wide than the statistics expect one technician to hold in one status, the shape that
    // made the server read every dispatched ticket once per candidate (step 28).
    Technician other = tech("别的工种", {}, 100);
    other.trades = {run_ + "别的工种"};
    auto holder = sync([&](sql::Connection& c) { return TechnicianRepository::add(c, other, now_); });
    ASSERT_TRUE(holder);
    auto read = sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> held(c.prepareStatement(
            "INSERT INTO tickets (number, idempotency_key, owner_openid, fault_type, urgency, "
            "description, status, technician_id, created_at, updated_at) "
            "SELECT CONCAT(?, seq), CONCAT(?, 'held-', seq), ?, '水', 'normal', '', 'dispatched', ?, "
            "NOW(3), NOW(3) FROM seq_1_to_60"));
        held->setString(1, run_ + "held-");
        held->setString(2, run_ + "held-");
        held->setString(3, run_ + "o");
        held->setUInt64(4, holder->id);
        held->executeUpdate();
        // Each has 200 jobs done and closed and one still open.
        for (std::size_t i = 0; i < veterans.size(); ++i) {
            std::unique_ptr<sql::PreparedStatement> history(c.prepareStatement(
                "INSERT INTO tickets (number, idempotency_key, owner_openid, fault_type, urgency, "
                "description, status, technician_id, created_at, updated_at) "
                "SELECT CONCAT(?, seq), CONCAT(?, 'history-', seq), ?, '水', 'normal', '', "
                "IF(seq = 1, 'accepted', 'closed'), ?, NOW(3), NOW(3) FROM seq_1_to_200"));
            const std::string prefix = run_ + std::to_string(i) + "-";
            history->setString(1, prefix);
            history->setString(2, prefix);
            history->setString(3, run_ + "o");
            history->setUInt64(4, veterans[i]);
            history->executeUpdate();
        }
        // Statistics as the server keeps them for a table with that history.
        std::unique_ptr<sql::Statement> analyze(c.createStatement());
        std::unique_ptr<sql::ResultSet>(analyze->executeQuery("ANALYZE TABLE tickets"));
        const auto reads = [&c] {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW SESSION STATUS LIKE 'Handler_read%'"));
            std::uint64_t n = 0;
            while (rs->next()) n += rs->getUInt64(2);
            return n;
        };
        const std::uint64_t before = reads();
        auto found = TechnicianRepository::candidates(c, trade_, "3");
        EXPECT_EQ(found.size(), 20u);
        for (const auto& f : found) EXPECT_EQ(f.open_jobs, 1u);
        return reads() - before;
    });
    // Three lookups of open jobs per technician, each once: 162 reads here. With the capacity
    // filter and the order in SQL they ran up to three times per technician (308 on this data);
    // left to the optimizer, under the bench's load they read every dispatched ticket per
    // candidate (6,000-10,000), and one `status IN` count read, on a year of a desk's data,
    // every closed ticket of every candidate.
    EXPECT_LT(read, 250u);
}

TEST_F(StorePeople, PhotosAreRecordedOncePerMediaIdAndTrackTheDownload) {
    Photo p;
    p.owner_openid = run_ + "o";
    p.media_id = run_ + "media-1";
    p.pic_url = "http://mmbiz.qpic.cn/x.jpg";
    auto first = sync([&](sql::Connection& c) { return PhotoRepository::add(c, p, now_); });
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, "pending");
    auto again = sync([&](sql::Connection& c) { return PhotoRepository::add(c, p, now_); });
    EXPECT_EQ(again->id, first->id);
    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return PhotoRepository::mark_failed(c, first->id, "timeout", false);
    }));
    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return PhotoRepository::mark_stored(c, first->id, "var/media/ab/abcd.jpg",
                                            std::string(64, 'a'), 1234, now_);
    }));
    auto stored =
        sync([&](sql::Connection& c) { return PhotoRepository::find_by_media_id(c, p.media_id); });
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, "stored");
    EXPECT_EQ(stored->attempts, 2u);
    EXPECT_EQ(stored->size_bytes, 1234u);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return PhotoRepository::mark_failed(c, 999999999, "x", true);
              }).code(),
              StoreErrc::not_found);
}

TEST_F(StorePeople, RatingsComplaintsAndCallbacksAreRecordedOnce) {
    NewTicket n;
    n.ticket.idempotency_key = run_ + "rated";
    n.ticket.owner_openid = run_ + "o";
    n.ticket.fault_type = "门窗";
    n.ticket.urgency = "normal";
    n.ticket.created_at = now_;
    auto t = sync([&](sql::Connection& c) { return TicketRepository::create(c, n); });
    ASSERT_TRUE(t);
    Rating r{0, t->ticket.id, 0, run_ + "o", 2, "师傅迟到了😠", now_};
    ASSERT_TRUE(sync([&](sql::Connection& c) { return FeedbackRepository::add_rating(c, r); }));
    EXPECT_EQ(sync([&](sql::Connection& c) { return FeedbackRepository::add_rating(c, r); }).code(),
              StoreErrc::duplicate);
    r.round = 1;
    ASSERT_TRUE(sync([&](sql::Connection& c) { return FeedbackRepository::add_rating(c, r); }));
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return FeedbackRepository::ratings_for_ticket(c, t->ticket.id);
              }).size(),
              2u);

    Complaint complaint;
    complaint.ticket_id = t->ticket.id;
    complaint.owner_openid = run_ + "o";
    complaint.source = "low_rating";
    complaint.text = "师傅迟到了😠";
    complaint.created_at = now_;
    const auto cid =
        sync([&](sql::Connection& c) { return FeedbackRepository::add_complaint(c, complaint); });
    Callback cb;
    cb.ticket_id = t->ticket.id;
    cb.complaint_id = cid;
    cb.kind = "complaint";
    cb.due_at = now_ + std::chrono::hours(72);
    cb.created_at = now_;
    const std::string key = run_ + "complaint:" + std::to_string(cid);
    auto cbid =
        sync([&](sql::Connection& c) { return FeedbackRepository::add_callback(c, cb, key); });
    ASSERT_TRUE(cbid);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return FeedbackRepository::add_callback(c, cb, key);
              }).code(),
              StoreErrc::duplicate);

    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return FeedbackRepository::handle_complaint(c, cid, "supervisor", "道歉并补修", now_);
    }));
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return FeedbackRepository::handle_complaint(c, cid, "supervisor", "x", now_);
              }).code(),
              StoreErrc::invalid_state);
    auto handled =
        sync([&](sql::Connection& c) { return FeedbackRepository::find_complaint(c, cid); });
    ASSERT_TRUE(handled);
    EXPECT_EQ(handled->status, "handled");
    EXPECT_EQ(handled->text, complaint.text);

    CallbackFilter open;
    open.done = false;
    open.kind = "complaint";
    auto queue = sync([&](sql::Connection& c) { return FeedbackRepository::callbacks(c, open); });
    EXPECT_TRUE(
        std::any_of(queue.begin(), queue.end(), [&](const Callback& x) { return x.id == *cbid; }));
    ASSERT_TRUE(sync([&](sql::Connection& c) {
        return FeedbackRepository::complete_callback(c, *cbid, "dispatcher", "satisfied",
                                                     "业主满意", now_ + 1h);
    }));
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return FeedbackRepository::complete_callback(c, *cbid, "dispatcher", "satisfied",
                                                               "", now_);
              }).code(),
              StoreErrc::invalid_state);
    EXPECT_EQ(sync([&](sql::Connection& c) {
                  return FeedbackRepository::complete_callback(c, 999999999, "dispatcher",
                                                               "satisfied", "", now_);
              }).code(),
              StoreErrc::not_found);
}

}  // namespace
}  // namespace repairbot::store
