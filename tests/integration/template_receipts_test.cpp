// TEMPLATESENDJOBFINISH receipts against the real MariaDB: a failed push is recorded on its
// ticket (push_error and one "push_failed" audit event with the status and the recipient) in one
// transaction, a repeated receipt changes nothing, a successful one only marks the outbox row,
// and an unknown msgid is ignored.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <nlohmann/json.hpp>

#include <random>
#include <thread>

#include "bot/template_receipts.h"
#include "dialog/text.h"
#include "store/errors.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/outbox_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

using namespace std::chrono_literals;
using store::OutboxRepository;
using store::TicketRepository;

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

class TemplateReceipts : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void TearDown() override {
        const std::string like = prefix_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q : {"DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                                  "WHERE t.idempotency_key LIKE ?",
                                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                                  "WHERE t.idempotency_key LIKE ?",
                                  "DELETE FROM outbox WHERE ticket_id IS NULL AND recipient LIKE ?",
                                  "DELETE FROM tickets WHERE idempotency_key LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    // A ticket with one job push to `technician`, already sent as template `msgid`. The row
    // is due only tomorrow, so no outbox worker on this database ever takes it.
    store::Ticket ticket_pushed_as(std::int64_t msgid, const std::string& technician) {
        store::NewTicket n;
        n.ticket.idempotency_key = prefix_ + std::to_string(msgid);
        n.ticket.owner_openid = prefix_ + "owner";
        n.ticket.address = "3栋2单元301";
        n.ticket.fault_type = "水";
        n.ticket.trade = "水";
        n.ticket.urgency = "normal";
        n.ticket.description = "厨房水管漏水";
        n.ticket.status = "dispatched";
        n.ticket.created_at = now_ms();
        n.first_event = store::NewEvent{n.ticket.owner_openid, "owner", "created", "{}"};
        n.outbox.push_back(store::NewOutbox{"notify", technician, R"({"event":"job_new"})", now_ms() + 24h});
        auto created = pool_.run_sync([&n](sql::Connection& c) { return TicketRepository::create(c, n); });
        EXPECT_TRUE(created.ok());
        mark_sent(created->ticket.id, msgid);
        return created->ticket;
    }

    void mark_sent(std::uint64_t ticket_id, std::int64_t msgid) {
        pool_.run_sync([&](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "UPDATE outbox SET status='sent', sent_at=NOW(3), wechat_msgid=? WHERE ticket_id=?"));
            st->setInt64(1, msgid);
            st->setUInt64(2, ticket_id);
            st->executeUpdate();
        });
    }

    ReceiptOutcome receipt(std::int64_t msgid, const std::string& status, std::string recipient = {}) {
        if (recipient.empty()) recipient = prefix_ + "tech";
        return store::testing::run(io_, record_template_receipt(pool_, msgid, recipient, status, now_));
    }

    // The ticket's push row back to "being sent": leased, no msgid yet (as between WeChat's
    // answer and the worker's mark).
    void mark_sending(std::uint64_t ticket_id) {
        pool_.run_sync([&](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "UPDATE outbox SET status='sending', wechat_msgid=NULL, lease_until=NOW(3) + INTERVAL 1 MINUTE "
                "WHERE ticket_id=?"));
            st->setUInt64(1, ticket_id);
            st->executeUpdate();
        });
    }

    store::Ticket reload(std::uint64_t id) {
        return pool_.run_sync([id](sql::Connection& c) { return *TicketRepository::find_by_id(c, id); });
    }
    std::vector<store::TicketEvent> events_of(std::uint64_t id, const std::string& type) {
        auto all = pool_.run_sync([id](sql::Connection& c) { return TicketRepository::events(c, id); });
        std::vector<store::TicketEvent> out;
        for (auto& e : all)
            if (e.type == type) out.push_back(e);
        return out;
    }
    std::optional<std::string> receipt_on_row(std::int64_t msgid) {
        auto row = pool_.run_sync([msgid](sql::Connection& c) { return OutboxRepository::find_by_wechat_msgid(c, msgid); });
        return row ? row->receipt_status : std::nullopt;
    }

    static std::int64_t fresh_msgid() {
        static std::mt19937_64 random(std::random_device{}());
        return static_cast<std::int64_t>(random() >> 2) + 1;
    }

    std::string prefix_ = "rcpt" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}() % 1000000) + ":";
    boost::asio::io_context io_;
    boost::asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
    std::chrono::sys_seconds now_ = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
};

TEST_F(TemplateReceipts, AFailedPushIsRecordedOnTheTicketWithStatusAndRecipient) {
    const auto msgid = fresh_msgid();
    const std::string technician = prefix_ + "tech";
    auto before = ticket_pushed_as(msgid, technician);

    EXPECT_EQ(receipt(msgid, "failed:user block"), ReceiptOutcome::push_failed);

    auto after = reload(before.id);
    EXPECT_EQ(after.push_error, "failed:user block (" + technician + ")");
    EXPECT_EQ(after.version, before.version + 1) << "a writer holding the old copy cannot blank it";
    auto failed = events_of(before.id, "push_failed");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].actor_role, "system");
    auto details = nlohmann::json::parse(failed[0].details);
    EXPECT_EQ(details["status"], "failed:user block");
    EXPECT_EQ(details["recipient"], technician);
    EXPECT_EQ(details["msgid"], msgid);
    EXPECT_EQ(receipt_on_row(msgid), "failed:user block");

    auto stale = pool_.run_sync([&before](sql::Connection& c) {
        return TicketRepository::update(c, before, store::NewEvent{}, {}, now_ms());
    });
    EXPECT_EQ(stale.code(), store::StoreErrc::version_conflict);
}

TEST_F(TemplateReceipts, ARepeatedReceiptChangesNothing) {
    const auto msgid = fresh_msgid();
    auto t = ticket_pushed_as(msgid, prefix_ + "tech");
    EXPECT_EQ(receipt(msgid, "failed: system failed"), ReceiptOutcome::push_failed);
    const auto version = reload(t.id).version;
    EXPECT_EQ(receipt(msgid, "failed: system failed"), ReceiptOutcome::repeated);
    EXPECT_EQ(receipt(msgid, "failed: system failed"), ReceiptOutcome::repeated);
    EXPECT_EQ(events_of(t.id, "push_failed").size(), 1u);
    EXPECT_EQ(reload(t.id).version, version);
}

TEST_F(TemplateReceipts, ASuccessfulDeliveryOnlyMarksTheOutboxRow) {
    const auto msgid = fresh_msgid();
    auto t = ticket_pushed_as(msgid, prefix_ + "tech");
    EXPECT_EQ(receipt(msgid, "success"), ReceiptOutcome::delivered);
    auto after = reload(t.id);
    EXPECT_EQ(after.push_error, "");
    EXPECT_EQ(after.version, t.version);
    EXPECT_TRUE(events_of(t.id, "push_failed").empty());
    EXPECT_EQ(receipt_on_row(msgid), "success");
    EXPECT_EQ(receipt(msgid, "success"), ReceiptOutcome::repeated);
}

TEST_F(TemplateReceipts, AnUnknownMsgidIsIgnored) {
    const auto msgid = fresh_msgid();
    EXPECT_EQ(receipt(msgid, "failed:user block"), ReceiptOutcome::unknown_msgid);
    EXPECT_EQ(receipt_on_row(msgid), std::nullopt);
}

TEST_F(TemplateReceipts, AFailedPushWithoutATicketIsKeptOnItsRowOnly) {
    const auto msgid = fresh_msgid();
    const std::string dispatcher = prefix_ + "dispatcher";
    pool_.run_sync([&](sql::Connection& c) {
        auto id = OutboxRepository::enqueue(c, std::nullopt, {"notify", dispatcher, "{}", now_ms() + 24h}, now_ms());
        std::unique_ptr<sql::PreparedStatement> st(
            c.prepareStatement("UPDATE outbox SET status='sent', wechat_msgid=? WHERE id=?"));
        st->setInt64(1, msgid);
        st->setUInt64(2, id);
        st->executeUpdate();
    });
    EXPECT_EQ(receipt(msgid, "failed:user block"), ReceiptOutcome::push_failed);
    EXPECT_EQ(receipt_on_row(msgid), "failed:user block");
}

// WeChat can report a template's fate before the worker has marked its row sent with the msgid
// (the receipt raced the mark): the receipt waits for the mark while a push to its recipient is
// in flight, instead of being dropped as unknown and the failed push never noted on the ticket.
TEST_F(TemplateReceipts, AReceiptThatRacesItsPushesMarkWaitsForIt) {
    const auto msgid = fresh_msgid();
    const std::string technician = prefix_ + "tech";
    auto t = ticket_pushed_as(msgid, technician);
    mark_sending(t.id);
    std::thread worker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        mark_sent(t.id, msgid);
    });
    const auto outcome = receipt(msgid, "failed:user block", technician);
    worker.join();
    EXPECT_EQ(outcome, ReceiptOutcome::push_failed);
    EXPECT_EQ(receipt_on_row(msgid), "failed:user block");
    EXPECT_EQ(events_of(t.id, "push_failed").size(), 1u);
}

TEST_F(TemplateReceipts, AnUnknownMsgidWithNothingInFlightToItsRecipientIsAnsweredAtOnce) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(receipt(fresh_msgid(), "success", prefix_ + "nobody"), ReceiptOutcome::unknown_msgid);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500))
        << "no push to this recipient is in flight: nothing to wait for";
}

// WeChat's own bytes are not trusted either: a status that is not UTF-8 made MariaDB refuse the
// row (1366) and the details' JSON throw, so the receipt was lost on every resend; a status longer
// than the row's 64 characters never compared equal to what was kept, so a repeat was recorded
// again.
TEST_F(TemplateReceipts, AStatusThatIsNotUtf8OrIsOverlongIsKeptRepairedAndCut) {
    const auto msgid = fresh_msgid();
    auto t = ticket_pushed_as(msgid, prefix_ + "tech");
    std::string status = "failed:\xFF\xFE ";
    while (status.size() < 200) status += "拒收";
    EXPECT_EQ(receipt(msgid, status), ReceiptOutcome::push_failed);
    const auto kept = receipt_on_row(msgid);
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->rfind("failed:\xEF\xBF\xBD\xEF\xBF\xBD 拒收", 0), 0u) << *kept;
    EXPECT_EQ(dialog::text::length_in_chars(*kept), 64u);
    EXPECT_EQ(events_of(t.id, "push_failed").size(), 1u);
    EXPECT_EQ(receipt(msgid, status), ReceiptOutcome::repeated);
    EXPECT_EQ(events_of(t.id, "push_failed").size(), 1u);
}

}  // namespace
}  // namespace repairbot::bot
