// The admin API's callback and complaint shapes: untrusted JSON bodies are refused with a 400's
// message naming the field (never an exception), list filters name the parameter, and the JSON
// of a callback and a complaint carries ISO-8601 times with offset and nulls where nothing is.
#include <gtest/gtest.h>

#include "bot/callback_api.h"
#include "bot/callback_command.h"

namespace repairbot::bot {
namespace {

using store::Timestamp;
namespace chr = std::chrono;

Timestamp local(int y, unsigned m, unsigned d, int h, int mi) {
    return chr::sys_days{chr::year{y} / m / d} + chr::hours(h - 8) + chr::minutes(mi);
}

TEST(CallbackDoneBody, ReadsEveryField) {
    auto r = parse_callback_done_body(
        R"({"outcome":"unsatisfied","notes":"水管又漏了","by":"王客服","reopen":true})");
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(r->outcome, "unsatisfied");
    EXPECT_EQ(r->notes, "水管又漏了");
    EXPECT_EQ(r->by, "王客服");
    EXPECT_TRUE(r->reopen);
    EXPECT_FALSE(r->serious);
    auto serious = parse_callback_done_body(R"({"outcome":"unsatisfied","serious":true})");
    ASSERT_TRUE(serious) << serious.error().detail;
    EXPECT_TRUE(serious->serious);
    auto minimal = parse_callback_done_body(R"({"outcome":"unreachable","notes":null})");
    ASSERT_TRUE(minimal) << minimal.error().detail;
    EXPECT_EQ(minimal->by, "dispatcher");
    EXPECT_FALSE(minimal->reopen);
}

TEST(CallbackDoneBody, UntrustedBodiesAreRefusedNamingTheField) {
    struct Case {
        std::string body;
        std::string expected;
    };
    const Case cases[] = {
        {"", "the body is not valid JSON"},
        {"{\"outcome\":", "the body is not valid JSON"},
        {"[1,2]", "the body must be a JSON object, not array"},
        {"\"satisfied\"", "the body must be a JSON object, not string"},
        {"{}", "outcome: is required"},
        {R"({"outcome":5})", "outcome: must be a string, not number"},
        {R"({"outcome":"ok"})", "outcome: 'ok' is not an outcome"},
        {R"({"outcome":"satisfied","reopen":"yes"})", "reopen: must be true or false, not string"},
        {R"({"outcome":"satisfied","reopen":true})", "reopen: only an unsatisfied callback"},
        {R"({"outcome":"satisfied","notes":["a"]})", "notes: must be a string, not array"},
        {R"({"outcome":"satisfied","reopne":true})",
         "reopne: not a field of this request; use by, notes, outcome, reopen, serious"},
        {R"({"outcome":"unsatisfied","serious":1})", "serious: must be true or false, not number"},
        {R"({"outcome":"unreachable","serious":true})",
         "serious: only an unsatisfied callback files a complaint (outcome is unreachable)"},
        {R"({"outcome":"satisfied","notes":"\udc00"})", "the body is not valid JSON"},
        {std::string(100000, '['), "the body is not valid JSON"},
    };
    for (const auto& c : cases) {
        auto r = parse_callback_done_body(c.body);
        ASSERT_FALSE(r) << c.body.substr(0, 80);
        EXPECT_EQ(r.code(), std::make_error_code(std::errc::invalid_argument));
        EXPECT_NE(r.error().detail.find(c.expected), std::string::npos)
            << r.error().detail << "\nexpected: " << c.expected;
    }
}

TEST(ComplaintHandleBody, NeedsAResolution) {
    auto ok = parse_complaint_handle_body(R"({"resolution":"已上门道歉并返修","by":"李主管"})");
    ASSERT_TRUE(ok) << ok.error().detail;
    EXPECT_EQ(ok->resolution, "已上门道歉并返修");
    EXPECT_EQ(ok->by, "李主管");
    for (const char* body : {R"({})", R"({"resolution":"  "})", R"({"resolution":1})",
                             R"({"resolution":"x","status":"closed"})", "nope"}) {
        auto r = parse_complaint_handle_body(body);
        EXPECT_FALSE(r) << body;
    }
    EXPECT_NE(parse_complaint_handle_body("{}").error().detail.find("resolution: is required"),
              std::string::npos);
}

TEST(CallbackFilter, ReadsOpenKindAndLimit) {
    auto f = parse_callback_filter({{"open", "1"}, {"kind", "sample"}, {"limit", "20"}}, "");
    ASSERT_TRUE(f) << f.error().detail;
    EXPECT_EQ(f->done, false);
    EXPECT_EQ(f->kind, "sample");
    EXPECT_EQ(f->limit, 20u);
    auto done = parse_callback_filter({{"open", "0"}}, "");
    ASSERT_TRUE(done);
    EXPECT_EQ(done->done, true);
    auto all = parse_callback_filter({}, "");
    ASSERT_TRUE(all);
    EXPECT_FALSE(all->done);
    EXPECT_EQ(all->limit, kDefaultQueueListLimit);
}

TEST(CallbackFilter, BadValuesNameTheParameter) {
    EXPECT_NE(parse_callback_filter({{"kind", "repair"}}, "--")
                  .error()
                  .detail.find("--kind: 'repair' is not a kind; use complaint, sample or handover"),
              std::string::npos);
    EXPECT_NE(parse_callback_filter({{"open", "yes"}}, "").error().detail.find("open: 'yes'"),
              std::string::npos);
    EXPECT_NE(parse_callback_filter({{"limit", "501"}}, "").error().detail.find("limit: '501'"),
              std::string::npos);
    EXPECT_NE(parse_callback_filter({{"status", "open"}}, "")
                  .error()
                  .detail.find("status: not a filter of the callback list"),
              std::string::npos);
    EXPECT_NE(parse_complaint_filter({{"status", "new"}}, "--")
                  .error()
                  .detail.find("--status: 'new' is not a complaint status; use open, handled or "
                               "closed"),
              std::string::npos);
}

TEST(CallbackJson, TimesCarryTheOffsetAndMissingValuesAreNull) {
    store::CallbackEntry e;
    e.callback.id = 12;
    e.callback.kind = "complaint";
    e.callback.complaint_id = 4;
    e.callback.due_at = local(2026, 11, 24, 10, 30);
    e.callback.notes = "";
    auto j = callback_json(e);
    EXPECT_EQ(j["id"], 12);
    EXPECT_TRUE(j["ticket"].is_null());
    EXPECT_EQ(j["kind"], "complaint");
    EXPECT_EQ(j["complaint"], 4);
    EXPECT_EQ(j["due_at"], "2026-11-24T10:30:00+08:00");
    EXPECT_TRUE(j["done_at"].is_null());
    EXPECT_TRUE(j["outcome"].is_null());

    e.ticket_number = "BX20261121-0007";
    e.callback.done_at = local(2026, 11, 25, 9, 0);
    e.callback.outcome = "satisfied";
    j = callback_json(e);
    EXPECT_EQ(j["ticket"], "BX20261121-0007");
    EXPECT_EQ(j["done_at"], "2026-11-25T09:00:00+08:00");
    EXPECT_EQ(j["outcome"], "satisfied");
    EXPECT_TRUE(j["enquiry_ticket"].is_null());
}

// A handover that is a question about a ticket's quote (报价咨询) names that ticket, in the JSON
// and in the CLI's table.
TEST(CallbackJson, AQuoteQuestionNamesItsTicket) {
    store::CallbackEntry e;
    e.callback.id = 3;
    e.callback.kind = "handover";
    e.callback.owner_openid = "o-1";
    e.callback.due_at = local(2026, 11, 24, 10, 30);
    e.enquiry_ticket_number = "BX20261121-0009";
    EXPECT_EQ(callback_json(e)["enquiry_ticket"], "BX20261121-0009");
    EXPECT_TRUE(callback_json(e)["ticket"].is_null());
    const auto text = callback_table({e});
    EXPECT_NE(text.find("handover 报价咨询 BX20261121-0009"), std::string::npos) << text;
}

TEST(ComplaintJson, CarriesItsCallbackDueDate) {
    store::ComplaintEntry e;
    e.complaint.id = 4;
    e.complaint.source = "low_rating";
    e.complaint.text = "师傅态度不好";
    e.complaint.status = "handled";
    e.complaint.created_at = local(2026, 11, 21, 9, 0);
    e.complaint.handled_at = local(2026, 11, 21, 15, 0);
    e.callback_id = 12;
    e.callback_due_at = local(2026, 11, 24, 15, 0);
    auto j = complaint_json(e);
    EXPECT_EQ(j["source"], "low_rating");
    EXPECT_EQ(j["status"], "handled");
    EXPECT_EQ(j["created_at"], "2026-11-21T09:00:00+08:00");
    EXPECT_EQ(j["callback_due_at"], "2026-11-24T15:00:00+08:00");
    EXPECT_TRUE(j["ticket"].is_null());
    EXPECT_TRUE(j["callback_done_at"].is_null());
    EXPECT_EQ(j["reminders"], 0);
    EXPECT_TRUE(j["reminded_at"].is_null());
    e.complaint.reminders = 2;
    e.complaint.reminded_at = local(2026, 11, 23, 9, 0);
    j = complaint_json(e);
    EXPECT_EQ(j["reminders"], 2);
    EXPECT_EQ(j["reminded_at"], "2026-11-23T09:00:00+08:00");
    const auto table = complaint_table({e});
    EXPECT_NE(table.find("REMINDED"), std::string::npos) << table;
    EXPECT_NE(table.find("2x, last 2026-11-23T09:00:00+08:00"), std::string::npos) << table;
}

TEST(CallbackTable, OneRowPerCallbackWithDashesForNothing) {
    store::CallbackEntry e;
    e.callback.id = 7;
    e.callback.kind = "sample";
    e.callback.due_at = local(2026, 12, 21, 9, 0);
    e.callback.notes = "第一行\n第二行";
    e.ticket_number = "BX20261121-0003";
    const auto text = callback_table({e});
    EXPECT_NE(text.find("ID"), std::string::npos);
    EXPECT_NE(text.find("7 "), std::string::npos) << text;
    EXPECT_NE(text.find("BX20261121-0003"), std::string::npos) << text;
    EXPECT_NE(text.find("2026-12-21T09:00:00+08:00"), std::string::npos) << text;
    EXPECT_NE(text.find("第一行 第二行"), std::string::npos) << "notes stay on one line: " << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

}  // namespace
}  // namespace repairbot::bot
