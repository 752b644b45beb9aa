#include "dialog/technician.h"

#include <algorithm>
#include <array>

#include "dialog/commands.h"
#include "dialog/job_commands.h"
#include "dialog/money.h"
#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

const std::vector<TechnicianJob>& jobs_of(const Turn& t) {
    static const std::vector<TechnicianJob> kNone;
    return t.ctx.technician ? t.ctx.technician->open_jobs : kNone;
}

// Some of the technician's open jobs, in the chat's order.
using JobRefs = std::vector<const TechnicianJob*>;

JobRefs all_jobs(const Turn& t) {
    JobRefs out;
    for (const auto& j : jobs_of(t)) out.push_back(&j);
    return out;
}

template <typename Pred>
JobRefs jobs_where(const Turn& t, Pred pred) {
    JobRefs out;
    for (const auto& j : jobs_of(t))
        if (pred(j)) out.push_back(&j);
    return out;
}

// The one job a command that names none can only mean, or nullptr when another could be meant
// (the chat then asks). 接单: the only job waiting for acceptance. 到达: the only accepted one,
// with none on site (back from fetching parts, 到了 may mean the job on site). 完成: the only one
// accepted or on site (a job left on site yesterday may be today's 完成). 报价: the only paid
// repair taken on and not agreed, with no other job on site. A technician on a ladder types
// "完成"; with one job on site and others still to take on, that is the one.
const TechnicianJob* only_meant(const Turn& t, JobAction action) {
    const auto& jobs = jobs_of(t);
    if (jobs.size() == 1) return &jobs.front();
    const auto count = [&](auto pred) {
        return static_cast<std::size_t>(std::count_if(jobs.begin(), jobs.end(), pred));
    };
    const auto first = [&](auto pred) -> const TechnicianJob* {
        auto it = std::find_if(jobs.begin(), jobs.end(), pred);
        return it == jobs.end() ? nullptr : &*it;
    };
    const auto is = [](JobStatus s) {
        return [s](const TechnicianJob& j) { return j.status == s; };
    };
    const auto taken_on = [](const TechnicianJob& j) { return j.status != JobStatus::dispatched; };
    const auto to_quote = [](const TechnicianJob& j) {
        return j.off_list && j.status != JobStatus::dispatched && j.quote != QuoteState::agreed;
    };
    switch (action) {
        case JobAction::accept:
            if (count(is(JobStatus::dispatched)) == 1) return first(is(JobStatus::dispatched));
            break;
        case JobAction::arrive:
            if (count(is(JobStatus::arrived)) == 0 && count(is(JobStatus::accepted)) == 1)
                return first(is(JobStatus::accepted));
            break;
        case JobAction::finish:
            if (count(taken_on) == 1) return first(taken_on);
            break;
        case JobAction::quote:
            if (count(to_quote) == 1 && count([&](const TechnicianJob& j) {
                                            return j.status == JobStatus::arrived && !to_quote(j);
                                        }) == 0)
                return first(to_quote);
            break;
        case JobAction::hand_over:
        case JobAction::approve_quote:
        case JobAction::reject_quote:
            break;
    }
    return nullptr;
}

// The jobs the "which job?" question offers for `action`: 接单 those waiting for acceptance; 到达,
// 完成 and 报价 those taken on; 转单 all. All when none fits (the reply to the one picked says why
// the command does not apply).
JobRefs jobs_fitting(const Turn& t, JobAction action) {
    JobRefs fit;
    switch (action) {
        case JobAction::accept:
            fit = jobs_where(
                t, [](const TechnicianJob& j) { return j.status == JobStatus::dispatched; });
            break;
        case JobAction::arrive:
        case JobAction::finish:
        case JobAction::quote:
            fit = jobs_where(
                t, [](const TechnicianJob& j) { return j.status != JobStatus::dispatched; });
            break;
        case JobAction::hand_over:
        case JobAction::approve_quote:
        case JobAction::reject_quote:
            break;
    }
    return fit.empty() ? all_jobs(t) : fit;
}

// The jobs a list number answers from: while a command waits for its job, those of the list the
// question showed (Session::shown_jobs) still open, in its order; otherwise all (as 我的工单
// lists them).
JobRefs offered(const Turn& t) {
    const auto& s = t.session;
    if (s.flow != Flow::technician_pick || !s.job_command) return all_jobs(t);
    JobRefs shown;
    for (const auto& number : s.shown_jobs)
        for (const auto& j : jobs_of(t))
            if (j.ticket_number == number) shown.push_back(&j);
    return shown.empty() ? jobs_fitting(t, s.job_command->action) : shown;
}

TextId status_text(JobStatus s) {
    switch (s) {
        case JobStatus::accepted:
            return TextId::job_status_accepted;
        case JobStatus::arrived:
            return TextId::job_status_arrived;
        case JobStatus::dispatched:
            break;
    }
    return TextId::job_status_dispatched;
}

TextId action_text(JobAction a) {
    switch (a) {
        case JobAction::arrive:
            return TextId::action_arrive;
        case JobAction::finish:
            return TextId::action_finish;
        case JobAction::quote:
            return TextId::action_quote;
        case JobAction::hand_over:
            return TextId::action_hand_over;
        case JobAction::approve_quote:
            return TextId::action_approve_quote;
        case JobAction::reject_quote:
            return TextId::action_reject_quote;
        case JobAction::accept:
            break;
    }
    return TextId::action_accept;
}

// `jobs` as a numbered list, remembered as shown (Session::shown_jobs).
std::string job_list(Turn& t, const JobRefs& jobs) {
    std::string out;
    t.session.shown_jobs.clear();
    for (const auto* j : jobs) t.session.shown_jobs.push_back(j->ticket_number);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& j = *jobs[i];
        std::string index = std::to_string(i + 1);
        const std::string& status = t.texts().get(status_text(j.status));
        if (!out.empty()) out.push_back('\n');
        const std::string urgent = j.emergency ? t.texts().get(TextId::job_urgent_mark) : "";
        out += t.texts().render(TextId::tech_job_line, {{"index", index},
                                                        {"urgency", urgent},
                                                        {"ticket", j.ticket_number},
                                                        {"address", j.address},
                                                        {"fault_type", j.fault_type},
                                                        {"status", status}});
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// A ticket number as the desk writes it (BX…), from the lower-case form commands are read in.
std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

// `id` with the jobs offered (offered()) as its list and their count.
void say_jobs(Turn& t, TextId id, std::string_view index = {}) {
    const JobRefs jobs = offered(t);
    std::string list = job_list(t, jobs);
    std::string count = std::to_string(jobs.size());
    t.say(id, {{"jobs", list}, {"count", count}, {"index", index}});
}

void clear_pick(Session& s) {
    if (s.flow == Flow::technician_pick) s.flow = Flow::idle;
    s.job_command.reset();
}

// An acceptance (`plain`, or `with_visit` with whom to call and when to be there when the job
// has both: the technician learns them as they take it on, or ask again).
void say_accepted(Turn& t, TextId plain, TextId with_visit, const TechnicianJob& job) {
    if (job.phone.empty() || job.visit.empty()) {
        t.say(plain, {{"ticket", job.ticket_number}, {"address", job.address}});
        return;
    }
    t.say(with_visit, {{"ticket", job.ticket_number},
                       {"address", job.address},
                       {"phone", job.phone},
                       {"visit", job.visit}});
}

void say_job(Turn& t, TextId id, const TechnicianJob& job, std::string_view fee = {},
             std::string_view reason = {}) {
    t.say(id, {{"ticket", job.ticket_number},
               {"address", job.address},
               {"fee", fee},
               {"reason", reason}});
}

// Carries out `cmd` on `job`, after checking that the job's state allows it.
void run(Turn& t, const PendingJobCommand& cmd, const TechnicianJob& job) {
    t.session.misses = 0;
    t.session.current_job = job.ticket_number;
    const auto& n = job.ticket_number;
    switch (cmd.action) {
        case JobAction::accept:
            if (job.status != JobStatus::dispatched) {
                say_accepted(t, TextId::tech_already_accepted, TextId::tech_already_accepted_visit,
                             job);
                return;
            }
            t.effects.emplace_back(AcceptJob{n});
            say_accepted(t, TextId::tech_accepted, TextId::tech_accepted_visit, job);
            return;
        case JobAction::arrive:
            if (job.status == JobStatus::dispatched) {
                say_job(t, TextId::tech_accept_first, job);
                return;
            }
            if (job.status == JobStatus::arrived) {
                say_job(t, TextId::tech_already_arrived, job);
                return;
            }
            t.effects.emplace_back(ArriveJob{n});
            // Arriving is not working: an off-list repair's work still waits for the owner.
            if (job.off_list && job.quote != QuoteState::agreed) {
                say_job(t,
                        job.quote == QuoteState::pending ? TextId::tech_arrived_quote_waiting
                                                         : TextId::tech_arrived_quote_first,
                        job);
            } else {
                say_job(t, TextId::tech_arrived, job);
            }
            return;
        case JobAction::finish: {
            if (job.status == JobStatus::dispatched) {
                say_job(t, TextId::tech_accept_first, job);
                return;
            }
            if (job.off_list && job.quote != QuoteState::agreed) {
                say_job(t,
                        job.quote == QuoteState::pending ? TextId::tech_quote_waiting
                                                         : TextId::tech_quote_needed,
                        job);
                return;
            }
            t.effects.emplace_back(FinishJob{n, cmd.cents, cmd.text});
            if (cmd.cents) {
                std::string fee = format_yuan(*cmd.cents);
                say_job(t, TextId::tech_finished_fee, job, fee);
            } else {
                say_job(t, TextId::tech_finished, job);
            }
            return;
        }
        case JobAction::quote: {
            if (!job.off_list) {
                say_job(t, TextId::tech_quote_not_needed, job);
                return;
            }
            if (job.status == JobStatus::dispatched) {
                say_job(t, TextId::tech_accept_first, job);
                return;
            }
            std::int64_t cents = cmd.cents.value_or(0);
            t.effects.emplace_back(QuoteJob{n, cents});
            std::string fee = format_yuan(cents);
            say_job(t, TextId::tech_quoted, job, fee);
            return;
        }
        case JobAction::hand_over:
            t.effects.emplace_back(HandOverJob{n, cmd.text});
            say_job(t, TextId::tech_handed_over, job, {}, cmd.text);
            return;
        case JobAction::approve_quote:
        case JobAction::reject_quote:
            return;  // a supervisor's, about a quote, not a job of theirs: on_review
    }
}

// Whether list position `index` names a line of the list last shown, or of the jobs offered as
// they are (what resolve answers tech_no_such_index for otherwise).
bool position_exists(Turn& t, long index) {
    const auto& listed = t.session.shown_jobs;
    const std::size_t now = offered(t).size();
    const std::size_t in_list = listed.empty() ? now : listed.size();
    return index >= 1 && static_cast<std::size_t>(index) <= std::max(in_list, now);
}

// Whether `place` ("502", "7栋", "2单元") is a whole part of `address` ("3栋2单元502"): "2栋" is
// not 12栋's, "502" not 1502's.
bool in_address(std::string_view address, std::string_view place) {
    for (auto at = address.find(place); at != std::string_view::npos;
         at = address.find(place, at + 1)) {
        const std::size_t end = at + place.size();
        const bool digit_before = at > 0 && text::is_ascii_digit(address[at - 1]);
        const bool digit_after = text::is_ascii_digit(place.back()) && end < address.size() &&
                                 text::is_ascii_digit(address[end]);
        if (!digit_before && !digit_after) return true;
    }
    return false;
}

// Whether `typed` (lower case) names `job`: its whole number, or the end of it as a technician
// reads it off the push ("20261121-0007", "0007", "007", "07").
bool names_job(const TechnicianJob& job, std::string_view typed) {
    const std::string number = lower(job.ticket_number);
    if (number == typed) return true;
    if (typed.size() < 2 || typed.size() >= number.size() || !number.ends_with(typed)) return false;
    // Cut at a boundary ("20261121-0007", "0007"), or only zeros cut off the serial ("007" of
    // 0007, never of 1007).
    std::size_t cut = number.size() - typed.size();
    while (cut > 0 && number[cut - 1] == '0') --cut;
    return cut == 0 || !text::is_ascii_digit(number[cut - 1]);
}

JobRefs named_by(const Turn& t, std::string_view ticket) {
    return jobs_where(t, [&](const TechnicianJob& j) { return names_job(j, ticket); });
}

// The job a ticket number or list position names, or nullptr after saying why there is none.
const TechnicianJob* resolve(Turn& t, const std::string& ticket, std::optional<long> index) {
    const auto& jobs = jobs_of(t);
    if (!ticket.empty()) {
        const JobRefs named = named_by(t, ticket);
        if (named.size() == 1) return named.front();
        if (named.empty()) {
            t.say(TextId::tech_job_not_yours, {{"ticket", upper(ticket)}});
        } else {  // the same serial on two days: the whole number or the list tells them apart
            std::string list = job_list(t, named);
            t.say(TextId::tech_ticket_tail_ambiguous, {{"ticket", upper(ticket)},
                                                       {"jobs", list},
                                                       {"count", std::to_string(named.size())}});
        }
        return nullptr;
    }
    // A number of the list last shown (Session::shown_jobs); before any, of the jobs offered.
    const auto& listed = t.session.shown_jobs;
    const JobRefs now = offered(t);
    const std::size_t in_list = listed.empty() ? now.size() : listed.size();
    std::string shown = std::to_string(index.value_or(0));
    if (!index || !position_exists(t, *index)) {
        say_jobs(t, TextId::tech_no_such_index, shown);
        return nullptr;
    }
    if (static_cast<std::size_t>(*index) > in_list) {  // a number of no list they saw: the list now
        say_jobs(t, TextId::tech_list_changed, shown);
        return nullptr;
    }
    const auto at = static_cast<std::size_t>(*index - 1);
    if (listed.empty()) return now[at];
    const std::string number = listed[at];
    for (const auto& j : jobs) {
        if (j.ticket_number == number) return &j;
    }
    // Finished, handed over or taken since the list was shown: the list as it is now.
    std::string list = job_list(t, now);
    std::string count = std::to_string(now.size());
    t.say(TextId::tech_index_gone, {{"index", shown}, {"ticket", number}, {"jobs", list}, {"count", count}});
    return nullptr;
}

// The command waits for the technician to say which job (a list number or a ticket number).
void wait_for_job(Session& s, PendingJobCommand cmd) {
    s.job_command = std::move(cmd);
    s.flow = Flow::technician_pick;
}

// The "which job?" question for the command waiting (Session::job_command), listing `jobs`.
void say_which(Turn& t, const JobRefs& jobs) {
    const auto& pending = t.session.job_command;
    std::string command = t.texts().get(action_text(pending ? pending->action : JobAction::accept));
    std::string list = job_list(t, jobs);
    t.say(TextId::tech_which_job,
          {{"jobs", list}, {"count", std::to_string(jobs.size())}, {"command", command}});
}

void ask_which(Turn& t, PendingJobCommand cmd) {
    const JobRefs jobs = jobs_fitting(t, cmd.action);
    wait_for_job(t.session, std::move(cmd));
    say_which(t, jobs);
}

// The quotes waiting for a supervisor's review, one a line.
void say_reviews(Turn& t, TextId id) {
    const auto& quotes = t.ctx.technician->quotes_to_review;
    std::string list;
    for (const auto& q : quotes) {
        if (!list.empty()) list.push_back('\n');
        list += t.texts().render(TextId::review_line, {{"ticket", q.ticket_number},
                                                       {"address", q.address},
                                                       {"fault_type", q.fault_type},
                                                       {"technician", q.technician},
                                                       {"fee", format_yuan(q.cents)}});
    }
    std::string count = std::to_string(quotes.size());
    if (t.ctx.technician->more_quotes_to_review) count += "+";  // the bot cut the list
    t.say(id, {{"reviews", list}, {"count", count}});
}

// A supervisor's 核准 / 驳回 of a technician's quote (Context: quotes_to_review). The quote is
// named by its ticket number, as the push about it says: with two supervisors, or a list that
// changed since it was read, "核准" alone or a list position could approve a quote not looked at.
void on_review(Turn& t, const JobCommand& c) {
    const auto& tech = *t.ctx.technician;
    if (!tech.supervisor) {
        t.say(TextId::review_not_supervisor);
        return;
    }
    const auto& quotes = tech.quotes_to_review;
    if (c.action == JobAction::approve_quote && (c.bad_amount || (c.cents && *c.cents <= 0))) {
        t.say(TextId::review_amount_invalid);
        return;
    }
    if (c.ticket.empty()) {
        if (quotes.empty() && !tech.more_quotes_to_review) {
            t.say(TextId::review_none);
        } else {
            say_reviews(t, TextId::review_which);
        }
        return;
    }
    const std::string shown = upper(c.ticket);
    const QuoteForReview* q = nullptr;
    for (const auto& x : quotes)
        if (lower(x.ticket_number) == c.ticket) q = &x;
    if (!q && !tech.more_quotes_to_review) {
        t.say(TextId::review_not_waiting, {{"ticket", shown}});
        return;
    }
    const std::string number = q ? q->ticket_number : shown;
    if (c.action == JobAction::reject_quote) {
        if (c.text.empty()) {
            t.say(TextId::review_reason_needed, {{"ticket", number}});
            return;
        }
        t.effects.emplace_back(RejectQuote{number, c.text});
        t.say(TextId::review_rejected, {{"ticket", number}, {"reason", c.text}});
        return;
    }
    std::optional<std::int64_t> seen;
    if (q) seen = q->cents;
    t.effects.emplace_back(ApproveQuote{number, c.cents, seen});
    const auto fee = c.cents ? c.cents : seen;
    t.say(fee ? TextId::review_approved : TextId::review_approved_as_quoted,
          {{"ticket", number}, {"fee", fee ? format_yuan(*fee) : std::string{}}});
}

// The fee question again ("没有第80单。如果80元是费用，请回复“是”…"), with `jobs` to pick from.
void say_fee_question(Turn& t, std::int64_t fee_cents, const JobRefs& jobs) {
    std::string list = job_list(t, jobs);
    t.say(TextId::tech_no_such_index_fee, {{"jobs", list},
                                           {"count", std::to_string(jobs.size())},
                                           {"index", std::to_string(fee_cents / 100)}});
}

void on_job_command(Turn& t, const JobCommand& c) {
    auto& s = t.session;
    const auto& tech = *t.ctx.technician;
    if (c.kind == JobCommandKind::duty) {
        // New jobs stop or start; the ones in hand stay theirs and are listed (a which-job
        // question under way is asked again instead, its list unchanged).
        s.misses = 0;
        if (tech.on_duty == c.on_duty) {
            t.say(c.on_duty ? TextId::tech_duty_already_on : TextId::tech_duty_already_off);
        } else {
            t.effects.emplace_back(SetDuty{c.on_duty});
            t.say(c.on_duty ? TextId::tech_duty_on : TextId::tech_duty_off);
        }
        if (s.flow == Flow::technician_pick) {
            prompt_pick(t);
        } else if (!jobs_of(t).empty()) {
            say_jobs(t, c.on_duty ? TextId::tech_jobs : TextId::tech_duty_jobs_left);
        }
        return;
    }
    clear_pick(s);
    s.misses = 0;
    if (c.kind == JobCommandKind::list) {
        t.effects.emplace_back(ListJobs{});
        if (jobs_of(t).empty()) {
            t.say(TextId::tech_no_jobs);
        } else {
            say_jobs(t, TextId::tech_jobs);
        }
        // A supervisor's own list holds the quotes waiting for them too.
        if (tech.supervisor && (!tech.quotes_to_review.empty() || tech.more_quotes_to_review))
            say_reviews(t, TextId::review_which);
        if (!tech.on_duty) t.say(TextId::tech_duty_off_reminder);
        return;
    }
    // What the message itself gets wrong is said before anything about jobs.
    if (c.action == JobAction::finish && c.bad_amount) {
        t.say(TextId::tech_fee_invalid);
        return;
    }
    if (c.action == JobAction::quote && (c.bad_amount || !c.cents)) {
        t.say(TextId::tech_quote_invalid);
        return;
    }
    if (c.action == JobAction::hand_over && c.text.empty()) {
        t.say(TextId::tech_handover_reason);
        return;
    }
    if (c.action == JobAction::approve_quote || c.action == JobAction::reject_quote) {
        on_review(t, c);
        return;
    }
    PendingJobCommand cmd{c.action, c.cents, c.text, std::nullopt};
    const auto& jobs = jobs_of(t);
    if (jobs.empty()) {
        t.say(TextId::tech_no_jobs);
        return;
    }
    if (c.ticket.empty() && c.index && !position_exists(t, *c.index)) {
        // No such line: the command waits for the right one ("完成 50" with one job), and a
        // bare number after 完成 may have been the fee.
        // The list offered is the command's own, not one an earlier question left behind.
        const bool maybe_fee = c.action == JobAction::finish && !c.cents;
        if (maybe_fee) cmd.fee_asked = *c.index * 100;  // a "是" takes it as the fee
        const JobRefs fit = jobs_fitting(t, cmd.action);
        wait_for_job(s, std::move(cmd));
        if (maybe_fee) {
            say_fee_question(t, *c.index * 100, fit);
            return;
        }
        std::string list = job_list(t, fit);
        t.say(TextId::tech_no_such_index, {{"jobs", list},
                                           {"count", std::to_string(fit.size())},
                                           {"index", std::to_string(*c.index)}});
        return;
    }
    if (!c.ticket.empty() || c.index) {
        if (const auto* job = resolve(t, c.ticket, c.index)) {
            run(t, cmd, *job);
        } else if (c.index || named_by(t, c.ticket).size() > 1) {
            // The reply listed the jobs to answer from ("1" of the jobs an end was shared by, of
            // the list as it is now): the command waits for the answer.
            wait_for_job(s, std::move(cmd));
        }
        return;
    }
    // Numbers left unread that may name a place or another job ("到达 7栋101", "完成 0009(换了
    // 阀门)"): the job is acted on only when each is its own (in its number or address).
    const auto its_own = [&](const TechnicianJob& j) {
        return std::all_of(c.places.begin(), c.places.end(), [&](const std::string& n) {
            return in_address(j.address, n) || names_job(j, n);
        });
    };
    const auto* only = only_meant(t, cmd.action);
    if (only && its_own(*only)) {
        run(t, cmd, *only);
        return;
    }
    ask_which(t, std::move(cmd));
}

// Yes to "was {fee} the fee?": 是 / 对 / 嗯 / 好的 / 可以 (是费用, 对的是费用), or the
// amount itself ("80", "80元", "费用80", "是80元"), and nothing else ("8.0", "元" alone); never a
// question ("是吗？").
bool fee_confirmed(const Said& said, std::int64_t fee_cents) {
    if (said.normalized.find('?') != std::string::npos) return false;
    static constexpr std::array<std::string_view, 12> kYes = {
        "是的", "对的", "嗯嗯", "好的", "可以", "yes", "ok", "是", "对", "嗯", "好", "y"};
    static constexpr std::array<std::string_view, 4> kAround = {"费用", "元", "块", "的"};
    std::string c = said.normalized;
    const bool yes = text::erase_all(c, kYes);
    text::erase_all(c, kAround);
    const std::string_view left = text::trim_punct(c);
    return (left.empty() && yes) || left == std::to_string(fee_cents / 100);
}

void on_pick(Turn& t, const Said& said) {
    auto& s = t.session;
    if (auto cmd = parse_command(said.compact); cmd && cmd->kind == CommandKind::cancel) {
        clear_pick(s);
        t.say(TextId::tech_pick_cancelled);
        return;
    }
    PendingJobCommand cmd = s.job_command.value_or(PendingJobCommand{});
    if (jobs_of(t).empty()) {  // every job finished or taken meanwhile: nothing left to pick
        clear_pick(s);
        t.say(TextId::tech_no_jobs);
        return;
    }
    if (cmd.fee_asked && fee_confirmed(said, *cmd.fee_asked)) {
        // "是": the number was the fee. The job is the one 完成 fits, else still asked, with the
        // fee kept.
        cmd.cents = cmd.fee_asked;
        cmd.fee_asked.reset();
        const JobRefs fit = jobs_fitting(t, cmd.action);
        if (fit.size() == 1) {
            clear_pick(s);
            run(t, cmd, *fit.front());
            return;
        }
        s.job_command = cmd;
        say_which(t, fit);
        return;
    }
    auto ref = parse_job_ref(said.normalized);
    if (!ref) {
        ++s.misses;
        if (cmd.fee_asked) {
            say_fee_question(t, *cmd.fee_asked, offered(t));
        } else {
            say_jobs(t, TextId::tech_pick_not_understood);
        }
        return;
    }
    if (cmd.fee_asked && ref->index && !position_exists(t, *ref->index)) {
        // Another number off the list while a fee is asked about ("50" after "完成 80"): that
        // one is asked about instead.
        cmd.fee_asked = *ref->index * 100;
        s.job_command = cmd;
        say_fee_question(t, *cmd.fee_asked, offered(t));
        return;
    }
    const auto* job = resolve(t, ref->ticket, ref->index);
    if (!job) return;  // still waiting: the reply said how to answer
    clear_pick(s);
    run(t, cmd, *job);
}

}  // namespace

bool bind_on_text(Turn& t, const Said& said) {
    if (!said.compact.starts_with("绑定")) return false;
    auto c = parse_job_command(said.raw);
    if (!c || c->kind != JobCommandKind::bind) return false;
    clear_pick(t.session);
    if (c->code.empty()) {
        t.say(TextId::bind_usage);
        return true;
    }
    t.effects.emplace_back(BindTechnician{c->code});
    t.say(TextId::bind_requested);
    return true;
}

bool technician_on_text(Turn& t, const Said& said) {
    if (!t.is_technician()) return false;
    auto c = parse_job_command(said.raw);
    // A technician's whole message "到了" / "我到了" is their arrival; only theirs (an owner's
    // "到了吗" asks about the technician) and only alone (not the start of a note).
    if (!c && t.session.flow != Flow::owner_report) {
        const auto plain = text::trim_punct(said.compact);
        for (std::string_view w : {"到了", "我到了", "已到", "我已到", "到了到了"})
            if (plain == w)
                c = JobCommand{.kind = JobCommandKind::job, .action = JobAction::arrive};
    }
    // A technician's own report under way (they can report as anyone can): a job command is the
    // job's only when it cannot be the report's words — it names a job (a ticket, a list number)
    // or a fee, or is a command word alone ("到达", "我的工单"), and is no bare 完成 ("完成",
    // "完成了": photos done). "到达电梯口时发现…" is a description; the draft waits for the rest.
    if (c && t.session.flow == Flow::owner_report) {
        if (c->kind == JobCommandKind::duty) return false;  // "今天休息": when to come, maybe
        const auto note = text::trim_punct(c->text);
        const bool alone = !c->words_after || note == "了" || note == "啦";
        // A list number or a ticket's end only alone ("到达 2", "完成 0007", as read off the
        // push): "到达电梯口时发现灯一直闪" has a 一 in it, "到达 0302 门口时…" is the report's.
        const bool named = looks_like_ticket_number(c->ticket) ||
                           ((c->index || !c->ticket.empty()) && alone) || c->cents || c->bad_amount;
        const bool bare_finish = c->kind == JobCommandKind::job && c->action == JobAction::finish;
        if (!named && (!alone || bare_finish)) return false;
    }
    if (c) {
        on_job_command(t, *c);
        return true;
    }
    if (t.session.flow == Flow::technician_pick) {
        on_pick(t, said);
        return true;
    }
    if (auto cmd = parse_command(said.compact);
        cmd && cmd->kind == CommandKind::help && t.session.flow == Flow::idle) {
        t.say(TextId::tech_help);
        return true;
    }
    return false;
}

bool technician_on_image(Turn& t, const ImageMessage& image) {
    const auto& jobs = jobs_of(t);
    if (!t.is_technician() || jobs.empty() || t.session.flow == Flow::owner_report) return false;
    // The job on site: the one arrived at; of several, the one last named (到达 <number>); with
    // none arrived, the one last named or the only one.
    const TechnicianJob* at = nullptr;
    const TechnicianJob* named = nullptr;
    std::size_t arrived = 0;
    for (const auto& j : jobs) {
        if (j.ticket_number == t.session.current_job) named = &j;
        if (j.status != JobStatus::arrived) continue;
        ++arrived;
        at = &j;
    }
    if (arrived > 1) at = named && named->status == JobStatus::arrived ? named : nullptr;
    if (arrived == 0) at = named ? named : jobs.size() == 1 ? &jobs.front() : nullptr;
    // A "到达 which job?" under way (perhaps "到达 12栋302" with another job on site): which job
    // the technician is at is the open question, so the photo is not kept on either.
    if (t.session.flow == Flow::technician_pick && t.session.job_command &&
        t.session.job_command->action == JobAction::arrive && jobs.size() > 1)
        at = nullptr;
    if (!at) {
        if (t.session.flow == Flow::technician_pick) {
            // The question that waits lists the jobs below: one list in one reply.
            t.say(TextId::tech_photo_which_asked);
        } else {
            std::string list = job_list(t, all_jobs(t));
            t.say(TextId::tech_photo_which,
                  {{"jobs", list}, {"count", std::to_string(jobs.size())}});
        }
    } else {
        t.effects.emplace_back(AttachJobPhoto{at->ticket_number, Photo{image.media_id, image.pic_url}});
        t.say(TextId::tech_photo_attached, {{"ticket", at->ticket_number}});
    }
    if (t.session.flow == Flow::technician_pick) prompt_pick(t);  // the question still waits
    return true;
}

bool technician_unrecognised(Turn& t, const Said& said) {
    if (!t.ctx.technician_unknown || t.is_technician()) return false;
    auto c = parse_job_command(said.raw);
    // A whole-message 下班 is far likelier a technician's than an owner's: it is not lost.
    const bool for_technician = t.session.flow == Flow::technician_pick ||
                                (c && c->kind != JobCommandKind::bind &&
                                 (t.session.flow != Flow::owner_report || !c->ticket.empty()));
    if (!for_technician) return false;
    t.say(TextId::tech_unrecognised);
    return true;
}

bool unbound_job_command(Turn& t, const Said& said) {
    auto c = parse_job_command(said.raw);
    if (!c || c->kind == JobCommandKind::bind || c->kind == JobCommandKind::duty) return false;
    // An owner's own ticket number first ("BX…-0007 完成了吗") is a question about their repair.
    if (!c->ticket.empty() && text::trim_punct(said.normalized).starts_with(c->ticket)) return false;
    if (c->kind == JobCommandKind::list) {
        // An owner's 我的工单 means their own tickets.
        t.answer_progress();
        return true;
    }
    t.say(TextId::tech_not_bound);
    return true;
}

void prompt_pick(Turn& t) {
    const auto& pending = t.session.job_command;
    if (pending && pending->fee_asked) {
        say_fee_question(t, *pending->fee_asked, offered(t));
    } else {
        say_which(t, offered(t));
    }
}

}  // namespace repairbot::dialog
