#include "core/candidate_machine.hpp"

#include <algorithm>
#include <type_traits>

namespace vouch::core {
namespace {

using st = cand_state;

/// Builds one transition: it keeps the history, timers and the record consistent so the
/// rules below read as docs/reference.md#transition-rules states them.
class builder {
 public:
  builder(const candidate_record& cur, const machine_event& ev, const machine_context& ctx)
      : ev_(ev), ctx_(ctx) {
    t_.next = cur;
    from_ = cur.state;
  }

  candidate_record& rec() { return t_.next; }
  st state() const { return t_.next.state; }

  void go(st to, std::string detail) {
    auto& r = t_.next;
    history_entry h;
    h.seq = r.next_seq++;
    h.at = ev_.now;
    h.event = event_name(ev_);
    h.from = to_string(r.state);
    h.to = to_string(to);
    h.detail = std::move(detail);
    r.state = to;
    if (to != st::needs_attention) r.reason.clear();
    r.updated_at = ev_.now;
    t_.history.push_back(std::move(h));
  }
  void note(std::string detail) { go(state(), std::move(detail)); }

  void attention(std::string code, const std::string& text) {
    t_.next.reason = code + ": " + text;
    go(st::needs_attention, t_.next.reason);
  }

  void cmd(command_kind k, std::string arg = {}, bool flag = false) {
    t_.commands.push_back({k, std::move(arg), flag});
  }

  void set_timer(timer_kind k, int64_t after_ms) {
    clear_timer(k);
    timer_entry t{k, ev_.now + after_ms};
    t_.next.timers.push_back(t);
    t_.timers_set.push_back(t);
  }
  void clear_timer(timer_kind k) {
    auto& ts = t_.next.timers;
    for (auto it = ts.begin(); it != ts.end();) {
      if (it->kind == k) {
        t_.timers_cleared.push_back(*it);
        it = ts.erase(it);
      } else {
        ++it;
      }
    }
  }
  void clear_all_timers() {
    for (auto k : {timer_kind::reminder, timer_kind::expiry, timer_kind::followup}) clear_timer(k);
  }

  void ignore(std::string detail) {
    t_.ignored = true;
    note(std::move(detail));
  }

  void mark_hired() {
    if (!t_.next.hired) t_.next.hired_at = ev_.now;
    t_.next.hired = true;
    clear_timer(timer_kind::followup);
  }

  void tell_platform(bool hired, const char* source) {
    if (!t_.next.request_id.empty()) cmd(command_kind::platform_hiring_status, source, hired);
  }

  /// A fresh request: new generation, old timers gone, Lever read first.
  void start_request(const std::string& why) {
    auto& r = t_.next;
    ++r.generation;
    r.request_id.clear();
    r.report_url.clear();
    r.held_report_request.clear();
    r.held_report_url.clear();
    r.template_id.clear();
    r.dead_commands.clear();
    clear_all_timers();
    go(st::resolving, why);
    cmd(command_kind::lever_resolve);
  }

  const machine_event& ev() const { return ev_; }
  const machine_context& ctx() const { return ctx_; }
  transition& result() { return t_; }
  void requeue(std::vector<uint64_t> ids) { t_.requeue = std::move(ids); }

 private:
  const machine_event& ev_;
  const machine_context& ctx_;
  transition t_;
  st from_;
};

bool is_trigger(const machine_context& ctx, const std::string& stage) {
  return std::find(ctx.trigger_stage_ids.begin(), ctx.trigger_stage_ids.end(), stage) !=
         ctx.trigger_stage_ids.end();
}

void on_stage_change(builder& b, const events::stage_change& ev) {
  auto& r = b.rec();
  // A change catch-up finds that a webhook already delivered is "ignored" (recorded, but
  // not counted as found); the webhook's own answer stays "accepted" as before.
  auto seen = [&](std::string why) {
    if (ev.origin == lever_origin::catch_up)
      b.ignore(std::move(why));
    else
      b.note(std::move(why));
  };
  if (ev.triggered_at < r.last_stage_at) {
    seen("stale stage change to " + ev.to_stage + " (older than the newest applied)");
    return;
  }
  // The same entry seen twice (a webhook and a catch-up pass, in either order, carry
  // slightly different times): the candidate already sits in that stage.
  if (!r.last_stage.empty() && r.last_stage == ev.to_stage) {
    r.last_stage_at = std::max(r.last_stage_at, ev.triggered_at);
    seen("already in stage " + ev.to_stage + " by the last change applied; not a new entry");
    return;
  }
  r.last_stage_at = ev.triggered_at;
  r.last_stage = ev.to_stage;
  if (!is_trigger(b.ctx(), ev.to_stage)) {
    b.note("moved to stage " + ev.to_stage + " (not a trigger stage)");
    return;
  }
  auto s = b.state();
  if (s == st::idle || s == st::expired || s == st::needs_attention) {
    b.start_request("entered trigger stage " + ev.to_stage);
  } else {
    b.note("entered trigger stage " + ev.to_stage + " again; a request already exists");
  }
}

void on_hired_webhook(builder& b, const events::hired_webhook& ev) {
  // Also Lever's echo of our own archive call: the hire is known, nothing more to do.
  if (b.state() == st::hired || b.rec().hired) {
    if (ev.origin == lever_origin::catch_up)
      b.ignore("catch-up: Lever shows the hire; already recorded");
    else
      b.note("Lever reports hired; already recorded");
    return;
  }
  b.mark_hired();
  b.rec().hired_source = "lever_webhook";
  b.tell_platform(true, "lever_webhook");
  if (in_request_flow(b.state()))
    b.note("hired in Lever; the report flow goes on and ends in hired");
  else
    b.go(st::hired, "hired in Lever");
}

void on_report_completed(builder& b, const events::report_completed& ev) {
  auto& r = b.rec();
  // The platform can finish a request before its creation is recorded here: vouchd died
  // after the platform answered create_request and before that answer was committed, and
  // the retried command (same idempotency key) has not landed yet. The report is held, not
  // dropped, and applied when the request id it names is recorded (found by tools/chaos).
  const bool creating = b.state() == st::requesting ||
                        (b.state() == st::needs_attention && r.resume_state == st::requesting);
  if (creating && r.request_id.empty()) {
    r.held_report_request = ev.request_id;
    r.held_report_url = ev.report_url;
    b.note("report " + ev.request_id +
           " arrived before its request was recorded; held until it is");
    return;
  }
  bool live = b.state() == st::awaiting_references ||
              (b.state() == st::needs_attention && r.resume_state == st::awaiting_references);
  if (!live) {
    b.ignore("report " + ev.request_id + " arrived in state " + to_string(b.state()));
    return;
  }
  if (ev.request_id != r.request_id) {
    b.ignore("report for request " + ev.request_id + ", but the live request is " + r.request_id);
    return;
  }
  r.report_url = ev.report_url;
  b.clear_timer(timer_kind::reminder);
  b.clear_timer(timer_kind::expiry);
  b.go(st::report_ready, "report " + ev.report_url);
  b.cmd(command_kind::lever_note);
}

/// The report is in Lever: wait for the hire decision, or finish when already hired.
void report_delivered(builder& b) {
  if (b.rec().hired) {
    b.go(st::hired, "report delivered; the candidate was already hired");
  } else {
    b.go(st::awaiting_hire_decision, "report delivered to Lever");
    b.set_timer(timer_kind::followup, b.ctx().followup_after_ms);
  }
}

/// Records a hire decision that came from the owner or the platform.
void decide(builder& b, bool hired, const char* source) {
  if (hired) {
    b.mark_hired();
    b.rec().hired_source = source;
    b.cmd(command_kind::lever_archive_hired, source);
    if (std::string(source) != "platform") b.tell_platform(true, source);
    if (in_request_flow(b.state()))
      b.note(std::string("hired (") + source + "); the report flow goes on");
    else
      b.go(st::hired, std::string("hired (") + source + ")");
  } else {
    b.clear_timer(timer_kind::followup);
    b.cmd(command_kind::lever_outcome_note, std::string("not hired (") + source + ")");
    if (std::string(source) != "platform") b.tell_platform(false, source);
    b.go(st::not_hired, std::string("not hired (") + source + ")");
  }
}

void on_hire_status(builder& b, const events::hire_status_changed& ev) {
  auto s = b.state();
  if (ev.hired) {
    if (s == st::hired || b.rec().hired) {
      b.note("platform reports hired; already recorded");
      return;
    }
    decide(b, true, "platform");
    return;
  }
  if (s == st::awaiting_hire_decision || s == st::awaiting_owner_response) {
    decide(b, false, "platform");
  } else {
    b.ignore(std::string("platform reports not hired in state ") + to_string(s));
  }
}

void on_owner_answer(builder& b, const events::owner_answer& ev) {
  auto s = b.state();
  if (s != st::awaiting_owner_response && s != st::awaiting_hire_decision) {
    b.ignore(std::string("owner answered in state ") + to_string(s) + "; nothing pending");
    return;
  }
  decide(b, ev.hired, "owner_email");
}

void on_command_done(builder& b, const events::command_done& ev) {
  auto& r = b.rec();
  // A retried dead letter that now succeeded: go back to where the candidate left.
  if (b.state() == st::needs_attention && ev.generation == r.generation &&
      std::find(r.dead_commands.begin(), r.dead_commands.end(), ev.command_id) !=
          r.dead_commands.end()) {
    r.dead_commands.erase(
        std::remove(r.dead_commands.begin(), r.dead_commands.end(), ev.command_id),
        r.dead_commands.end());
    b.go(r.resume_state, std::string("retried ") + to_string(ev.command) + " succeeded");
  } else {
    r.dead_commands.erase(
        std::remove(r.dead_commands.begin(), r.dead_commands.end(), ev.command_id),
        r.dead_commands.end());
  }
  bool current = ev.generation == r.generation;
  switch (ev.command) {
    case command_kind::lever_resolve: {
      if (!current || b.state() != st::resolving) break;
      const auto& o = ev.resolved;
      r.name = o.name;
      r.email = o.email;
      r.phone = o.phone;
      r.posting_id = o.posting_id;
      r.posting_title = o.posting_title;
      r.posting_tags = o.tags;
      r.owner = o.owner;
      if (o.email.empty()) {
        b.attention("no_candidate_email", "the Lever opportunity has no email address");
        return;
      }
      auto choice = choose_template(o.tags, b.ctx().templates);
      if (!choice.id) {
        b.attention("no_template", choice.why);
        return;
      }
      r.template_id = *choice.id;
      b.go(st::requesting, choice.why);
      b.cmd(command_kind::platform_create_request);
      return;
    }
    case command_kind::platform_create_request:
      if (!current || b.state() != st::requesting) break;
      r.request_id = ev.created_request_id;
      b.go(st::awaiting_references, "request " + r.request_id + " created on the platform");
      // Hired in Lever before the request existed: the platform learns it now.
      if (r.hired && r.hired_source == "lever_webhook") b.tell_platform(true, "lever_webhook");
      if (!r.held_report_request.empty()) {
        const bool ours = r.held_report_request == r.request_id;
        const std::string url = r.held_report_url;
        r.held_report_request.clear();
        r.held_report_url.clear();
        if (ours) {
          r.report_url = url;
          b.go(st::report_ready, "report " + url + " (held until its request was recorded)");
          b.cmd(command_kind::lever_note);
          return;
        }
        b.note("the held report was for another request; dropped");
      }
      b.set_timer(timer_kind::reminder, b.ctx().reminder_after_ms);
      b.set_timer(timer_kind::expiry, b.ctx().expiry_after_ms);
      return;
    case command_kind::lever_note:
      if (!current || b.state() != st::report_ready) break;
      b.note("report note posted to Lever");
      b.cmd(command_kind::lever_add_links);
      return;
    case command_kind::lever_add_links:
      if (!current || b.state() != st::report_ready) break;
      report_delivered(b);
      return;
    case command_kind::lever_followup_check:
      if (!current || b.state() != st::awaiting_hire_decision) break;
      if (ev.archived_as_hired) {
        b.mark_hired();
        b.tell_platform(true, "lever_webhook");
        b.go(st::hired, "Lever shows the opportunity archived as hired; no email sent");
      } else if (r.owner.email.empty()) {
        b.attention("no_owner_email", "the opportunity owner has no email address in Lever");
      } else {
        b.note("no hire decision yet; emailing the owner " + r.owner.email);
        b.cmd(command_kind::mail_followup);
      }
      return;
    case command_kind::mail_followup:
      if (!current || b.state() != st::awaiting_hire_decision) break;
      b.go(st::awaiting_owner_response, "follow-up email sent to " + r.owner.email);
      return;
    default:
      break;
  }
  b.note(std::string(to_string(ev.command)) + " done");
}

void on_command_dead(builder& b, const events::command_dead& ev) {
  auto& r = b.rec();
  if (ev.generation != r.generation) {
    b.note(std::string(to_string(ev.command)) +
           " of an earlier request dead-lettered: " + ev.error);
    return;
  }
  if (std::find(r.dead_commands.begin(), r.dead_commands.end(), ev.command_id) ==
      r.dead_commands.end())
    r.dead_commands.push_back(ev.command_id);
  if (b.state() != st::needs_attention) r.resume_state = b.state();
  const bool lever = target_of(ev.command) == command_target::lever;
  if (lever && ev.http_status == 403)
    b.attention("confidential_access", "Lever refused access (403): " + ev.error);
  else if (lever && ev.permanent)
    b.attention("lever_error", std::string(to_string(ev.command)) + ": " + ev.error);
  else
    b.attention("dead_letter", std::string(to_string(ev.command)) + ": " + ev.error);
}

void on_timer(builder& b, const events::timer_fired& ev) {
  auto& ts = b.rec().timers;
  auto it = std::find(ts.begin(), ts.end(), ev.timer);
  if (it == ts.end()) {
    b.result().ignored = true;  // cancelled earlier: nothing to record
    return;
  }
  ts.erase(it);
  b.result().timers_cleared.push_back(ev.timer);
  auto s = b.state();
  // A request's clock runs on while an operator looks at a dead letter.
  if (s == st::needs_attention) s = b.rec().resume_state;
  switch (ev.timer.kind) {
    case timer_kind::reminder:
      if (s == st::awaiting_references) {
        b.note("reminder due: asking the platform to remind the referees");
        b.cmd(command_kind::platform_remind);
        return;
      }
      break;
    case timer_kind::expiry:
      if (s == st::awaiting_references) {
        b.clear_timer(timer_kind::reminder);
        b.go(st::expired, "request " + b.rec().request_id + " expired without a report");
        b.cmd(command_kind::platform_expire);
        return;
      }
      break;
    case timer_kind::followup:
      if (s == st::awaiting_hire_decision) {
        b.note("no hire decision after the follow-up delay; checking Lever once more");
        b.cmd(command_kind::lever_followup_check);
        return;
      }
      break;
  }
  b.note(std::string(to_string(ev.timer.kind)) + " timer no longer applies");
}

void on_admin_retry(builder& b, const events::admin_retry& ev) {
  auto& r = b.rec();
  if (ev.command_id != 0) {  // the operator retries one outbox command
    b.requeue({ev.command_id});
    b.note("operator retry of dead command " + std::to_string(ev.command_id));
    return;
  }
  if (!r.dead_commands.empty()) {
    b.requeue(r.dead_commands);
    b.note("operator retry: requeueing " + std::to_string(r.dead_commands.size()) +
           " dead command(s)");
    return;
  }
  if (b.state() != st::needs_attention) {
    b.ignore(std::string("retry asked in state ") + to_string(b.state()) + "; nothing to retry");
    return;
  }
  b.start_request("operator retry");
}

}  // namespace

const char* to_string(event_kind k) {
  switch (k) {
    case event_kind::stage_change:
      return "lever.stage_change";
    case event_kind::hired_webhook:
      return "lever.hired";
    case event_kind::report_completed:
      return "platform.report_completed";
    case event_kind::hire_status_changed:
      return "platform.hire_status_changed";
    case event_kind::command_done:
      return "command_done";
    case event_kind::command_dead:
      return "command_dead";
    case event_kind::timer_fired:
      return "timer";
    case event_kind::admin_resend:
      return "admin.resend";
    case event_kind::admin_retry:
      return "admin.retry";
    case event_kind::owner_answer:
      return "owner.answer";
  }
  return "unknown";
}

std::string event_name(const machine_event& ev) {
  if (const auto* d = ev.as<events::command_done>())
    return std::string(to_string(ev.kind())) + ":" + to_string(d->command);
  if (const auto* d = ev.as<events::command_dead>())
    return std::string(to_string(ev.kind())) + ":" + to_string(d->command);
  if (const auto* t = ev.as<events::timer_fired>())
    return std::string("timer:") + to_string(t->timer.kind);
  if (const auto* c = ev.as<events::stage_change>())
    return c->origin == lever_origin::catch_up ? "reconcile.stage_change" : "lever.stage_change";
  if (const auto* h = ev.as<events::hired_webhook>())
    return h->origin == lever_origin::catch_up ? "reconcile.hired" : "lever.hired";
  return to_string(ev.kind());
}

bool in_request_flow(cand_state s) {
  return s == st::resolving || s == st::requesting || s == st::awaiting_references ||
         s == st::report_ready;
}

transition apply(const candidate_record& current, const machine_event& ev,
                 const machine_context& ctx) {
  builder b(current, ev, ctx);
  if (b.rec().created_at == 0) b.rec().created_at = ev.now;
  std::visit(
      [&b](const auto& body) {
        using body_t = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<body_t, events::stage_change>) on_stage_change(b, body);
        if constexpr (std::is_same_v<body_t, events::hired_webhook>) on_hired_webhook(b, body);
        if constexpr (std::is_same_v<body_t, events::report_completed>)
          on_report_completed(b, body);
        if constexpr (std::is_same_v<body_t, events::hire_status_changed>) on_hire_status(b, body);
        if constexpr (std::is_same_v<body_t, events::owner_answer>) on_owner_answer(b, body);
        if constexpr (std::is_same_v<body_t, events::command_done>) on_command_done(b, body);
        if constexpr (std::is_same_v<body_t, events::command_dead>) on_command_dead(b, body);
        if constexpr (std::is_same_v<body_t, events::timer_fired>) on_timer(b, body);
        if constexpr (std::is_same_v<body_t, events::admin_resend>)
          b.start_request("operator resend");
        if constexpr (std::is_same_v<body_t, events::admin_retry>) on_admin_retry(b, body);
      },
      ev.body);
  return std::move(b.result());
}

}  // namespace vouch::core
