// Tickets, events and outbox against the real MariaDB: numbering under concurrency across pools,
// idempotent creation, compare-and-set updates, untrusted text round trips, outbox leases.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <tuple>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <regex>
#include <set>

#include "dialog/inbound.h"
#include "store/errors.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/outbox_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/private_database.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

class StoreTickets : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = migrate(testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void TearDown() override {
        // Remove this test's rows (children first: foreign keys).
        const std::string like = prefix_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q : {"DELETE e FROM ticket_events e JOIN tickets t ON t.id = "
                                  "e.ticket_id WHERE t.idempotency_key LIKE ?",
                                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                                  "WHERE t.idempotency_key LIKE ?",
                                  "DELETE FROM tickets WHERE idempotency_key LIKE ?",
                                  "DELETE FROM technicians WHERE name LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    NewTicket draft(const std::string& key) const {
        NewTicket n;
        n.ticket.idempotency_key = prefix_ + key;
        n.ticket.owner_openid = "o-" + key;
        n.ticket.reporter_name = "张三";
        n.ticket.phone = "13800138000";
        n.ticket.building = "3";
        n.ticket.unit = "2";
        n.ticket.room = "301";
        n.ticket.address = "3栋2单元301";
        n.ticket.fault_type = "水";
        n.ticket.trade = "水";
        n.ticket.urgency = "normal";
        n.ticket.description = "厨房水管漏水";
        n.ticket.created_at = now_ms();
        n.ticket.due.dispatch = n.ticket.created_at + std::chrono::minutes(10);
        n.first_event = NewEvent{"o-" + key, "owner", "created", R"({"channel":"wechat"})"};
        n.outbox.push_back(
            NewOutbox{"template", "dispatcher", R"({"template":"new_job"})", std::nullopt});
        return n;
    }

    std::string prefix_ = "t" + random_suffix() + ":";
    boost::asio::thread_pool blocking_{4};
    MysqlPool pool_{blocking_, testing::mysql_settings()};

  private:
    static std::string random_suffix() {
        return std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}() % 1000000);
    }
};

boost::asio::awaitable<void> create_one(MysqlPool& pool, NewTicket n, std::mutex& mu,
                                        std::vector<std::string>& numbers,
                                        std::atomic<int>& failures) {
    try {
        // A named lambda: g++ 12 mishandles capturing lambda temporaries inside co_await.
        auto work = [n = std::move(n)](sql::Connection& c) {
            return TicketRepository::create(c, n);
        };
        auto r = co_await pool.run(std::move(work));
        std::lock_guard lock(mu);
        if (r && r->created) {
            numbers.push_back(r->ticket.number);
        } else {
            ++failures;
        }
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
    }
}

TEST_F(StoreTickets, ThousandTicketsFromTwoPoolsGetDistinctNumbersAndOneEventEach) {
    boost::asio::io_context io;  // destroyed after other_blocking's threads are joined
    boost::asio::thread_pool other_blocking(4);
    MysqlPool other_pool(other_blocking, testing::mysql_settings());
    std::mutex mu;
    std::vector<std::string> numbers;
    std::atomic<int> failures{0};
    for (int i = 0; i < 1000; ++i) {
        auto& pool = i % 2 ? pool_ : other_pool;
        boost::asio::co_spawn(
            io, create_one(pool, draft("bulk-" + std::to_string(i)), mu, numbers, failures),
            boost::asio::detached);
    }
    io.run();
    other_blocking.join();
    EXPECT_EQ(failures.load(), 0);
    ASSERT_EQ(numbers.size(), 1000u);
    std::set<std::string> distinct(numbers.begin(), numbers.end());
    EXPECT_EQ(distinct.size(), 1000u);
    // BX20261121-0007 (more digits once a day passes 9,999, as benches on this database do)
    const std::regex shape("BX[0-9]{8}-[0-9]{4,}");
    for (const auto& n : numbers) EXPECT_TRUE(std::regex_match(n, shape)) << n;

    const std::string like = prefix_ + "bulk-%";
    auto counts = pool_.run_sync([&like](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
            "SELECT COUNT(DISTINCT t.id), COUNT(e.id), COUNT(DISTINCT t.number) FROM tickets t "
            "JOIN ticket_events e ON e.ticket_id = t.id WHERE t.idempotency_key LIKE ?"));
        st->setString(1, like);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        rs->next();
        return std::array<int, 3>{rs->getInt(1), rs->getInt(2), rs->getInt(3)};
    });
    EXPECT_EQ(counts[0], 1000);
    EXPECT_EQ(counts[1], 1000);
    EXPECT_EQ(counts[2], 1000);
}

TEST_F(StoreTickets, RepeatedIdempotencyKeyReturnsTheExistingTicketEvenWhenRacing) {
    boost::asio::io_context io;
    std::mutex mu;
    std::vector<std::string> numbers;
    std::atomic<int> repeats{0};
    for (int i = 0; i < 20; ++i) {
        boost::asio::co_spawn(io, create_one(pool_, draft("same"), mu, numbers, repeats),
                              boost::asio::detached);
    }
    io.run();
    EXPECT_EQ(numbers.size(), 1u);
    EXPECT_EQ(repeats.load(), 19);

    auto again = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::create(c, draft("same")); });
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->ticket.number, numbers.at(0));
    auto events = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::events(c, again->ticket.id); });
    EXPECT_EQ(events.size(), 1u);
    auto outbox = pool_.run_sync(
        [&](sql::Connection& c) { return OutboxRepository::for_ticket(c, again->ticket.id); });
    EXPECT_EQ(outbox.size(), 1u);
}

TEST_F(StoreTickets, WhenAStatementOfTheCommitBatchFailsNothingOfTheTicketRemains) {
    auto n = draft("fails-late");
    n.within = [](SqlBatch& batch, const Ticket& t) {
        batch.add("INSERT INTO no_such_table (ticket_id) VALUES (?)", t.id);  // error 1146
    };
    int code = 0;
    std::size_t statement = 0;
    try {
        auto created = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create(c, n); });
        ADD_FAILURE() << "create() returned instead of throwing (ok: " << static_cast<bool>(created) << ")";
    } catch (const SqlBatchError& e) {
        code = e.getErrorCode();
        statement = e.statement();
    }
    EXPECT_EQ(code, 1146);
    EXPECT_EQ(statement, 2u);  // the event, the outbox row, then within's statement
    auto left = pool_.run_sync([&](sql::Connection& c) {
        auto ticket = TicketRepository::find_by_idempotency_key(c, n.ticket.idempotency_key);
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
            "SELECT COUNT(*) FROM ticket_events e LEFT JOIN tickets t ON t.id = e.ticket_id WHERE t.id IS NULL"));
        rs->next();
        return std::make_pair(static_cast<bool>(ticket), static_cast<int>(rs->getInt(1)));
    });
    EXPECT_FALSE(left.first);   // no ticket
    EXPECT_EQ(left.second, 0);  // and no event without its ticket
}

// The number's sequence part ("BX20261121-0042" -> 42).
std::uint64_t sequence_of(const std::string& number) {
    return std::stoull(number.substr(number.rfind('-') + 1));
}

TEST_F(StoreTickets, AGroupIsCreatedTogetherWithConsecutiveNumbersInOrderAndEveryonesRows) {
    std::vector<NewTicket> drafts = {draft("g1"), draft("g2"), draft("g3")};
    std::vector<std::string> completed;  // the order complete() ran in
    for (auto& d : drafts) {
        d.complete = [&completed](sql::Connection&, Ticket& t, std::vector<NewEvent>& events,
                                  std::vector<NewOutbox>&) {
            completed.push_back(t.idempotency_key);
            events.push_back(NewEvent{"system", "system", "queued", ""});
        };
        d.within = [](SqlBatch& batch, const Ticket& t) {
            batch.add("INSERT INTO ticket_events (ticket_id, at, actor, actor_role, type, details) "
                      "VALUES (?, NOW(3), 'within', 'system', 'note', '{}')",
                      t.id);
        };
    }
    const std::vector<const NewTicket*> group = {&drafts[0], &drafts[1], &drafts[2]};
    auto created = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create_group(c, group); });
    ASSERT_TRUE(created);
    ASSERT_EQ(created->size(), 3u);
    EXPECT_EQ(completed, (std::vector<std::string>{prefix_ + "g1", prefix_ + "g2", prefix_ + "g3"}));
    for (std::size_t i = 0; i < 3; ++i) {
        const Ticket& t = (*created)[i];
        EXPECT_EQ(t.idempotency_key, drafts[i].ticket.idempotency_key);  // in the order given
        if (i > 0) {
            EXPECT_EQ(sequence_of(t.number), sequence_of((*created)[i - 1].number) + 1) << t.number;
        }
        auto stored = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::find_by_id(c, t.id); });
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->number, t.number);
        EXPECT_EQ(stored->idempotency_key, t.idempotency_key);
        auto events = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::events(c, t.id); });
        std::vector<std::string> types;
        for (const auto& e : events) types.push_back(e.type);
        EXPECT_EQ(types, (std::vector<std::string>{"created", "queued", "note"}));
        auto outbox = pool_.run_sync([&](sql::Connection& c) { return OutboxRepository::for_ticket(c, t.id); });
        EXPECT_EQ(outbox.size(), 1u);
    }
}

TEST_F(StoreTickets, AGroupWithAKeyThatHasItsTicketWritesNothingAndSaysSo) {
    auto first = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create(c, draft("had")); });
    ASSERT_TRUE(first);
    std::vector<NewTicket> drafts = {draft("new-a"), draft("had"), draft("new-b")};
    const std::vector<const NewTicket*> group = {&drafts[0], &drafts[1], &drafts[2]};
    auto created = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create_group(c, group); });
    EXPECT_FALSE(created);
    auto found = pool_.run_sync([&](sql::Connection& c) {
        return std::make_pair(static_cast<bool>(TicketRepository::find_by_idempotency_key(c, prefix_ + "new-a")),
                              static_cast<bool>(TicketRepository::find_by_idempotency_key(c, prefix_ + "new-b")));
    });
    EXPECT_FALSE(found.first);
    EXPECT_FALSE(found.second);
    auto events = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::events(c, first->ticket.id); });
    EXPECT_EQ(events.size(), 1u);  // the ticket that had its key is as it was

    // The same key twice in one group is refused the same way.
    std::vector<NewTicket> twice = {draft("twice"), draft("twice")};
    const std::vector<const NewTicket*> twice_group = {&twice[0], &twice[1]};
    auto doubled = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create_group(c, twice_group); });
    EXPECT_FALSE(doubled);
    auto none = pool_.run_sync(
        [&](sql::Connection& c) { return static_cast<bool>(TicketRepository::find_by_idempotency_key(c, prefix_ + "twice")); });
    EXPECT_FALSE(none);
}

TEST_F(StoreTickets, ABatchAppendsAnyNumberOfEventsInTheirOrder) {
    auto created = pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create(c, draft("batch")); });
    ASSERT_TRUE(created);
    const auto id = created->ticket.id;
    const std::vector<NewEvent> three = {{"tech-1", "technician", "accepted", ""},
                                         {"tech-1", "technician", "arrived", R"({"note":"到了"})"},
                                         {"tech-1", "technician", "done", R"({"note":"完成"})"}};
    auto types = pool_.run_sync([&](sql::Connection& c) {
        SqlBatch none;
        TicketRepository::append_events(none, id, {}, now_ms());
        SqlBatch batch;
        TicketRepository::append_events(batch, id, three, now_ms());
        std::vector<std::string> out{std::to_string(none.size()), std::to_string(batch.size())};
        batch.run(c);
        for (const auto& e : TicketRepository::events(c, id)) out.push_back(e.type + " " + e.details);
        return out;
    });
    // Nothing for no events; two statements for three (a pair, then one).
    EXPECT_EQ(types, (std::vector<std::string>{"0", "2", R"(created {"channel":"wechat"})", "accepted {}",
                                               R"(arrived {"note":"到了"})", R"(done {"note":"完成"})"}));
}

TEST_F(StoreTickets, EmojiNamesAndSqlLookingTextRoundTripUnchanged) {
    auto n = draft("text");
    n.ticket.reporter_name = "王小明😀🔧";
    n.ticket.description = "'; DROP TABLE tickets; -- 还有 \"引号\" \\ 反斜杠 \xF0\x9F\x92\xA7";
    n.ticket.area = "3号楼电梯厅";
    n.first_event.details = R"({"text":"'; DROP TABLE tickets; --","emoji":"😀"})";
    auto created =
        pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create(c, n); });
    ASSERT_TRUE(created);
    auto back = pool_.run_sync([&](sql::Connection& c) {
        return TicketRepository::find_by_number(c, created->ticket.number);
    });
    ASSERT_TRUE(back);
    EXPECT_EQ(back->reporter_name, n.ticket.reporter_name);
    EXPECT_EQ(back->description, n.ticket.description);
    EXPECT_EQ(back->area, n.ticket.area);
    EXPECT_EQ(back->due.dispatch, n.ticket.due.dispatch);
    EXPECT_EQ(back->created_at, n.ticket.created_at);
    EXPECT_EQ(*back, created->ticket);
    auto events =
        pool_.run_sync([&](sql::Connection& c) { return TicketRepository::events(c, back->id); });
    ASSERT_EQ(events.size(), 1u);
    EXPECT_NE(events[0].details.find("DROP TABLE"), std::string::npos);
    EXPECT_NE(events[0].details.find("😀"), std::string::npos);
}

// The longest of what the dialog accepts (dialog/inbound.h) fits its columns (migration 0009):
// a 64-character openid's idempotency key, a 1,000-character note after 完成, an owner's
// 1,000-character reason for refusing a quote after its prefix, a cut location label.
TEST_F(StoreTickets, TheLongestValuesTheDialogAcceptsFitTheirColumns) {
    const auto repeat = [](const std::string& one, std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s += one;
        return s;
    };
    const std::string openid(64, 'o');
    auto n = draft("longest");
    n.ticket.owner_openid = openid;
    n.ticket.idempotency_key =
        openid + ":{" + openid + "}:m:18446744073709551615#4294967295";  // 163 characters
    n.ticket.description = repeat("漏", dialog::kMaxMessageChars);
    n.ticket.address = repeat("园", dialog::kMaxLocationLabelChars);
    auto created =
        pool_.run_sync([&](sql::Connection& c) { return TicketRepository::create(c, n); });
    ASSERT_TRUE(created) << created.error().message();
    auto t = created->ticket;
    t.done_note = repeat("修", dialog::kMaxMessageChars);
    t.cancel_reason = "业主不同意报价：" + repeat("贵", dialog::kMaxMessageChars);
    auto updated = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::update(c, t, NewEvent{}, {}, now_ms()); });
    ASSERT_TRUE(updated) << updated.error().message();
    auto back = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::find_by_id(c, t.id); });
    ASSERT_TRUE(back);
    EXPECT_EQ(back->idempotency_key, n.ticket.idempotency_key);
    EXPECT_EQ(back->done_note, t.done_note);
    EXPECT_EQ(back->cancel_reason, t.cancel_reason);
    EXPECT_EQ(back->description, n.ticket.description);
}

TEST_F(StoreTickets, UpdateIsCompareAndSetWithItsEventAndOutbox) {
    auto created = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::create(c, draft("cas")); });
    ASSERT_TRUE(created);
    Ticket t = created->ticket;
    t.status = ticket_status::dispatched;
    t.technician_id = std::nullopt;
    t.at.dispatched = t.created_at + std::chrono::minutes(1);
    t.late.dispatch = false;
    const auto at = t.created_at + std::chrono::minutes(1);
    auto saved = pool_.run_sync([&](sql::Connection& c) {
        return TicketRepository::update(c, t, NewEvent{"system", "system", "dispatched", "{}"},
                                        {NewOutbox{"template", "tech", "{}", std::nullopt}}, at);
    });
    ASSERT_TRUE(saved) << saved.error().message();
    EXPECT_EQ(saved->version, 1u);
    auto stale = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::update(c, t, {}, {}, at); });
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.code(), StoreErrc::version_conflict);
    auto back =
        pool_.run_sync([&](sql::Connection& c) { return TicketRepository::find_by_id(c, t.id); });
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *saved);
    auto events =
        pool_.run_sync([&](sql::Connection& c) { return TicketRepository::events(c, t.id); });
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].type, "dispatched");
    auto missing = pool_.run_sync(
        [](sql::Connection& c) { return TicketRepository::find_by_number(c, "BX19700101-0000"); });
    EXPECT_EQ(missing.code(), StoreErrc::not_found);
}

// The outbox claim on a database of its own: no other test's worker can lease the backlog,
// and no other test's rows are in its way.
class StoreOutboxClaim : public ::testing::Test {
  protected:
    static config::MysqlSettings private_database() { return testing::private_mysql_settings("outbox_claim"); }
    void SetUp() override {
        auto applied = testing::create_database(private_database());
        ASSERT_TRUE(applied) << applied.error().message();
        testing::execute_on(private_database(), "DELETE FROM outbox");
    }
    void TearDown() override {
        blocking_.join();
        testing::drop_database(private_database());
    }

    boost::asio::thread_pool blocking_{1};
    MysqlPool pool_{blocking_, private_database()};
};

TEST_F(StoreOutboxClaim, TakesExpiredLeasesFirstAndReadsAboutItsLimitOfABacklog) {
    // A backlog after an outage: 500 rows due, the last of them a crashed worker's row whose
    // lease has run out...
    const std::string recipient = "o-backlog";
    const Timestamp now = Timestamp{} + std::chrono::hours(24 * 400);
    struct Outcome {
        std::vector<OutboxMessage> claimed;
        std::uint64_t reads = 0;
    };
    auto out = pool_.run_sync([&](sql::Connection& c) {
        Outcome o;
        std::unique_ptr<sql::PreparedStatement> backlog(c.prepareStatement(
            "INSERT INTO outbox (kind, recipient, payload, status, next_attempt_at, created_at, "
            "lease_owner, lease_until) SELECT 'custom', ?, '{}', IF(seq = 500, 'sending', 'pending'), "
            "FROM_UNIXTIME(86400 + seq), FROM_UNIXTIME(86400), IF(seq = 500, 'crashed', ''), "
            "IF(seq = 500, FROM_UNIXTIME(86400 + 600), NULL) FROM seq_1_to_500"));
        backlog->setString(1, recipient);
        backlog->executeUpdate();
        // ... in a table that holds mostly the history of sent messages.
        std::unique_ptr<sql::Statement>(c.createStatement())
            ->execute("INSERT INTO outbox (kind, recipient, payload, status, next_attempt_at, created_at) "
                      "SELECT 'custom', 'o-history', '{}', 'sent', FROM_UNIXTIME(seq), FROM_UNIXTIME(seq) "
                      "FROM seq_1_to_5000");
        // Statistics as the server keeps them for a table with that backlog.
        std::unique_ptr<sql::Statement> analyze(c.createStatement());
        std::unique_ptr<sql::ResultSet>(analyze->executeQuery("ANALYZE TABLE outbox"));
        const auto reads = [&c] {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW SESSION STATUS LIKE 'Handler_read%'"));
            std::uint64_t n = 0;
            while (rs->next()) n += rs->getUInt64(2);
            return n;
        };
        const std::uint64_t before = reads();
        o.claimed = OutboxRepository::claim_due(c, now, std::chrono::seconds(30), "worker-a", 20);
        o.reads = reads() - before;
        return o;
    });
    ASSERT_EQ(out.claimed.size(), 20u);
    // The crashed worker's row is taken although it is due last, with the 19 oldest pending.
    std::vector<std::int64_t> due;
    for (const auto& m : out.claimed) {
        EXPECT_EQ(m.recipient, recipient);
        EXPECT_EQ(m.status, "sending");
        EXPECT_EQ(m.attempts, 1u);
        due.push_back(std::chrono::duration_cast<std::chrono::seconds>(m.next_attempt_at.time_since_epoch()).count());
    }
    std::sort(due.begin(), due.end());
    std::vector<std::int64_t> expected;
    for (int i = 1; i <= 19; ++i) expected.push_back(86400 + i);
    expected.push_back(86400 + 500);
    EXPECT_EQ(due, expected);
    // Both claims stop at their limit, and the read-back finds the 20: not the 500.
    EXPECT_LT(out.reads, 150u);
}

TEST_F(StoreTickets,
       AnOwnersProgressListsTheOpenTicketsNewestFirstWithWhoHasThemAndTheCurrentVisitsArrival) {
    const std::string owner = prefix_ + "owner";
    const Timestamp now =
        Timestamp{} + std::chrono::seconds(std::chrono::duration_cast<std::chrono::seconds>(
                                               now_ms().time_since_epoch())
                                               .count());  // whole seconds, as set below
    const auto at = [&](int minutes) { return now + std::chrono::minutes(minutes); };
    auto read = [&](std::uint32_t max) {
        return pool_.run_sync(
            [&](sql::Connection& c) { return TicketRepository::progress_of_owner(c, owner, max); });
    };
    pool_.run_sync([&](sql::Connection& c) {
        auto add_tech = [&](const std::string& name) {
            Technician tech;
            tech.name = prefix_ + name;
            tech.phone = "13700000009";
            tech.trades = {"水"};
            auto added = TechnicianRepository::add(c, tech, now);
            if (!added) throw std::runtime_error(added.error().message());
            return std::to_string(added->id);
        };
        const auto wang = add_tech("王师傅"), gone = add_tech("离职师傅");
        std::unique_ptr<sql::Statement>(c.createStatement())
            ->execute("UPDATE technicians SET active = 0 WHERE id = " + gone);
        std::vector<std::uint64_t> ids;
        for (const char* key :
             {"progress-queued", "progress-accepted", "progress-reopened", "progress-legacy",
              "progress-gone", "progress-closed", "progress-cancelled", "progress-other"}) {
            auto n = draft(key);
            n.ticket.owner_openid =
                std::string(key) == "progress-other" ? prefix_ + "neighbour" : owner;
            auto created = TicketRepository::create(c, n);
            if (!created) throw std::runtime_error(created.error().message());
            ids.push_back(created->ticket.id);
        }
        auto set = [&](std::uint64_t id, const std::string& assignments) {
            std::unique_ptr<sql::Statement>(c.createStatement())
                ->execute("UPDATE tickets SET " + assignments +
                          " WHERE id = " + std::to_string(id));
        };
        auto sql_time = [](Timestamp t) {
            return "FROM_UNIXTIME(" +
                   std::to_string(
                       std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
                           .count()) +
                   ")";
        };
        set(ids[0], "created_at = " + sql_time(at(-80)));
        set(ids[1],
            "created_at = " + sql_time(at(-70)) + ", status = 'accepted', technician_id = " + wang +
                ", arrive_due = " + sql_time(at(20)) + ", finish_due = " + sql_time(at(120)) +
                ", quote_status = 'pending', quote_cents = 30000");
        set(ids[2],
            "created_at = " + sql_time(at(-60)) + ", status = 'accepted', technician_id = " + wang +
                ", arrive_due = " + sql_time(at(-600)) + ", reopen_count = 1, reopened_at = " +
                sql_time(at(-5)) + ", revisit_arrive_due = " + sql_time(at(55)));
        set(ids[3], "created_at = " + sql_time(at(-50)) +
                        ", status = 'accepted', technician_id = " + wang +
                        ", arrive_due = " + sql_time(at(-900)) + ", reopen_count = 1");
        set(ids[4], "created_at = " + sql_time(at(-40)) +
                        ", status = 'accepted', technician_id = " + gone +
                        ", arrive_due = " + sql_time(at(30)));
        set(ids[5], "created_at = " + sql_time(at(-30)) + ", status = 'closed'");
        set(ids[6], "created_at = " + sql_time(at(-20)) + ", status = 'cancelled'");
        return 0;
    });
    const auto rows = read(10);
    ASSERT_EQ(rows.size(), 5u)
        << "closed, cancelled and the neighbour's tickets are not this owner's progress";
    // Newest first.
    EXPECT_EQ(rows[0].status, "accepted");
    EXPECT_EQ(rows[0].technician, "") << "a technician no longer active is not named";
    EXPECT_EQ(rows[0].arrive_due, at(30));
    EXPECT_EQ(rows[1].technician, prefix_ + "王师傅");
    EXPECT_EQ(rows[1].arrive_due, std::nullopt)
        << "reopened before the revisit columns: no arrival to promise";
    EXPECT_EQ(rows[2].technician, prefix_ + "王师傅");
    EXPECT_EQ(rows[2].arrive_due, at(55)) << "a reopened job's arrival is the revisit's";
    EXPECT_EQ(rows[3].technician, prefix_ + "王师傅");
    EXPECT_EQ(rows[3].quote_status, "pending");
    EXPECT_EQ(rows[3].quote_cents, 30000u);
    EXPECT_EQ(rows[3].arrive_due, at(20));
    EXPECT_EQ(rows[3].finish_due, at(120));
    EXPECT_EQ(rows[4].status, "new");
    EXPECT_EQ(rows[4].technician, "") << "nobody has the queued one";
    EXPECT_EQ(rows[4].fault_type, "水");
    EXPECT_EQ(rows[4].arrive_due, std::nullopt);
    EXPECT_EQ(read(2).size(), 2u);
}

TEST_F(StoreOutboxClaim,
       SeveralSentPushesAreMarkedInOneStatementEachWithItsMsgidAndOnlyIfStillLeased) {
    const Timestamp now = Timestamp{} + std::chrono::hours(24 * 400);
    auto out = pool_.run_sync([&](sql::Connection& c) {
        for (const char* r : {"o-a", "o-b", "o-c", "o-d"}) {
            NewOutbox m;
            m.kind = "notify";
            m.recipient = r;
            m.payload = "{}";
            OutboxRepository::enqueue(c, std::nullopt, m, now - std::chrono::seconds(1));
        }
        auto mine = OutboxRepository::claim_due(c, now, std::chrono::seconds(30), "worker-a", 3);
        auto theirs = OutboxRepository::claim_due(c, now, std::chrono::seconds(30), "worker-b", 3);
        EXPECT_EQ(mine.size(), 3u);
        EXPECT_EQ(theirs.size(), 1u);
        std::vector<OutboxRepository::SentPush> sent{{mine[0].id, 9007199254740993LL},
                                                     {mine[1].id, std::nullopt},
                                                     {mine[2].id, 7003},
                                                     {theirs[0].id, 7004}};
        const auto marked =
            OutboxRepository::mark_sent(c, sent, "worker-a", now + std::chrono::seconds(2));
        // The pool's second run after a lost link that had committed the first: the same rows,
        // counted as this worker's marks, not as lost.
        EXPECT_EQ(OutboxRepository::mark_sent(c, sent, "worker-a", now + std::chrono::seconds(3)),
                  3u);
        std::map<std::uint64_t, std::pair<std::string, std::optional<std::int64_t>>> rows;
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT id, status, wechat_msgid FROM outbox"));
        while (rs->next())
            rows[rs->getUInt64(1)] = {
                rs->getString(2),
                rs->isNull(3) ? std::nullopt : std::optional<std::int64_t>(rs->getInt64(3))};
        return std::make_tuple(marked, rows, mine, theirs);
    });
    auto& [marked, rows, mine, theirs] = out;
    EXPECT_EQ(marked, 3u) << "worker-b's row is not worker-a's to mark";
    EXPECT_EQ(rows[mine[0].id],
              std::make_pair(std::string("sent"), std::optional<std::int64_t>(9007199254740993LL)))
        << "2^53 + 1: no step through a double";
    EXPECT_EQ(rows[mine[1].id], std::make_pair(std::string("sent"), std::optional<std::int64_t>()));
    EXPECT_EQ(rows[mine[2].id],
              std::make_pair(std::string("sent"), std::optional<std::int64_t>(7003)));
    EXPECT_EQ(rows[theirs[0].id],
              std::make_pair(std::string("sending"), std::optional<std::int64_t>()));
}

TEST_F(StoreTickets, OutboxRowsAreLeasedToOneWorkerAndRetried) {
    auto created = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::create(c, draft("outbox")); });
    ASSERT_TRUE(created);
    const auto id = created->ticket.id;
    const auto now = now_ms() + std::chrono::hours(1);  // after everything else pending
    auto mine = [&](const std::vector<OutboxMessage>& v) {
        std::vector<OutboxMessage> out;
        for (const auto& m : v)
            if (m.ticket_id == id) out.push_back(m);
        return out;
    };
    auto a = mine(pool_.run_sync([&](sql::Connection& c) {
        return OutboxRepository::claim_due(c, now, std::chrono::seconds(30), "worker-a", 1000);
    }));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].attempts, 1u);
    auto b = mine(pool_.run_sync([&](sql::Connection& c) {
        return OutboxRepository::claim_due(c, now, std::chrono::seconds(30), "worker-b", 1000);
    }));
    EXPECT_TRUE(b.empty());
    // worker-a's claim run again (the pool repeats a unit of work after a lost link) with the
    // same time: it leases nothing new, and still hands back what its first run leased.
    auto repeated = mine(pool_.run_sync([&](sql::Connection& c) {
        return OutboxRepository::claim_due(c, now, std::chrono::seconds(30), "worker-a", 1000, /*repeat=*/true);
    }));
    ASSERT_EQ(repeated.size(), 1u);
    EXPECT_EQ(repeated[0].id, a[0].id);
    EXPECT_EQ(repeated[0].attempts, 1u);
    auto failed = pool_.run_sync([&](sql::Connection& c) {
        return OutboxRepository::mark_failed(c, a[0].id, "worker-a", 40001, "invalid credential",
                                             now + std::chrono::seconds(5));
    });
    EXPECT_TRUE(failed);
    auto later = now + std::chrono::seconds(6);
    auto again = mine(pool_.run_sync([&](sql::Connection& c) {
        return OutboxRepository::claim_due(c, later, std::chrono::seconds(30), "worker-b", 1000);
    }));
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].attempts, 2u);
    EXPECT_EQ(again[0].last_errcode, 40001);
    EXPECT_EQ(pool_
                  .run_sync([&](sql::Connection& c) {
                      return OutboxRepository::mark_sent(c, again[0].id, "worker-a", later);
                  })
                  .code(),
              StoreErrc::not_found);
    EXPECT_TRUE(pool_.run_sync([&](sql::Connection& c) {
        return OutboxRepository::mark_sent(c, again[0].id, "worker-b", later);
    }));
}


TEST_F(StoreTickets, StaffNoticesGoToEveryActiveBoundHolderOfTheRoleInOneStatement) {
    auto created = pool_.run_sync(
        [&](sql::Connection& c) { return TicketRepository::create(c, draft("staff")); });
    ASSERT_TRUE(created);
    const auto id = created->ticket.id;
    const auto now = now_ms();
    struct Staff {
        const char* name;
        bool bound, active, dispatcher, supervisor;
    };
    const Staff staff[] = {{"dispatcher-a", true, true, true, false},
                           {"dispatcher-b", true, true, true, true},
                           {"dispatcher-left", true, false, true, false},
                           {"dispatcher-unbound", false, true, true, false},
                           {"supervisor", true, true, false, true}};
    pool_.run_sync([&](sql::Connection& c) {
        for (const auto& s : staff) {
            Technician t;
            t.name = prefix_ + s.name;
            if (s.bound) t.openid = prefix_ + s.name;
            t.phone = "13900139000";
            t.trades = {"水"};
            t.active = s.active;
            t.on_duty = false;
            t.is_dispatcher = s.dispatcher;
            t.is_supervisor = s.supervisor;
            ASSERT_TRUE(TechnicianRepository::add(c, t, now));
        }
    });
    auto recipients_of = [&](StaffRole role, const std::string& payload) {
        std::size_t queued = pool_.run_sync([&](sql::Connection& c) {
            return OutboxRepository::enqueue_for_staff(c, role, id, payload, now);
        });
        std::vector<std::string> ours;
        std::size_t rows = 0;
        for (const auto& m : pool_.run_sync([&](sql::Connection& c) { return OutboxRepository::for_ticket(c, id); })) {
            if (m.kind != "notify" || m.payload != payload) continue;
            ++rows;
            if (m.recipient.rfind(prefix_, 0) == 0) ours.push_back(m.recipient.substr(prefix_.size()));
        }
        // Other tests' staff may share the database: the count covers them too, and equals the
        // rows written for this ticket and payload.
        EXPECT_EQ(queued, rows);
        return ours;
    };
    EXPECT_EQ(recipients_of(StaffRole::dispatcher, R"({"event":"dispatch_queued"})"),
              (std::vector<std::string>{"dispatcher-a", "dispatcher-b"}));
    EXPECT_EQ(recipients_of(StaffRole::supervisor, R"({"event":"complaint"})"),
              (std::vector<std::string>{"dispatcher-b", "supervisor"}));
    EXPECT_EQ(recipients_of(StaffRole::manager, R"({"event":"sla_escalation"})"), std::vector<std::string>{});
}

}  // namespace
}  // namespace repairbot::store
