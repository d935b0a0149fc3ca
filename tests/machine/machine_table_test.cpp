// The candidate state machine (docs/reference.md#candidate-states) written down as a table:
// each row is a starting record, one event, and what the transition must be (next state,
// commands, timers set and cleared, ignored). Every row is also checked against the
// invariants every transition keeps (history seq, last `to`, updated_at, timers bookkeeping).
#define BOOST_TEST_MODULE vouch machine
#include <boost/test/unit_test.hpp>

#include "core/candidate_machine.hpp"

#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace vouch::core {
// How the table's values print when a row fails.
std::ostream& operator<<(std::ostream& os, cand_state s) {
  return os << to_string(s);
}
std::ostream& operator<<(std::ostream& os, command_kind k) {
  return os << to_string(k);
}
std::ostream& operator<<(std::ostream& os, timer_kind k) {
  return os << to_string(k);
}
}  // namespace vouch::core

using namespace vouch::core;
using st = cand_state;
using ck = command_kind;
using tk = timer_kind;

namespace {

constexpr int64_t now = 1764000000000;  // the time of every event in the table
constexpr int64_t before = now - 86400000;
constexpr uint32_t gen = 3;  // the generation of every starting record
constexpr int64_t reminder_due = now - 5;
constexpr int64_t expiry_due = now + 19LL * 86400000;
constexpr int64_t followup_due = now - 7;

const timer_entry reminder_timer{tk::reminder, reminder_due};
const timer_entry expiry_timer{tk::expiry, expiry_due};
const timer_entry followup_timer{tk::followup, followup_due};

const std::vector<st> all_states = {st::idle,
                                    st::resolving,
                                    st::requesting,
                                    st::awaiting_references,
                                    st::report_ready,
                                    st::awaiting_hire_decision,
                                    st::awaiting_owner_response,
                                    st::hired,
                                    st::not_hired,
                                    st::expired,
                                    st::needs_attention};

template_ref tpl(std::string id, std::string tag, int64_t priority, bool is_default, uint64_t seq) {
  template_ref t;
  t.id = std::move(id);
  t.ats_tag = std::move(tag);
  t.priority = priority;
  t.is_default = is_default;
  t.created_seq = seq;
  return t;
}

machine_context standard_context() {
  machine_context ctx;
  ctx.trigger_stage_ids = {"stage-refcheck", "stage-refcheck-2"};
  ctx.templates = {tpl("t-eng", "engineering", 1, false, 2), tpl("t-default", "", 0, true, 1)};
  ctx.reminder_after_ms = 2LL * 86400000;
  ctx.expiry_after_ms = 21LL * 86400000;
  ctx.followup_after_ms = 14LL * 86400000;
  return ctx;
}

int64_t after_ms(const machine_context& ctx, tk k) {
  switch (k) {
    case tk::reminder:
      return ctx.reminder_after_ms;
    case tk::expiry:
      return ctx.expiry_after_ms;
    case tk::followup:
      return ctx.followup_after_ms;
  }
  return 0;
}

// -- starting records ----------------------------------------------------------------------

struct rec_builder {
  candidate_record c;
  rec_builder& req(std::string id) {
    c.request_id = std::move(id);
    return *this;
  }
  rec_builder& hired(int64_t at = before) {
    c.hired = true;
    c.hired_at = at;
    return *this;
  }
  rec_builder& timer(timer_entry t) {
    c.timers.push_back(t);
    return *this;
  }
  rec_builder& dead(uint64_t id) {
    c.dead_commands.push_back(id);
    return *this;
  }
  rec_builder& reason(std::string r) {
    c.reason = std::move(r);
    return *this;
  }
  rec_builder& resume(st s) {
    c.resume_state = s;
    return *this;
  }
  rec_builder& owner_email(std::string e) {
    c.owner.email = std::move(e);
    return *this;
  }
  rec_builder& sat_in(std::string stage) {
    c.last_stage = std::move(stage);
    return *this;
  }
  rec_builder& report(std::string url) {
    c.report_url = std::move(url);
    return *this;
  }
  operator candidate_record() const { return c; }  // NOLINT: builder converts implicitly
};

rec_builder in(st s) {
  rec_builder b;
  auto& c = b.c;
  c.org = "acme";
  c.opp = "opp-1";
  c.state = s;
  c.created_at = before - 1000;
  c.updated_at = before;
  c.last_stage_at = before;
  c.next_seq = 7;
  c.generation = gen;
  c.owner = {"u-1", "Olive Owner", "olive@example.com"};
  c.name = "Ada";
  c.email = "ada@example.com";
  c.template_id = "t-eng";
  if (s == st::needs_attention) c.reason = "dead_letter: something failed";
  return b;
}

// -- events --------------------------------------------------------------------------------

template <class Body>
machine_event event(Body b) {
  return machine_event(now, std::move(b));
}
machine_event stage(std::string to, int64_t triggered_at = now - 1,
                    lever_origin origin = lever_origin::webhook) {
  events::stage_change c;
  c.from_stage = "stage-applicant";
  c.to_stage = std::move(to);
  c.triggered_at = triggered_at;
  c.origin = origin;
  return event(c);
}
machine_event hired_webhook(lever_origin origin = lever_origin::webhook) {
  return event(events::hired_webhook{origin});
}
machine_event report(std::string request_id) {
  std::string url = "https://platform.example/reports/" + request_id;
  return event(events::report_completed{std::move(request_id), std::move(url)});
}
machine_event hire_status(bool hired) {
  return event(events::hire_status_changed{hired});
}
machine_event owner(bool hired) {
  return event(events::owner_answer{hired});
}
events::command_done done_body(ck k, uint64_t id = 40, uint32_t g = gen) {
  events::command_done d;
  d.command = k;
  d.command_id = id;
  d.generation = g;
  return d;
}
machine_event done(ck k, uint64_t id = 40, uint32_t g = gen) {
  return event(done_body(k, id, g));
}
machine_event resolved(std::vector<std::string> tags, std::string email = "ada@example.com",
                       uint64_t id = 40) {
  auto d = done_body(ck::lever_resolve, id);
  d.resolved.name = "Ada Lovelace";
  d.resolved.email = std::move(email);
  d.resolved.phone = "+15550100";
  d.resolved.posting_id = "post-1";
  d.resolved.posting_title = "Engineer";
  d.resolved.tags = std::move(tags);
  d.resolved.owner = {"u-2", "Oscar Owner", "oscar@example.com"};
  return event(d);
}
machine_event created(std::string request_id) {
  auto d = done_body(ck::platform_create_request);
  d.created_request_id = std::move(request_id);
  return event(d);
}
machine_event followup_checked(bool archived_as_hired) {
  auto d = done_body(ck::lever_followup_check);
  d.archived_as_hired = archived_as_hired;
  return event(d);
}
machine_event dead(ck k, long status, bool permanent, uint64_t id = 41, uint32_t g = gen) {
  events::command_dead d;
  d.command = k;
  d.command_id = id;
  d.generation = g;
  d.http_status = status;
  d.permanent = permanent;
  d.error = "HTTP " + std::to_string(status);
  return event(d);
}
machine_event timer(timer_entry t) {
  return event(events::timer_fired{t});
}
machine_event admin_resend() {
  return event(events::admin_resend{});
}
machine_event admin_retry(uint64_t command_id = 0) {
  return event(events::admin_retry{command_id});
}

// -- rows ------------------------------------------------------------------------------------

using extra_check = std::function<void(const candidate_record& cur, const transition& t)>;

struct row {
  std::string name;
  candidate_record start;
  machine_event ev;
  st next = st::idle;
  std::vector<ck> cmds;
  std::vector<tk> set, cleared;
  bool ignored = false;
  bool requeue = false;
  std::size_t entries = 1;    ///< history entries appended
  std::string status_source;  ///< arg of any platform.hiring_status command
  bool status_hired = true;   ///< flag of any platform.hiring_status command
  std::function<void(machine_context&)> ctx_change;
  extra_check also;

  row(std::string n, candidate_record s, machine_event e)
      : name(std::move(n)), start(std::move(s)), ev(std::move(e)), next(start.state) {}
  row& to(st s) {
    next = s;
    return *this;
  }
  row& commands(std::vector<ck> c) {
    cmds = std::move(c);
    return *this;
  }
  row& sets(std::vector<tk> t) {
    set = std::move(t);
    return *this;
  }
  row& clears(std::vector<tk> t) {
    cleared = std::move(t);
    return *this;
  }
  row& ignores() {
    ignored = true;
    return *this;
  }
  row& requeues() {
    requeue = true;
    return *this;
  }
  row& history(std::size_t n) {
    entries = n;
    return *this;
  }
  row& tells_platform(std::string source, bool hired) {
    status_source = std::move(source);
    status_hired = hired;
    return *this;
  }
  row& context(std::function<void(machine_context&)> f) {
    ctx_change = std::move(f);
    return *this;
  }
  row& check(extra_check f) {
    also = std::move(f);
    return *this;
  }
};

std::vector<tk> sorted(std::vector<tk> v) {
  std::sort(v.begin(), v.end());
  return v;
}
std::vector<tk> kinds(const std::vector<timer_entry>& ts) {
  std::vector<tk> out;
  for (const auto& t : ts) out.push_back(t.kind);
  return sorted(out);
}
std::vector<ck> kinds(const std::vector<command_spec>& cs) {
  std::vector<ck> out;
  for (const auto& c : cs) out.push_back(c.kind);
  return out;
}
bool timer_less(const timer_entry& a, const timer_entry& b) {
  return a.kind != b.kind ? a.kind < b.kind : a.due < b.due;
}

/// What every transition keeps, whatever the rule.
void check_invariants(const candidate_record& cur, const machine_event& ev,
                      const machine_context& ctx, const transition& t) {
  const auto& next = t.next;
  BOOST_TEST(next.org == cur.org);
  BOOST_TEST(next.opp == cur.opp);
  BOOST_TEST(next.next_seq == cur.next_seq + t.history.size());
  for (std::size_t i = 0; i < t.history.size(); ++i) {
    const auto& h = t.history[i];
    BOOST_TEST(h.seq == cur.next_seq + i);
    BOOST_TEST(h.at == ev.now);
    BOOST_TEST(!h.event.empty());
    BOOST_TEST(h.from == (i == 0 ? std::string(to_string(cur.state)) : t.history[i - 1].to));
  }
  if (!t.history.empty()) {
    BOOST_TEST(t.history.back().to == to_string(next.state));
    BOOST_TEST(next.updated_at == ev.now);
  } else {
    BOOST_TEST(next.updated_at == cur.updated_at);
    BOOST_TEST(next.state == cur.state);
  }
  // A reason exactly while the candidate needs attention.
  BOOST_TEST(next.reason.empty() == (next.state != st::needs_attention));
  if (t.ignored) {
    BOOST_TEST(next.state == cur.state);
    BOOST_TEST(t.commands.empty());
    BOOST_TEST(t.timers_set.empty());
  }
  // Timers: the record's pending timers are the old ones, minus cleared, plus set.
  auto expected = cur.timers;
  for (const auto& c : t.timers_cleared) {
    auto it = std::find(expected.begin(), expected.end(), c);
    BOOST_TEST((it != expected.end()), "cleared timer " << to_string(c.kind) << " was pending");
    if (it != expected.end()) expected.erase(it);
  }
  for (const auto& s : t.timers_set) {
    BOOST_TEST(s.due == ev.now + after_ms(ctx, s.kind));
    expected.push_back(s);
  }
  auto actual = next.timers;
  std::sort(expected.begin(), expected.end(), timer_less);
  std::sort(actual.begin(), actual.end(), timer_less);
  BOOST_TEST((actual == expected));
}

void check_rows(const std::vector<row>& rows) {
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("row: " << r.name) {
      auto ctx = standard_context();
      if (r.ctx_change) r.ctx_change(ctx);
      const auto t = apply(r.start, r.ev, ctx);
      BOOST_TEST(to_string(t.next.state) == to_string(r.next));
      BOOST_TEST(kinds(t.commands) == r.cmds, boost::test_tools::per_element());
      BOOST_TEST(kinds(t.timers_set) == sorted(r.set), boost::test_tools::per_element());
      BOOST_TEST(kinds(t.timers_cleared) == sorted(r.cleared), boost::test_tools::per_element());
      BOOST_TEST(t.ignored == r.ignored);
      BOOST_TEST(!t.requeue.empty() == r.requeue);
      BOOST_TEST(t.history.size() == r.entries);
      for (const auto& c : t.commands) {
        if (c.kind != ck::platform_hiring_status) continue;
        BOOST_TEST(c.arg == r.status_source);
        BOOST_TEST(c.flag == r.status_hired);
      }
      check_invariants(r.start, r.ev, ctx, t);
      if (r.also) r.also(r.start, t);
    }
  }
}

// -- reusable extra checks ----------------------------------------------------------------

extra_check starts_fresh_request() {
  return [](const candidate_record& cur, const transition& t) {
    BOOST_TEST(t.next.generation == cur.generation + 1);
    BOOST_TEST(t.next.request_id.empty());
    BOOST_TEST(t.next.report_url.empty());
    BOOST_TEST(t.next.timers.empty());
    BOOST_TEST(t.next.dead_commands.empty());
  };
}
extra_check hired_now() {
  return [](const candidate_record& cur, const transition& t) {
    BOOST_TEST(t.next.hired);
    BOOST_TEST(t.next.hired_at == (cur.hired ? cur.hired_at : now));
  };
}
extra_check same_record_but_history() {
  return [](const candidate_record& cur, const transition& t) {
    BOOST_TEST(to_string(t.next.state) == to_string(cur.state));
    BOOST_TEST(t.next.request_id == cur.request_id);
    BOOST_TEST(t.next.hired == cur.hired);
    BOOST_TEST(t.next.hired_at == cur.hired_at);
    BOOST_TEST(t.next.generation == cur.generation);
    BOOST_TEST(t.next.last_stage_at == cur.last_stage_at);
    BOOST_TEST(t.next.reason == cur.reason);
    BOOST_TEST((t.next.timers == cur.timers));
  };
}
extra_check reason_starts_with(std::string prefix) {
  return [prefix](const candidate_record&, const transition& t) {
    BOOST_TEST(t.next.reason.rfind(prefix, 0) == 0u, "reason: " << t.next.reason);
    BOOST_TEST(t.history.back().detail == t.next.reason);
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(candidate_machine_table)

BOOST_AUTO_TEST_CASE(a_stage_change_starts_a_request_only_from_idle_expired_or_needs_attention) {
  std::vector<row> rows = {
      row("idle enters the trigger stage", in(st::idle), stage("stage-refcheck"))
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .check([](const candidate_record& cur, const transition& t) {
            starts_fresh_request()(cur, t);
            BOOST_TEST(t.next.last_stage_at == now - 1);
          }),
      row("idle enters the second trigger stage", in(st::idle), stage("stage-refcheck-2"))
          .to(st::resolving)
          .commands({ck::lever_resolve}),
      row("expired enters the trigger stage", in(st::expired).req("req-old"),
          stage("stage-refcheck"))
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .check(starts_fresh_request()),
      row("needs_attention enters the trigger stage",
          in(st::needs_attention).dead(41).timer(expiry_timer), stage("stage-refcheck"))
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .clears({tk::expiry})
          .check(starts_fresh_request()),
      row("idle moves to a stage that is not a trigger", in(st::idle), stage("stage-phone"))
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.last_stage_at == now - 1);
            BOOST_TEST(t.next.generation == gen);
          }),
      row("awaiting_references moves to a stage that is not a trigger",
          in(st::awaiting_references).req("req-9").timer(reminder_timer).timer(expiry_timer),
          stage("stage-onsite")),
      row("a stage change older than the newest applied changes nothing", in(st::idle),
          stage("stage-refcheck", before - 1))
          .check(same_record_but_history()),
      row("a stale stage change in needs_attention changes nothing", in(st::needs_attention),
          stage("stage-refcheck", before - 1))
          .check(same_record_but_history()),
      row("a stage change as old as the newest applied still applies", in(st::idle),
          stage("stage-refcheck", before))
          .to(st::resolving)
          .commands({ck::lever_resolve}),
  };
  for (auto s :
       {st::resolving, st::requesting, st::awaiting_references, st::report_ready,
        st::awaiting_hire_decision, st::awaiting_owner_response, st::hired, st::not_hired}) {
    rows.push_back(row(std::string(to_string(s)) + " re-enters the trigger stage",
                       in(s).req("req-9").timer(expiry_timer), stage("stage-refcheck"))
                       .check([](const candidate_record& cur, const transition& t) {
                         BOOST_TEST(t.history[0].from == t.history[0].to);
                         BOOST_TEST(t.next.generation == cur.generation);
                         BOOST_TEST(t.next.request_id == cur.request_id);
                       }));
  }
  check_rows(rows);
}

BOOST_AUTO_TEST_CASE(the_request_flow_runs_from_resolve_to_a_live_request) {
  check_rows({
      row("lever.resolve done with a matching tag chooses the template", in(st::resolving),
          resolved({"Engineering", "Remote"}))
          .to(st::requesting)
          .commands({ck::platform_create_request})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.template_id == "t-eng");
            BOOST_TEST(t.next.name == "Ada Lovelace");
            BOOST_TEST(t.next.email == "ada@example.com");
            BOOST_TEST(t.next.phone == "+15550100");
            BOOST_TEST(t.next.posting_id == "post-1");
            BOOST_TEST(t.next.posting_title == "Engineer");
            BOOST_TEST(t.next.owner.email == "oscar@example.com");
            BOOST_TEST((t.next.posting_tags == std::vector<std::string>{"Engineering", "Remote"}));
          }),
      row("lever.resolve done without a matching tag falls back to the default", in(st::resolving),
          resolved({"sales"}))
          .to(st::requesting)
          .commands({ck::platform_create_request})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.template_id == "t-default");
          }),
      row("lever.resolve done with no match and no default needs attention", in(st::resolving),
          resolved({"sales"}))
          .context([](machine_context& c) { c.templates.pop_back(); })
          .to(st::needs_attention)
          .check(reason_starts_with("no_template: ")),
      row("lever.resolve done without a candidate email needs attention", in(st::resolving),
          resolved({"engineering"}, ""))
          .to(st::needs_attention)
          .check(reason_starts_with("no_candidate_email: ")),
      row("platform.create_request done makes the request live with its timers", in(st::requesting),
          created("req-9"))
          .to(st::awaiting_references)
          .sets({tk::reminder, tk::expiry})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.request_id == "req-9");
          }),
      row("report.completed for the live request gets the report to Lever",
          in(st::awaiting_references).req("req-9").timer(reminder_timer).timer(expiry_timer),
          report("req-9"))
          .to(st::report_ready)
          .commands({ck::lever_note})
          .clears({tk::reminder, tk::expiry})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.report_url == "https://platform.example/reports/req-9");
            BOOST_TEST(t.next.timers.empty());
          }),
      row("report.completed after the reminder fired clears the expiry",
          in(st::awaiting_references).req("req-9").timer(expiry_timer), report("req-9"))
          .to(st::report_ready)
          .commands({ck::lever_note})
          .clears({tk::expiry}),
      row("report.completed for another request is ignored",
          in(st::awaiting_references).req("req-9").timer(expiry_timer), report("req-8"))
          .ignores()
          .check(same_record_but_history()),
      row("report.completed while awaiting the hire decision is ignored",
          in(st::awaiting_hire_decision).req("req-9").timer(followup_timer), report("req-9"))
          .ignores()
          .check(same_record_but_history()),
      row("report.completed for an idle candidate is ignored", in(st::idle), report("req-9"))
          .ignores()
          .check(same_record_but_history()),
      // While requesting, a report is held, not ignored: see
      // a_report_that_comes_while_its_request_is_being_created_is_held_not_lost.
      row("lever.note done adds the links", in(st::report_ready).req("req-9"), done(ck::lever_note))
          .commands({ck::lever_add_links}),
      row("lever.add_links done waits for the hire decision", in(st::report_ready).req("req-9"),
          done(ck::lever_add_links))
          .to(st::awaiting_hire_decision)
          .sets({tk::followup}),
      row("lever.add_links done when already hired ends in hired",
          in(st::report_ready).req("req-9").hired(), done(ck::lever_add_links))
          .to(st::hired)
          .check(hired_now()),
  });
}

BOOST_AUTO_TEST_CASE(a_hired_webhook_marks_the_candidate_hired_in_every_state) {
  check_rows({
      row("resolving keeps its flow, hired", in(st::resolving), hired_webhook()).check(hired_now()),
      row("requesting keeps its flow, hired", in(st::requesting), hired_webhook())
          .check(hired_now()),
      row("awaiting_references keeps its flow and tells the platform",
          in(st::awaiting_references).req("req-9").timer(expiry_timer), hired_webhook())
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("report_ready keeps its flow and tells the platform", in(st::report_ready).req("req-9"),
          hired_webhook())
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("idle goes straight to hired without a platform call", in(st::idle), hired_webhook())
          .to(st::hired)
          .check(hired_now()),
      row("expired goes to hired", in(st::expired).req("req-9"), hired_webhook())
          .to(st::hired)
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("needs_attention goes to hired", in(st::needs_attention).req("req-9"), hired_webhook())
          .to(st::hired)
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("needs_attention without a request goes to hired silently", in(st::needs_attention),
          hired_webhook())
          .to(st::hired)
          .check(hired_now()),
      row("not_hired goes to hired", in(st::not_hired).req("req-9"), hired_webhook())
          .to(st::hired)
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("awaiting_hire_decision goes to hired and cancels the follow-up",
          in(st::awaiting_hire_decision).req("req-9").timer(followup_timer), hired_webhook())
          .to(st::hired)
          .commands({ck::platform_hiring_status})
          .clears({tk::followup})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("awaiting_owner_response goes to hired", in(st::awaiting_owner_response).req("req-9"),
          hired_webhook())
          .to(st::hired)
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("already hired: the echo of the engine's own archive changes nothing",
          in(st::hired).req("req-9").hired(), hired_webhook())
          .check([](const candidate_record& cur, const transition& t) {
            same_record_but_history()(cur, t);
            BOOST_TEST(t.history[0].from == t.history[0].to);
          }),
  });
}

BOOST_AUTO_TEST_CASE(hire_decisions_from_the_platform_and_the_owner_follow_the_table) {
  check_rows({
      row("platform hired=true while awaiting the decision archives in Lever",
          in(st::awaiting_hire_decision).req("req-9").timer(followup_timer), hire_status(true))
          .to(st::hired)
          .commands({ck::lever_archive_hired})
          .clears({tk::followup})
          .check([](const candidate_record& cur, const transition& t) {
            hired_now()(cur, t);
            BOOST_TEST(t.commands[0].arg == "platform");
          }),
      row("platform hired=true while awaiting the owner archives in Lever",
          in(st::awaiting_owner_response).req("req-9"), hire_status(true))
          .to(st::hired)
          .commands({ck::lever_archive_hired})
          .check(hired_now()),
      row("platform hired=true during the request flow keeps the flow, hired",
          in(st::awaiting_references).req("req-9").timer(expiry_timer), hire_status(true))
          .commands({ck::lever_archive_hired})
          .check(hired_now()),
      row("platform hired=true when already hired changes nothing",
          in(st::hired).req("req-9").hired(), hire_status(true))
          .check(same_record_but_history()),
      row("platform hired=false while awaiting the decision: not hired with a note",
          in(st::awaiting_hire_decision).req("req-9").timer(followup_timer), hire_status(false))
          .to(st::not_hired)
          .commands({ck::lever_outcome_note})
          .clears({tk::followup}),
      row("platform hired=false while awaiting the owner: not hired with a note",
          in(st::awaiting_owner_response).req("req-9"), hire_status(false))
          .to(st::not_hired)
          .commands({ck::lever_outcome_note}),
      row("platform hired=false during the request flow is ignored",
          in(st::awaiting_references).req("req-9"), hire_status(false))
          .ignores()
          .check(same_record_but_history()),
      row("owner answers hired: archive, tell the platform, hired",
          in(st::awaiting_owner_response).req("req-9"), owner(true))
          .to(st::hired)
          .commands({ck::lever_archive_hired, ck::platform_hiring_status})
          .tells_platform("owner_email", true)
          .check(hired_now()),
      row("owner answers not hired: note, tell the platform, not_hired",
          in(st::awaiting_owner_response).req("req-9"), owner(false))
          .to(st::not_hired)
          .commands({ck::lever_outcome_note, ck::platform_hiring_status})
          .tells_platform("owner_email", false)
          .check([](const candidate_record&, const transition& t) { BOOST_TEST(!t.next.hired); }),
      row("owner answers hired before the follow-up fired",
          in(st::awaiting_hire_decision).req("req-9").timer(followup_timer), owner(true))
          .to(st::hired)
          .commands({ck::lever_archive_hired, ck::platform_hiring_status})
          .clears({tk::followup})
          .tells_platform("owner_email", true),
      row("owner answers after Lever already said hired: ignored",
          in(st::hired).req("req-9").hired(), owner(false))
          .ignores()
          .check(same_record_but_history()),
      row("owner answers for an idle candidate: ignored", in(st::idle), owner(true)).ignores(),
  });
}

BOOST_AUTO_TEST_CASE(the_follow_up_timer_checks_lever_then_emails_the_owner) {
  check_rows({
      row("follow-up timer fires while awaiting the decision",
          in(st::awaiting_hire_decision).req("req-9").timer(followup_timer), timer(followup_timer))
          .commands({ck::lever_followup_check})
          .clears({tk::followup})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.history[0].event == "timer:followup");
          }),
      row("Lever shows archived as hired: hired without email",
          in(st::awaiting_hire_decision).req("req-9"), followup_checked(true))
          .to(st::hired)
          .commands({ck::platform_hiring_status})
          .tells_platform("lever_webhook", true)
          .check(hired_now()),
      row("no hire in Lever and no owner email: needs attention",
          in(st::awaiting_hire_decision).req("req-9").owner_email(""), followup_checked(false))
          .to(st::needs_attention)
          .check(reason_starts_with("no_owner_email: ")),
      row("no hire in Lever: email the owner", in(st::awaiting_hire_decision).req("req-9"),
          followup_checked(false))
          .commands({ck::mail_followup}),
      row("the follow-up email went out: awaiting the owner",
          in(st::awaiting_hire_decision).req("req-9"), done(ck::mail_followup))
          .to(st::awaiting_owner_response),
  });
}

BOOST_AUTO_TEST_CASE(reminder_and_expiry_timers_act_only_while_references_are_awaited) {
  check_rows({
      row("reminder timer: ask the platform to remind",
          in(st::awaiting_references).req("req-9").timer(reminder_timer).timer(expiry_timer),
          timer(reminder_timer))
          .commands({ck::platform_remind})
          .clears({tk::reminder}),
      row("expiry timer: expire the request",
          in(st::awaiting_references).req("req-9").timer(reminder_timer).timer(expiry_timer),
          timer(expiry_timer))
          .to(st::expired)
          .commands({ck::platform_expire})
          .clears({tk::expiry, tk::reminder})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.timers.empty());
            BOOST_TEST(t.next.request_id == "req-9");
          }),
      row("a cancelled timer is ignored without history",
          in(st::awaiting_references).req("req-9").timer(expiry_timer), timer(reminder_timer))
          .ignores()
          .history(0),
      row("a timer with another due time than the pending one is ignored",
          in(st::awaiting_references).req("req-9").timer(expiry_timer),
          timer({tk::expiry, expiry_due - 1}))
          .ignores()
          .history(0),
      row("a pending reminder that no longer applies is dropped with a note",
          in(st::needs_attention).req("req-9").timer(reminder_timer), timer(reminder_timer))
          .clears({tk::reminder}),
      row("a follow-up due after the owner was emailed is dropped with a note",
          in(st::awaiting_owner_response).req("req-9").timer(followup_timer), timer(followup_timer))
          .clears({tk::followup}),
  });
}

BOOST_AUTO_TEST_CASE(a_dead_command_needs_attention_and_its_later_success_resumes_the_flow) {
  check_rows({
      row("a dead-lettered lever.resolve: dead_letter", in(st::resolving),
          dead(ck::lever_resolve, 500, false))
          .to(st::needs_attention)
          .check([](const candidate_record& cur, const transition& t) {
            reason_starts_with("dead_letter: ")(cur, t);
            BOOST_TEST(to_string(t.next.resume_state) == "resolving");
            BOOST_TEST((t.next.dead_commands == std::vector<uint64_t>{41}));
          }),
      row("Lever 403: confidential_access", in(st::resolving), dead(ck::lever_resolve, 403, true))
          .to(st::needs_attention)
          .check(reason_starts_with("confidential_access: ")),
      row("a permanent Lever 4xx: lever_error", in(st::report_ready).req("req-9"),
          dead(ck::lever_note, 404, true))
          .to(st::needs_attention)
          .check([](const candidate_record& cur, const transition& t) {
            reason_starts_with("lever_error: ")(cur, t);
            BOOST_TEST(to_string(t.next.resume_state) == "report_ready");
          }),
      row("a permanent platform 4xx is a dead letter", in(st::requesting),
          dead(ck::platform_create_request, 400, true))
          .to(st::needs_attention)
          .check(reason_starts_with("dead_letter: ")),
      row("a platform 403 is a dead letter, not confidential",
          in(st::awaiting_references).req("req-9"), dead(ck::platform_remind, 403, true))
          .to(st::needs_attention)
          .check(reason_starts_with("dead_letter: ")),
      row("a dead follow-up email is a dead letter", in(st::awaiting_hire_decision).req("req-9"),
          dead(ck::mail_followup, 0, false))
          .to(st::needs_attention)
          .check(reason_starts_with("dead_letter: ")),
      row("a second dead command keeps the first resume state",
          in(st::needs_attention).resume(st::report_ready).dead(41),
          dead(ck::lever_add_links, 500, false, 42))
          .to(st::needs_attention)
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(to_string(t.next.resume_state) == "report_ready");
            BOOST_TEST((t.next.dead_commands == std::vector<uint64_t>{41, 42}));
          }),
      row("a retried lever.resolve succeeds: back to resolving and on to requesting",
          in(st::needs_attention).resume(st::resolving).dead(41),
          resolved({"engineering"}, "ada@example.com", 41))
          .to(st::requesting)
          .commands({ck::platform_create_request})
          .history(2)
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.history[0].to == "resolving");
            BOOST_TEST(t.next.dead_commands.empty());
          }),
      row("a retried platform.remind succeeds: back to awaiting_references",
          in(st::needs_attention).resume(st::awaiting_references).req("req-9").dead(41),
          done(ck::platform_remind, 41))
          .to(st::awaiting_references)
          .history(2),
      row("a retried lever.note succeeds: back to report_ready and on to the links",
          in(st::needs_attention).resume(st::report_ready).req("req-9").dead(41),
          done(ck::lever_note, 41))
          .to(st::report_ready)
          .commands({ck::lever_add_links})
          .history(2),
      row("another command's success does not leave needs_attention",
          in(st::needs_attention).resume(st::resolving).dead(41),
          resolved({"engineering"}, "ada@example.com", 99))
          .to(st::needs_attention),
  });
}

BOOST_AUTO_TEST_CASE(command_results_of_an_older_generation_change_nothing) {
  auto old_done = [](machine_event e) {
    std::get<events::command_done>(e.body).generation = gen - 1;
    return e;
  };
  check_rows({
      row("an old lever.resolve result", in(st::resolving), old_done(resolved({"engineering"})))
          .check(same_record_but_history()),
      row("an old create_request result", in(st::requesting), old_done(created("req-old")))
          .check(same_record_but_history()),
      row("an old lever.add_links result", in(st::report_ready).req("req-9"),
          old_done(done(ck::lever_add_links)))
          .check(same_record_but_history()),
      row("an old follow-up check result", in(st::awaiting_hire_decision).req("req-9"),
          old_done(followup_checked(true)))
          .check(same_record_but_history()),
      row("an old dead letter", in(st::awaiting_references).req("req-9").timer(expiry_timer),
          dead(ck::platform_remind, 500, false, 41, gen - 1))
          .check(same_record_but_history()),
      row("an old success of a dead command does not resume",
          in(st::needs_attention).resume(st::resolving).dead(41),
          done(ck::lever_resolve, 41, gen - 1))
          .check(same_record_but_history()),
  });
}

BOOST_AUTO_TEST_CASE(admin_resend_starts_a_fresh_request_from_any_state) {
  std::vector<row> rows;
  for (auto s : all_states) {
    auto start = in(s).req("req-9").timer(reminder_timer).timer(expiry_timer).dead(41);
    rows.push_back(row(std::string("resend from ") + to_string(s), start, admin_resend())
                       .to(st::resolving)
                       .commands({ck::lever_resolve})
                       .clears({tk::reminder, tk::expiry})
                       .check(starts_fresh_request()));
  }
  check_rows(rows);
}

BOOST_AUTO_TEST_CASE(admin_retry_requeues_dead_commands_or_restarts_from_needs_attention) {
  check_rows({
      row("needs_attention with a dead command: requeue it",
          in(st::needs_attention).resume(st::resolving).dead(41), admin_retry())
          .requeues()
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST((t.next.dead_commands == std::vector<uint64_t>{41}));
          }),
      row("dead commands outside needs_attention are requeued too",
          in(st::awaiting_references).req("req-9").dead(41), admin_retry())
          .requeues(),
      row("needs_attention without dead commands: start a request again",
          in(st::needs_attention).req("req-9").timer(expiry_timer), admin_retry())
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .clears({tk::expiry})
          .check(starts_fresh_request()),
      row("awaiting_references without dead commands: nothing to retry",
          in(st::awaiting_references).req("req-9"), admin_retry())
          .ignores(),
      row("idle: nothing to retry", in(st::idle), admin_retry()).ignores(),
      row("hired: nothing to retry", in(st::hired).hired(), admin_retry()).ignores(),
  });
}

BOOST_AUTO_TEST_CASE(template_choice_prefers_priority_then_age_on_lower_cased_tags) {
  struct choice_row {
    const char* name;
    std::vector<std::string> tags;
    bool with_defaults;
    const char* expected;  // nullptr: no template
  };
  const std::vector<choice_row> rows = {
      {"upper-case posting tag matches a lower-case ats_tag", {"ENGINEERING"}, true, "t-eng-old"},
      {"equal priorities: the oldest wins", {"engineering"}, true, "t-eng-old"},
      {"the highest priority wins over age", {"engineering", "Lead"}, true, "t-lead"},
      {"no match: the oldest default", {"sales"}, true, "t-def-old"},
      {"no tags: the oldest default", {}, true, "t-def-old"},
      {"no match and no default: nothing", {"sales"}, false, nullptr},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT("choice: " << r.name) {
      auto ctx = standard_context();
      ctx.templates = {tpl("t-eng-new", "Engineering", 1, false, 5),
                       tpl("t-eng-old", "engineering", 1, false, 2),
                       tpl("t-lead", "LEAD", 7, false, 6)};
      if (r.with_defaults) {
        ctx.templates.push_back(tpl("t-def-new", "", 0, true, 9));
        ctx.templates.push_back(tpl("t-def-old", "", 0, true, 3));
      }
      const auto t = apply(in(st::resolving), resolved(r.tags), ctx);
      if (r.expected) {
        BOOST_TEST(to_string(t.next.state) == "requesting");
        BOOST_TEST(t.next.template_id == r.expected);
        BOOST_TEST((kinds(t.commands) == std::vector<ck>{ck::platform_create_request}));
      } else {
        BOOST_TEST(to_string(t.next.state) == "needs_attention");
        BOOST_TEST(t.next.reason.rfind("no_template: ", 0) == 0u);
        BOOST_TEST(t.commands.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(an_event_for_an_unknown_candidate_creates_it_idle) {
  candidate_record fresh;
  fresh.org = "acme";
  fresh.opp = "opp-new";
  const auto t = apply(fresh, stage("stage-phone"), standard_context());
  BOOST_TEST(to_string(t.next.state) == "idle");
  BOOST_TEST(t.next.created_at == now);
  BOOST_TEST(t.next.updated_at == now);
  BOOST_TEST(t.history.size() == 1u);
  BOOST_TEST(t.history[0].seq == 1u);
  BOOST_TEST(t.history[0].from == "idle");
  BOOST_TEST(t.history[0].to == "idle");
  BOOST_TEST(t.history[0].event == "lever.stage_change");
}

BOOST_AUTO_TEST_CASE(a_candidate_walks_from_the_trigger_stage_to_an_owner_confirmed_hire) {
  const auto ctx = standard_context();
  candidate_record c;
  c.org = "acme";
  c.opp = "opp-1";
  int64_t t0 = now;
  auto step = [&](machine_event e, st expected, std::vector<ck> cmds) {
    e.now = t0;
    if (auto* d = e.as<events::command_done>()) d->generation = c.generation;
    t0 += 1000;
    const auto t = apply(c, e, ctx);
    BOOST_TEST_CONTEXT("event " << event_name(e) << " in " << to_string(c.state)) {
      check_invariants(c, e, ctx, t);
      BOOST_TEST(to_string(t.next.state) == to_string(expected));
      BOOST_TEST(kinds(t.commands) == cmds, boost::test_tools::per_element());
    }
    c = t.next;
  };
  step(stage("stage-refcheck", now), st::resolving, {ck::lever_resolve});
  step(resolved({"engineering"}), st::requesting, {ck::platform_create_request});
  step(created("req-9"), st::awaiting_references, {});
  BOOST_TEST(c.timers.size() == 2u);
  auto reminder = c.timers[0].kind == tk::reminder ? c.timers[0] : c.timers[1];
  step(timer(reminder), st::awaiting_references, {ck::platform_remind});
  step(report("req-9"), st::report_ready, {ck::lever_note});
  BOOST_TEST(c.timers.empty());
  step(done(ck::lever_note), st::report_ready, {ck::lever_add_links});
  step(done(ck::lever_add_links), st::awaiting_hire_decision, {});
  BOOST_TEST(c.timers.size() == 1u);
  step(timer(c.timers.at(0)), st::awaiting_hire_decision, {ck::lever_followup_check});
  step(followup_checked(false), st::awaiting_hire_decision, {ck::mail_followup});
  step(done(ck::mail_followup), st::awaiting_owner_response, {});
  step(owner(true), st::hired, {ck::lever_archive_hired, ck::platform_hiring_status});
  step(hired_webhook(), st::hired, {});  // Lever's echo of our archive call
  BOOST_TEST(c.next_seq == 13u);         // one history entry per event
  BOOST_TEST(c.timers.empty());
}

BOOST_AUTO_TEST_CASE(a_confidential_resolve_is_retried_by_the_operator_and_the_flow_goes_on) {
  const auto ctx = standard_context();
  candidate_record c = in(st::idle);
  auto run = [&](const machine_event& e) {
    const auto t = apply(c, e, ctx);
    check_invariants(c, e, ctx, t);
    c = t.next;
    return t;
  };
  run(stage("stage-refcheck"));
  const uint32_t g = c.generation;
  auto d = dead(ck::lever_resolve, 403, true, 77, g);
  run(d);
  BOOST_TEST(to_string(c.state) == "needs_attention");
  BOOST_TEST(c.reason.rfind("confidential_access: ", 0) == 0u);
  auto retry = run(admin_retry());
  BOOST_TEST(!retry.requeue.empty());
  BOOST_TEST(to_string(c.state) == "needs_attention");
  auto ok = resolved({"engineering"}, "ada@example.com", 77);
  ok.as<events::command_done>()->generation = g;
  auto t = run(ok);
  BOOST_TEST(to_string(c.state) == "requesting");
  BOOST_TEST(c.reason.empty());
  BOOST_TEST((kinds(t.commands) == std::vector<ck>{ck::platform_create_request}));
}

// -- catch-up: a change found in Lever's list instead of by its webhook ----------------------
// (docs/reference.md#missed-webhook-catch-up)

BOOST_AUTO_TEST_CASE(a_report_that_comes_while_its_request_is_being_created_is_held_not_lost) {
  auto held = [](std::string rid) {
    return [rid](const candidate_record&, const transition& t) {
      BOOST_TEST(t.next.held_report_request == rid);
      BOOST_TEST(!t.ignored);
    };
  };
  auto holding = [](st s) {
    auto b = in(s);
    b.c.held_report_request = "req-9";
    b.c.held_report_url = "https://platform.example/reports/req-9";
    return b;
  };
  check_rows({
      row("requesting: the report is held", in(st::requesting), report("req-9"))
          .check(held("req-9")),
      row("needs_attention while creating: held too",
          in(st::needs_attention).resume(st::requesting), report("req-9"))
          .check(held("req-9")),
      row("created with the held report's id: straight to report_ready", holding(st::requesting),
          created("req-9"))
          .to(st::report_ready)
          .commands({ck::lever_note})
          .history(2)
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.report_url == "https://platform.example/reports/req-9");
            BOOST_TEST(t.next.held_report_request.empty());
            BOOST_TEST(t.next.timers.empty());
          }),
      row("created with another id: the held report is dropped, the request waits",
          holding(st::requesting), created("req-10"))
          .to(st::awaiting_references)
          .sets({tk::reminder, tk::expiry})
          .history(2)
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.held_report_request.empty());
            BOOST_TEST(t.next.report_url.empty());
          }),
      row("a fresh request forgets a held report", holding(st::needs_attention), admin_resend())
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .check([](const candidate_record&, const transition& t) {
            BOOST_TEST(t.next.held_report_request.empty());
          }),
      row("resolving: a report for no request is still ignored", in(st::resolving), report("req-9"))
          .ignores(),
  });
}

extra_check history_names(std::string event) {
  return [event](const candidate_record&, const transition& t) {
    BOOST_REQUIRE(!t.history.empty());
    BOOST_TEST(t.history.back().event == event);
  };
}

BOOST_AUTO_TEST_CASE(a_change_found_by_catch_up_acts_as_its_webhook_would) {
  const auto caught = lever_origin::catch_up;
  check_rows({
      row("idle: a caught-up entry into the trigger stage starts the request", in(st::idle),
          stage("stage-refcheck", now - 1, caught))
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .check(history_names("reconcile.stage_change")),
      row("expired: a caught-up entry starts a fresh request",
          in(st::expired).sat_in("stage-phone"), stage("stage-refcheck", now - 1, caught))
          .to(st::resolving)
          .commands({ck::lever_resolve})
          .check(starts_fresh_request()),
      row("a caught-up hire in the request flow sets hired and tells the platform",
          in(st::awaiting_references).req("req-9").timer(expiry_timer), hired_webhook(caught))
          .tells_platform("lever_webhook", true)
          .commands({ck::platform_hiring_status})
          .check(history_names("reconcile.hired")),
      row("a caught-up hire of an idle candidate ends it hired, no email", in(st::idle),
          hired_webhook(caught))
          .to(st::hired)
          .check(hired_now()),
      row("a caught-up hire of a hired candidate changes nothing", in(st::hired).hired(),
          hired_webhook(caught))
          .ignores()
          .check(same_record_but_history()),
      row("a caught-up hire after the owner said not hired leaves the request", in(st::not_hired),
          hired_webhook(caught))
          .to(st::hired)
          .check(hired_now()),
  });
}

BOOST_AUTO_TEST_CASE(an_entry_into_the_stage_the_candidate_already_sits_in_is_not_a_new_entry) {
  std::vector<row> rows;
  for (auto origin : {lever_origin::webhook, lever_origin::catch_up}) {
    const std::string by = origin == lever_origin::webhook ? "webhook" : "catch-up";
    for (auto s : {st::idle, st::expired, st::needs_attention, st::awaiting_references}) {
      auto r = row(std::string(to_string(s)) + ": the same entry again by " + by,
                   in(s).sat_in("stage-refcheck"), stage("stage-refcheck", now, origin));
      // Catch-up reports it as ignored: the webhook had delivered it, nothing was missed.
      if (origin == lever_origin::catch_up) r.ignores();
      rows.push_back(r.check([](const candidate_record& cur, const transition& t) {
        BOOST_TEST(t.next.generation == cur.generation);
        BOOST_TEST(t.next.last_stage == "stage-refcheck");
        BOOST_TEST(t.next.last_stage_at == now);
      }));
    }
  }
  rows.push_back(row("left the stage and came back: a new entry",
                     in(st::expired).sat_in("stage-phone"), stage("stage-refcheck"))
                     .to(st::resolving)
                     .commands({ck::lever_resolve}));
  check_rows(rows);
}

BOOST_AUTO_TEST_CASE(webhook_and_catch_up_in_either_order_give_exactly_one_request) {
  const auto ctx = standard_context();
  // Lever's webhook carries its send time; the list carries the change's own time, a little
  // earlier. Either may come first, and the flow may have ended between them.
  for (bool webhook_first : {true, false}) {
    BOOST_TEST_CONTEXT((webhook_first ? "webhook first" : "catch-up first")) {
      candidate_record c = in(st::idle);
      auto by_webhook = stage("stage-refcheck", now - 100, lever_origin::webhook);
      auto by_catch_up = stage("stage-refcheck", now - 180, lever_origin::catch_up);
      int requests = 0;
      auto run = [&](const machine_event& e) {
        auto t = apply(c, e, ctx);
        for (const auto& cmd : t.commands) requests += cmd.kind == ck::lever_resolve;
        c = t.next;
      };
      run(webhook_first ? by_webhook : by_catch_up);
      BOOST_TEST(to_string(c.state) == "resolving");
      c.state = st::expired;  // the request ran its course meanwhile
      run(webhook_first ? by_catch_up : by_webhook);
      BOOST_TEST(requests == 1);
      BOOST_TEST(to_string(c.state) == "expired");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// -- regressions: each of these once went wrong ---------------------------------------------

BOOST_AUTO_TEST_SUITE(candidate_machine_regressions)

BOOST_AUTO_TEST_CASE(lever_echo_of_a_hire_recorded_in_the_request_flow_tells_the_platform_nothing) {
  const auto ctx = standard_context();
  candidate_record c = in(st::awaiting_references);
  c.request_id = "req-9";
  auto t = apply(c, hire_status(true), ctx);
  BOOST_TEST(kinds(t.commands) == std::vector<ck>{ck::lever_archive_hired},
             boost::test_tools::per_element());
  t = apply(t.next, hired_webhook(), ctx);
  BOOST_TEST(t.commands.empty());
  BOOST_TEST(to_string(t.next.state) == "awaiting_references");
  t = apply(t.next, hire_status(true), ctx);  // the platform says it again
  BOOST_TEST(t.commands.empty());
}

BOOST_AUTO_TEST_CASE(a_dead_letter_of_an_earlier_request_does_not_block_the_operator_retry) {
  const auto ctx = standard_context();
  candidate_record c = in(st::needs_attention).reason("no_template: none matches");
  auto t = apply(c, dead(ck::lever_note, 500, false, 41, gen - 1), ctx);
  BOOST_TEST(t.next.dead_commands.empty());
  t = apply(t.next, admin_retry(), ctx);
  BOOST_TEST(to_string(t.next.state) == "resolving");
  BOOST_TEST(t.requeue.empty());
}

BOOST_AUTO_TEST_CASE(an_outbox_retry_requeues_exactly_the_command_the_operator_chose) {
  const auto ctx = standard_context();
  candidate_record c = in(st::hired);
  auto t = apply(c, admin_retry(99), ctx);
  BOOST_TEST(t.requeue == std::vector<uint64_t>{99}, boost::test_tools::per_element());
  BOOST_TEST(to_string(t.next.state) == "hired");
}

BOOST_AUTO_TEST_CASE(the_expiry_clock_runs_on_while_a_dead_reminder_waits_for_the_operator) {
  const auto ctx = standard_context();
  candidate_record c = in(st::needs_attention).resume(st::awaiting_references).timer(expiry_timer);
  c.request_id = "req-9";
  auto t = apply(c, timer(expiry_timer), ctx);
  BOOST_TEST(to_string(t.next.state) == "expired");
  BOOST_TEST(kinds(t.commands) == std::vector<ck>{ck::platform_expire},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_report_that_arrives_while_a_dead_reminder_waits_is_still_delivered) {
  const auto ctx = standard_context();
  candidate_record c = in(st::needs_attention).resume(st::awaiting_references);
  c.request_id = "req-9";
  auto t = apply(c, report("req-9"), ctx);
  BOOST_TEST(to_string(t.next.state) == "report_ready");
  BOOST_TEST(kinds(t.commands) == std::vector<ck>{ck::lever_note},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_hire_in_lever_before_the_request_exists_reaches_the_platform_later) {
  const auto ctx = standard_context();
  candidate_record c = in(st::requesting);
  auto t = apply(c, hired_webhook(), ctx);
  BOOST_TEST(t.commands.empty());  // no request yet: nothing to tell
  t = apply(t.next, created("req-9"), ctx);
  BOOST_TEST(to_string(t.next.state) == "awaiting_references");
  BOOST_REQUIRE(t.commands.size() == 1u);
  BOOST_TEST(to_string(t.commands[0].kind) == "platform.hiring_status");
  BOOST_TEST(t.commands[0].arg == "lever_webhook");
}

BOOST_AUTO_TEST_SUITE_END()
