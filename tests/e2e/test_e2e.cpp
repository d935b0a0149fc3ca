// test_e2e: the built vouchd against the built lever-sim and platform-sim, all real
// processes on loopback ports, one fresh temp dir per case (docs/reference.md end to end).
#define BOOST_TEST_MODULE e2e
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "storage/repository.hpp"
#include "tests/e2e/harness.hpp"

using namespace vouch::e2e;
namespace fs = std::filesystem;

namespace {

std::string str(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

std::size_t count_containing(const std::vector<std::string>& values, const std::string& needle) {
  return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), [&](const auto& v) {
    return v.find(needle) != std::string::npos;
  }));
}

/// History entries carry {seq, at, event, from, to, detail}, seq strictly increases, the
/// `to` states pass through `expected` in order and the last one is the current state.
void check_history(const json& cand, const std::vector<std::string>& expected,
                   const std::string& what) {
  const json& hist = cand.value("history", json::array());
  BOOST_REQUIRE_MESSAGE(!hist.empty(), what << ": candidate has no history: " << cand.dump());
  std::vector<std::string> tos;
  int64_t prev = -1;
  for (const auto& h : hist) {
    for (const char* k : {"seq", "at", "event", "from", "to", "detail"})
      BOOST_CHECK_MESSAGE(h.contains(k), what << ": history entry lacks " << k << ": " << h);
    int64_t seq = h.value("seq", int64_t{-1});
    BOOST_CHECK_MESSAGE(seq > prev, what << ": history seq not strictly increasing at " << h);
    prev = seq;
    tos.push_back(str(h, "to"));
  }
  std::string seen;
  for (const auto& t : tos) seen += t + " ";
  auto it = tos.begin();
  for (const auto& want : expected) {
    it = std::find(it, tos.end(), want);
    BOOST_CHECK_MESSAGE(it != tos.end(), what << ": history 'to' states [" << seen
                                              << "] do not pass through " << want << " in order");
    if (it == tos.end()) return;
    ++it;
  }
  BOOST_CHECK_MESSAGE(tos.back() == str(cand, "state"), what << ": last history entry goes to "
                                                             << tos.back() << " but state is "
                                                             << str(cand, "state"));
}

/// Idempotency keys of the platform calls (any status) for one candidate.
std::set<std::string> idempotency_keys(platform_sim& p, const std::string& opp) {
  std::set<std::string> keys;
  for (const auto& c : p.calls("POST", "/v1/reference-requests")) {
    if (str(c["body"], "opportunity_id") != opp) continue;
    keys.insert(str(c["headers"], "idempotency-key"));
  }
  return keys;
}

/// Exactly one reference request at the platform for org/opp, one idempotency key, and the
/// candidate records it.
void check_one_request(env& e, const std::string& org, const std::string& opp) {
  json reqs = e.platform.requests(org, opp);
  auto keys = idempotency_keys(e.platform, opp);
  BOOST_CHECK_MESSAGE(reqs.size() == 1 && keys.size() == 1,
                      org << "/" << opp << ": expected one reference request with one idempotency "
                          << "key, platform holds " << reqs.size() << " request(s), calls used "
                          << keys.size() << " key(s)");
  if (reqs.empty()) return;
  json c = e.daemon->candidate(org, opp);
  BOOST_CHECK_MESSAGE(str(c, "request_id") == str(reqs[0], "request_id"),
                      opp << ": candidate request_id " << str(c, "request_id")
                          << ", platform request " << str(reqs[0], "request_id"));
}

json mails(const std::string& maildir) {
  json out = json::array();
  std::error_code ec;
  fs::path dir = fs::path(maildir) / "new";
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir, ec))
    if (f.is_regular_file()) files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({{"file", p.filename().string()}, {"text", ss.str()}});
  }
  return out;
}

/// A header value of an RFC 5322 message (first occurrence), "" when absent.
std::string mail_header(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ':')
      return line.substr(name.size() + 1);
  }
  return "";
}

/// answer -> link for every "<public_url>/hire-confirmation/TOKEN?answer=..." in the text.
std::map<std::string, std::string> hire_links(const std::string& text,
                                              const std::string& public_url) {
  std::map<std::string, std::string> out;
  const std::string prefix = public_url + "/hire-confirmation/";
  for (auto pos = text.find(prefix); pos != std::string::npos; pos = text.find(prefix, pos + 1)) {
    auto end = text.find_first_of(" \t\r\n\"'<>", pos);
    std::string url = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    auto q = url.find("?answer=");
    if (q == std::string::npos) continue;
    out.emplace(url.substr(q + 8), url);
  }
  return out;
}

/// The token with the alphanumeric character nearest `pos` changed (base64url value XOR 32,
/// so a meaningful bit changes).
std::string flip_char(const std::string& token, std::size_t pos) {
  static const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::size_t best = std::string::npos;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (!std::isalnum(static_cast<unsigned char>(token[i]))) continue;
    auto dist = [&](std::size_t k) { return k > pos ? k - pos : pos - k; };
    if (best == std::string::npos || dist(i) < dist(best)) best = i;
  }
  std::string out = token;
  out[best] = b64[b64.find(token[best]) ^ 32];
  return out;
}

response post_form(const std::string& url, const std::string& answer) {
  return http("POST", url, "answer=" + answer,
              {{"Content-Type", "application/x-www-form-urlencoded"}});
}

bool is_html(const response& r) {
  return r.header("content-type").find("html") != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1

BOOST_AUTO_TEST_CASE(a_trigger_stage_change_runs_the_whole_flow_through_to_hired) {
  env e;
  auto org = e.setup_org("acme", default_templates());

  expect_accepted(e.stage_change(org, "opp-1"), "stage change into the trigger stage");
  json req = e.wait_request("acme", "opp-1");
  json c = e.wait_state("acme", "opp-1", {"awaiting_references"});
  stays(
      "exactly one POST /v1/reference-requests",
      [&] { return e.platform.calls("POST", "/v1/reference-requests").size() == 1; }, 1000ms);

  json call = e.platform.calls("POST", "/v1/reference-requests")[0];
  BOOST_CHECK_MESSAGE(call.value("sig_ok", false), "reference request not correctly signed");
  const std::string idem = str(call["headers"], "idempotency-key");
  BOOST_CHECK_MESSAGE(!idem.empty(), "reference request without Idempotency-Key");
  BOOST_CHECK_MESSAGE(str(call["headers"], "webhook-id") == idem,
                      "webhook-id should be the idempotency key: " << call["headers"]);
  BOOST_CHECK_EQUAL(str(req, "idempotency_key"), idem);
  const json& b = req["body"];
  BOOST_CHECK_EQUAL(str(b, "org"), "acme");
  BOOST_CHECK_EQUAL(str(b, "opportunity_id"), "opp-1");
  const json cand = b.value("candidate", json::object());
  BOOST_CHECK_EQUAL(str(cand, "name"), "Grace Hopper");
  BOOST_CHECK_EQUAL(str(cand, "email"), "grace@example.com");
  std::string digits;
  for (char ch : str(cand, "phone"))
    if (std::isdigit(static_cast<unsigned char>(ch))) digits += ch;
  BOOST_CHECK_MESSAGE(digits == "15550100", "candidate phone " << cand);
  const json posting = b.value("posting", json::object());
  BOOST_CHECK_EQUAL(str(posting, "id"), "post-eng");
  BOOST_CHECK_EQUAL(str(posting, "title"), "Senior Engineer");
  BOOST_CHECK_MESSAGE(
      posting.value("tags", json::array()).dump().find("Engineering") != std::string::npos,
      "posting tags " << posting);
  const json tpl = b.value("template", json::object());
  BOOST_CHECK_EQUAL(str(tpl, "name"), "Engineering");
  BOOST_CHECK_MESSAGE(tpl.value("request", json::object()).value("survey_id", "") == "eng-v2",
                      "template is not the full template: " << tpl);
  if (tpl.contains("id"))
    BOOST_CHECK_EQUAL(tpl["id"].is_string() ? tpl["id"].get<std::string>() : tpl["id"].dump(),
                      org.templates["Engineering"]);
  const json owner = b.value("owner", json::object());
  BOOST_CHECK_EQUAL(str(owner, "id"), "user-owner-1");
  BOOST_CHECK_EQUAL(str(owner, "email"), "olivia.owner@acme.example");
  const std::string rid = str(req, "request_id");
  BOOST_CHECK_EQUAL(str(c, "request_id"), rid);

  const std::string report_url = e.platform.url() + "/reports/" + rid;
  json sent = e.platform.complete(rid, report_url);
  BOOST_CHECK_MESSAGE(
      sent.value("status", 0) == 200 && sent["body"].value("accepted", false) == true,
      "report.completed through platform-sim: " << sent);
  wait_for(
      "a Lever note containing the report URL",
      [&] { return json(count_containing(e.lever.note_values("opp-1"), report_url)); },
      [](const json& n) { return n.get<std::size_t>() >= 1; });
  wait_for(
      "POST addLinks with the report URL",
      [&] { return e.lever.ok_calls("POST", "/v1/opportunities/opp-1/addLinks"); },
      [&](const json& calls) {
        for (const auto& x : calls)
          if (x["body"].dump().find(report_url) != std::string::npos) return true;
        return false;
      });
  c = e.wait_state("acme", "opp-1", {"awaiting_hire_decision"});
  stays(
      "exactly one note with the report URL and one addLinks",
      [&] {
        return count_containing(e.lever.note_values("opp-1"), report_url) == 1 &&
               e.lever.calls("POST", "/v1/opportunities/opp-1/notes").size() == 1 &&
               e.lever.calls("POST", "/v1/opportunities/opp-1/addLinks").size() == 1;
      },
      500ms);
  BOOST_CHECK_EQUAL(str(c, "report_url"), report_url);

  expect_accepted(e.hired(org, "opp-1"), "hired webhook");
  c = e.wait_state("acme", "opp-1", {"hired"});
  json hs = wait_for(
      "POST /v1/hiring-status at platform-sim",
      [&] { return e.platform.hiring_status("acme", "opp-1"); },
      [](const json& v) { return !v.empty(); });
  const json& hb = hs[0]["body"];
  BOOST_CHECK_MESSAGE(hb.value("hired", false) == true && str(hb, "source") == "lever_webhook" &&
                          str(hb, "request_id") == rid,
                      "hiring-status body: " << hb);
  BOOST_CHECK_MESSAGE(c.value("hired", false) == true && c["hired_at"].is_number() &&
                          c["hired_at"].get<int64_t>() > 0,
                      "hired / hired_at not set: " << c.dump());
  for (const auto& pc : e.platform.calls("POST", ".*")) {
    BOOST_CHECK_MESSAGE(!str(pc["headers"], "idempotency-key").empty(),
                        "platform call " << str(pc, "path") << " without Idempotency-Key");
    BOOST_CHECK_MESSAGE(pc.value("sig_ok", false),
                        "platform call " << str(pc, "path") << " badly signed");
  }
  check_history(c,
                {"resolving", "requesting", "awaiting_references", "report_ready",
                 "awaiting_hire_decision", "hired"},
                "happy path");
  // Hired cancels the follow-up timer: the gauge counts what is pending in storage, not the
  // cancelled entries still in the timer service's schedule.
  BOOST_CHECK(c.value("timers", json::array()).empty());
  wait_for(
      "vouch_timers_pending to fall to 0 once the hire cancelled the follow-up",
      [&] { return json(metric_sum(e.daemon->metrics(), "vouch_timers_pending")); },
      [](const json& v) { return v.get<double>() == 0; }, 5s);
}

// ---------------------------------------------------------------------------------------------
// 2

BOOST_AUTO_TEST_CASE(every_rejected_delivery_answers_its_error_and_changes_nothing) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  e.daemon->admin_ok("PUT", "/admin/v1/orgs/bare", {{"name", "no connection"}});
  const json data = stage_data("opp-1");
  auto post = [&](const std::string& o, const std::string& kind, const std::string& raw) {
    return post_webhook(*e.daemon, o, kind, raw);
  };

  json body = lever_body("candidateStageChange", data, org.stage_token);
  body["signature"] = std::string(64, '0');
  expect_error(post("acme", "stage-change", body.dump()), 401, "bad_signature", "wrong signature");
  body.erase("signature");
  expect_error(post("acme", "stage-change", body.dump()), 401, "bad_signature",
               "missing signature");
  body = lever_body("candidateStageChange", data, org.hired_token);
  expect_error(post("acme", "stage-change", body.dump()), 401, "bad_signature",
               "signed with the hired webhook's token");
  body = lever_body("candidateStageChange", data, org.stage_token);
  body["triggeredAt"] = body["triggeredAt"].get<int64_t>() + 1;
  expect_error(post("acme", "stage-change", body.dump()), 401, "bad_signature",
               "triggeredAt changed after signing");

  body = lever_body("candidateStageChange", data, org.stage_token);
  expect_error(post("nosuchorg", "stage-change", body.dump()), 404, "unknown_org", "unknown org");
  expect_error(post("bare", "stage-change", body.dump()), 409, "not_connected",
               "org without a Lever connection");
  expect_error(post("acme", "stage-change", R"({"triggeredAt": 1, "event": )"), 400, "bad_request",
               "malformed JSON");
  expect_error(post("acme", "stage-change", "[1, 2, 3]"), 400, "bad_request", "JSON array");
  json wrong = lever_body("candidateStageChange", data, org.stage_token);
  wrong["triggeredAt"] = "yesterday";
  expect_error(post("acme", "stage-change", wrong.dump()), 400, "bad_request",
               "triggeredAt as a string");
  json nodata =
      lever_body("candidateStageChange", {{"toStageId", "stage-refcheck"}}, org.stage_token);
  expect_error(post("acme", "stage-change", nodata.dump()), 400, "bad_request",
               "signed stage change without opportunityId");
  json big_data = data;
  big_data["padding"] = std::string(70 * 1024, 'x');
  json big = lever_body("candidateStageChange", big_data, org.stage_token);
  expect_error(post("acme", "stage-change", big.dump()), 413, "too_large", "70 KiB body");

  expect_accepted(
      post("acme", "hired", lever_body("candidateHired", json::object(), org.hired_token).dump()),
      "signed ping on the hired webhook", "ping");
  expect_accepted(post("acme", "stage-change",
                       lever_body("candidateStageChange", json::object(), org.stage_token).dump()),
                  "signed ping on the stage-change webhook", "ping");
  json other =
      lever_body("applicationCreated",
                 {{"applicationId", "a-1"}, {"opportunityId", "opp-1"}, {"contactId", "ct-1"}},
                 org.stage_token);
  expect_accepted(post("acme", "stage-change", other.dump()), "signed unhandled event", "ignored");

  json ev = {{"id", "evt-x"},         {"type", "report.completed"},
             {"org", "acme"},         {"opportunity_id", "opp-1"},
             {"request_id", "req-1"}, {"report_url", "https://platform.example/r/1"},
             {"at", now_ms()}};
  const auto& d = *e.daemon;
  expect_error(post_platform_event(d, ev.dump(), e.platform_key, "evt-x", std::nullopt, "v1,AAAA"),
               401, "bad_signature", "platform event with a wrong signature");
  expect_error(post_platform_event(d, ev.dump(), e.platform_key, "evt-x", now_ms() / 1000 - 400),
               401, "bad_signature", "platform event signed 400 s ago");
  expect_error(post_platform_event(d, ev.dump(), e.platform_key, "evt-x", std::nullopt, ""), 401,
               "bad_signature", "platform event without webhook-signature");
  expect_error(post_platform_event(d, ev.dump(), "some-other-key", "evt-x"), 401, "bad_signature",
               "platform event signed with another key");
  expect_error(post_platform_event(d, "{not json", e.platform_key, "evt-y"), 400, "bad_request",
               "platform event not JSON");
  json unknown = ev;
  unknown["org"] = "nosuchorg";
  unknown["id"] = "evt-z";
  expect_error(post_platform_event(d, unknown.dump(), e.platform_key, "evt-z"), 404, "unknown_org",
               "platform event for an unknown org");

  json c = e.daemon->candidate("acme", "opp-1");
  BOOST_CHECK_MESSAGE(c.is_null() || str(c, "state") == "idle",
                      "rejected deliveries changed candidate opp-1: " << c.dump());
  stays(
      "no Lever or platform call after rejected deliveries",
      [&] {
        return e.platform.calls("", ".*").empty() &&
               e.lever.calls("", "/v1/opportunities/opp-1.*").empty();
      },
      1000ms);
}

// ---------------------------------------------------------------------------------------------
// 3

BOOST_AUTO_TEST_CASE(a_redelivered_webhook_or_event_is_a_duplicate_and_acts_once) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  json body;
  auto first = e.stage_change(org, "opp-1", "stage-refcheck", std::nullopt, &body);
  expect_accepted(first, "first delivery");
  BOOST_CHECK_MESSAGE(!first.j.value("duplicate", false), "first delivery flagged duplicate");
  expect_accepted(post_webhook(*e.daemon, "acme", "stage-change", body.dump()), "second delivery",
                  "duplicate");
  json req = e.wait_request("acme", "opp-1");
  e.wait_state("acme", "opp-1", {"awaiting_references"});
  expect_accepted(post_webhook(*e.daemon, "acme", "stage-change", body.dump()), "third delivery",
                  "duplicate");
  stays(
      "exactly one reference request for a webhook delivered three times",
      [&] { return e.platform.calls("POST", "/v1/reference-requests").size() == 1; }, 1000ms);

  json ev;
  const std::string url = "https://platform.example/reports/" + str(req, "request_id");
  expect_accepted(e.report_completed(org, "opp-1", str(req, "request_id"), url, &ev),
                  "report.completed");
  expect_accepted(e.send_event(ev), "repeated platform event id", "duplicate");
  e.wait_state("acme", "opp-1", {"awaiting_hire_decision"});
  stays(
      "exactly one note for a report event delivered twice",
      [&] { return e.lever.ok_calls("POST", "/v1/opportunities/opp-1/notes").size() == 1; },
      1000ms);
  BOOST_CHECK_EQUAL(count_containing(e.lever.note_values("opp-1"), url), 1u);
}

// ---------------------------------------------------------------------------------------------
// 4

BOOST_AUTO_TEST_CASE(templates_are_chosen_by_priority_then_age_with_default_and_no_template) {
  env e;
  auto org = e.setup_org(
      "acme",
      {make_template("General", "", 0, true), make_template("Engineering", "engineering", 1),
       make_template("Backend", "backend", 1), make_template("Sales", "SALES", 0),
       make_template("Leadership", "leadership", 5)});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"opp-1", "Engineering"},  // Engineering + Backend tie at priority 1: the oldest wins
      {"opp-2", "General"},      // Operations matches nothing: the default
      {"opp-3", "Leadership"},   // Engineering (1) vs LEADERSHIP (5): the highest priority
      {"opp-4", "Sales"}};       // posting tag "Sales" vs ats_tag "SALES"
  for (const auto& [opp, _] : cases)
    expect_accepted(e.stage_change(org, opp), "stage change " + opp);
  for (const auto& [opp, want] : cases) {
    json req = e.wait_request("acme", opp);
    std::string got = str(req["body"].value("template", json::object()), "name");
    BOOST_CHECK_MESSAGE(got == want, opp << ": expected template " << want << ", got " << got);
    json c = e.wait_state("acme", opp, {"awaiting_references"});
    BOOST_CHECK_EQUAL(str(c, "template_id"), org.templates[want]);
  }

  auto beta = e.setup_org("beta", {make_template("Sales", "sales", 0)});
  expect_accepted(e.stage_change(beta, "opp-2"), "stage change beta/opp-2");
  json c = e.wait_state("beta", "opp-2", {"needs_attention"});
  BOOST_CHECK_MESSAGE(str(c, "reason").rfind("no_template", 0) == 0,
                      "reason should start with no_template: " << c["reason"]);
  stays(
      "no request sent for an org without a matching template",
      [&] { return e.platform.requests("beta").empty(); }, 500ms);
}

// ---------------------------------------------------------------------------------------------
// 5

BOOST_AUTO_TEST_CASE(a_lever_503_and_429_storm_still_leaves_exactly_one_note) {
  // lever.timeout 1500ms: opp-5's note answer is held back 2.5 s, so vouchd sees a timeout
  // for a note Lever did create (a lost answer).
  env e(json{{"lever", {{"timeout", "1500ms"}}}});
  auto org = e.setup_org("acme", default_templates());
  const std::string rid1 = e.request_to_awaiting(org, "opp-1");
  const std::string rid5 = e.request_to_awaiting(org, "opp-5");
  const double failed_before =
      metric_sum(e.daemon->metrics(), "vouch_commands_failed_total", "lever.note");

  const std::string notes1 = "/v1/opportunities/opp-1/notes";
  e.lever.fault(
      {{"method", "POST"}, {"path", notes1}, {"status", 503}, {"count", 3}, {"retry_after", 0}});
  e.lever.fault({{"method", "POST"},
                 {"path", notes1},
                 {"status", 503},
                 {"count", 2},
                 {"retry_after", nullptr}});
  e.lever.fault(
      {{"method", "POST"}, {"path", notes1}, {"status", 429}, {"count", 2}, {"retry_after", 0}});
  e.lever.delay({{"method", "POST"},
                 {"path", "/v1/opportunities/opp-5/notes"},
                 {"seconds", 2.5},
                 {"after", true}});

  const std::string url1 = e.platform.url() + "/reports/" + rid1;
  const std::string url5 = e.platform.url() + "/reports/" + rid5;
  BOOST_CHECK_EQUAL(e.platform.complete(rid1, url1).value("status", 0), 200);
  BOOST_CHECK_EQUAL(e.platform.complete(rid5, url5).value("status", 0), 200);
  e.wait_state("acme", "opp-1", {"awaiting_hire_decision"}, 30s);
  e.wait_state("acme", "opp-5", {"awaiting_hire_decision"}, 30s);

  json injected = e.lever.calls("POST", notes1);
  std::size_t n503 = 0, n429 = 0, n2xx = 0;
  for (const auto& x : injected) {
    int s = x["status"].is_number() ? x["status"].get<int>() : 0;
    n503 += s == 503;
    n429 += s == 429;
    n2xx += s / 100 == 2;
  }
  BOOST_CHECK_MESSAGE(n503 == 5 && n429 == 2 && n2xx == 1,
                      "opp-1 POST notes: expected 5x503, 2x429, 1x2xx; got " << n503 << ", " << n429
                                                                             << ", " << n2xx);
  stays(
      "exactly one note with the report URL on each opportunity",
      [&] {
        return count_containing(e.lever.note_values("opp-1"), url1) == 1 &&
               count_containing(e.lever.note_values("opp-5"), url5) == 1;
      },
      1000ms);
  BOOST_CHECK_MESSAGE(e.lever.calls("POST", "/v1/opportunities/opp-5/notes").size() == 1,
                      "the retry after a lost note answer should find the note's marker and not "
                      "POST again");
  const double failed_after =
      metric_sum(e.daemon->metrics(), "vouch_commands_failed_total", "lever.note");
  BOOST_CHECK_MESSAGE(failed_after >= failed_before + 8,
                      "vouch_commands_failed_total{kind=\"lever.note\"} went from "
                          << failed_before << " to " << failed_after << ", expected +8");
}

// ---------------------------------------------------------------------------------------------
// 6

BOOST_AUTO_TEST_CASE(a_permanent_lever_error_dead_letters_and_an_admin_retry_resumes) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  const std::string rid = e.request_to_awaiting(org, "opp-1");
  const std::string links = "/v1/opportunities/opp-1/addLinks";
  e.lever.fault({{"method", "POST"},
                 {"path", links},
                 {"status", 400},
                 {"count", nullptr},
                 {"body", {{"code", "BadRequest"}, {"message", "links: invalid"}}}});
  const std::string url = e.platform.url() + "/reports/" + rid;
  BOOST_CHECK_EQUAL(e.platform.complete(rid, url).value("status", 0), 200);

  json c = e.wait_state("acme", "opp-1", {"needs_attention"});
  const std::string reason = str(c, "reason");
  BOOST_CHECK_MESSAGE(reason.rfind("dead_letter", 0) == 0 || reason.rfind("lever_error", 0) == 0,
                      "reason should be dead_letter or lever_error: " << c["reason"]);
  json dead = wait_for(
      "a dead lever.add_links command in GET /admin/v1/outbox?status=dead",
      [&] {
        json out = json::array();
        for (const auto& x : e.daemon->admin_ok("GET", "/admin/v1/outbox?status=dead")
                                 .value("items", json::array()))
          if (str(x, "kind") == "lever.add_links" && str(x, "opportunity_id") == "opp-1")
            out.push_back(x);
        return out;
      },
      [](const json& v) { return v.size() == 1; });
  BOOST_CHECK_MESSAGE(!str(dead[0], "last_error").empty(),
                      "dead command without last_error: " << dead[0]);
  BOOST_CHECK_EQUAL(str(dead[0], "status"), "dead");
  stays(
      "a permanent 400 is not retried", [&] { return e.lever.calls("POST", links).size() == 1; },
      500ms);

  e.lever.clear_faults();
  const std::string id =
      dead[0]["id"].is_string() ? dead[0]["id"].get<std::string>() : dead[0]["id"].dump();
  e.daemon->admin_ok("POST", "/admin/v1/outbox/" + id + "/retry", json::object(), {200, 202});
  c = e.wait_state("acme", "opp-1", {"awaiting_hire_decision"});
  BOOST_CHECK(c["reason"].is_null());
  BOOST_CHECK_EQUAL(e.lever.ok_calls("POST", links).size(), 1u);
  BOOST_CHECK_EQUAL(count_containing(e.lever.note_values("opp-1"), url), 1u);
  json still_dead = e.daemon->admin_ok("GET", "/admin/v1/outbox?status=dead");
  BOOST_CHECK_MESSAGE(still_dead.value("items", json::array()).empty(),
                      "outbox still lists dead commands: " << still_dead);
  check_history(c, {"report_ready", "needs_attention", "report_ready", "awaiting_hire_decision"},
                "dead letter and retry");
}

// ---------------------------------------------------------------------------------------------
// 7

BOOST_AUTO_TEST_CASE(a_kill_minus_9_loses_nothing_and_sends_each_request_once) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  e.platform.delay({{"method", "POST"}, {"path", "/v1/reference-requests"}, {"seconds", 0.3}});

  // 1: kill -9 right after the 200s.
  const std::vector<std::string> opps = {"opp-1", "opp-2", "opp-3", "opp-4", "opp-5"};
  for (const auto& opp : opps) expect_accepted(e.stage_change(org, opp), "stage change " + opp);
  e.daemon->kill9();
  e.daemon->start();
  for (const auto& opp : opps) e.wait_state("acme", opp, {"awaiting_references"}, 30s);

  // 2: kill -9 while reference requests are in flight (sent, not answered yet).
  const std::vector<std::string> late = {"opp-c1", "opp-c2", "opp-c3"};
  for (const auto& opp : late)
    e.lever.add_opportunity(opp, "Crash " + opp, opp + "@example.com", "post-eng");
  e.platform.clear_delays();
  e.platform.delay({{"method", "POST"}, {"path", "/v1/reference-requests"}, {"seconds", 2.0}});
  for (const auto& opp : late) expect_accepted(e.stage_change(org, opp), "stage change " + opp);
  wait_for(
      "a reference request in flight at platform-sim",
      [&] {
        json out = json::array();
        for (const auto& x : e.platform.calls("POST", "/v1/reference-requests")) {
          auto opp = str(x["body"], "opportunity_id");
          if (x["status"].is_null() && std::find(late.begin(), late.end(), opp) != late.end())
            out.push_back(opp);
        }
        return out;
      },
      [](const json& v) { return !v.empty(); });
  e.daemon->kill9();
  e.platform.clear_delays();
  e.daemon->start();
  for (const auto& opp : late) e.wait_state("acme", opp, {"awaiting_references"}, 30s);
  wait_for(
      "the calls cut off by the kill to finish at platform-sim",
      [&] {
        int open = 0;
        for (const auto& x : e.platform.calls("POST", "/v1/reference-requests"))
          open += x["status"].is_null();
        return json(open);
      },
      [](const json& n) { return n.get<int>() == 0; });
  for (const auto& opp : opps) check_one_request(e, "acme", opp);
  for (const auto& opp : late) check_one_request(e, "acme", opp);
  stays(
      "one platform request per candidate",
      [&] { return e.platform.requests().size() == opps.size() + late.size(); }, 1000ms);
}

// ---------------------------------------------------------------------------------------------
// 8

BOOST_AUTO_TEST_CASE(health_readiness_and_metrics_answer_and_sigterm_drains_to_exit_0) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  auto h = http("GET", e.daemon->public_url() + "/healthz");
  BOOST_CHECK_MESSAGE(h.status == 200 && h.j.value("ok", false) == true,
                      "GET /healthz: " << h.describe());
  auto r = http("GET", e.daemon->public_url() + "/readyz");
  BOOST_CHECK_MESSAGE(r.status == 200, "GET /readyz: " << r.describe());

  e.request_to_awaiting(org, "opp-1");
  const std::string m = e.daemon->metrics();
  BOOST_CHECK_MESSAGE(m.find("vouch_http_requests_total") != std::string::npos,
                      "GET /metrics lacks vouch_http_requests_total:\n"
                          << m);
  BOOST_CHECK_MESSAGE(m.find("vouch_lmdb_commit_batch_size") != std::string::npos,
                      "GET /metrics lacks vouch_lmdb_commit_batch_size:\n"
                          << m);
  BOOST_CHECK_MESSAGE(metric_sum(m, "vouch_http_requests_total", "lever_stage_change") >= 1,
                      "vouch_http_requests_total does not count the stage-change webhook");
  auto unauth = e.daemon->admin("GET", "/admin/v1/orgs", nullptr, std::string("wrong-token"));
  BOOST_CHECK_MESSAGE(unauth.status == 401, "admin with a wrong token: " << unauth.describe());

  auto code = e.daemon->stop();
  BOOST_CHECK_MESSAGE(code && *code == 0,
                      "vouchd after SIGTERM: expected exit 0, got "
                          << (code ? std::to_string(*code) : std::string("no exit in time")));
  BOOST_CHECK(!e.daemon->running());
  auto gone = http("GET", e.daemon->public_url() + "/healthz", "", {}, 2s);
  BOOST_CHECK_MESSAGE(gone.status == 0, "/healthz still answers after exit: " << gone.describe());

  // What was acknowledged before the stop is still there after a restart.
  e.daemon->start();
  json c = e.daemon->candidate("acme", "opp-1");
  BOOST_CHECK_MESSAGE(str(c, "state") == "awaiting_references",
                      "after a clean restart: " << c.dump());
}

// ---------------------------------------------------------------------------------------------
// 9

BOOST_AUTO_TEST_CASE(the_owner_follow_up_email_records_a_hire_only_on_a_confirmed_post) {
  env e(json{{"timing", {{"hire_followup_after", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  const std::string rid = e.request_to_awaiting(org, "opp-1");
  BOOST_CHECK_EQUAL(
      e.platform.complete(rid, e.platform.url() + "/reports/" + rid).value("status", 0), 200);
  e.wait_state("acme", "opp-1", {"awaiting_owner_response"});
  json msgs = wait_for(
      "a follow-up .eml in mail.dir/new", [&] { return mails(e.daemon->maildir()); },
      [](const json& v) { return !v.empty(); });
  stays(
      "exactly one follow-up email", [&] { return mails(e.daemon->maildir()).size() == 1; }, 500ms);
  const std::string text = str(msgs[0], "text");
  BOOST_CHECK_MESSAGE(str(msgs[0], "file").size() > 4 &&
                          str(msgs[0], "file").substr(str(msgs[0], "file").size() - 4) == ".eml",
                      "mail file name " << str(msgs[0], "file"));
  BOOST_CHECK_MESSAGE(
      mail_header(text, "To").find("olivia.owner@acme.example") != std::string::npos,
      "follow-up To: " << mail_header(text, "To"));
  auto links = hire_links(text, e.daemon->public_url());
  BOOST_REQUIRE_MESSAGE(links.size() == 2 && links.count("hired") && links.count("not_hired"),
                        "expected two hire links in the email:\n"
                            << text);

  const std::string url = links["hired"];
  const std::string prefix = e.daemon->public_url() + "/hire-confirmation/";
  const std::string token = url.substr(prefix.size(), url.find('?') - prefix.size());
  std::vector<std::string> tampered;
  for (std::size_t pos : {std::size_t{0}, token.size() / 2, token.size() - 1})
    tampered.push_back(flip_char(token, pos));
  tampered.push_back("not-a-token");
  for (const auto& bad : tampered) {
    auto g = http("GET", prefix + bad + "?answer=hired");
    auto p = post_form(prefix + bad + "?answer=hired", "hired");
    BOOST_CHECK_MESSAGE(g.status == 400, "GET with tampered token " << bad << ": " << g.describe());
    BOOST_CHECK_MESSAGE(p.status == 400,
                        "POST with tampered token " << bad << ": " << p.describe());
  }

  auto g = http("GET", url);
  BOOST_CHECK_MESSAGE(g.status == 200 && is_html(g), "GET hired link: " << g.describe());
  BOOST_CHECK_MESSAGE(
      g.body.find("Grace Hopper") != std::string::npos &&
          g.body.find("Senior Engineer") != std::string::npos,
      "the confirmation page should name the candidate and the posting: " << g.describe());
  stays(
      "opening the links (GET, as mail scanners do) records no answer",
      [&] {
        return str(e.daemon->candidate("acme", "opp-1"), "state") == "awaiting_owner_response" &&
               e.lever.calls("PUT", "/v1/opportunities/opp-1/archived").empty();
      },
      1000ms);

  auto p = post_form(url, "hired");
  BOOST_CHECK_MESSAGE(p.status == 200 && is_html(p), "POST answer=hired: " << p.describe());
  json c = e.wait_state("acme", "opp-1", {"hired"});
  BOOST_CHECK_MESSAGE(c.value("hired", false) == true && c["hired_at"].is_number(),
                      "hired/hired_at: " << c.dump());
  json arch = wait_for(
      "PUT /v1/opportunities/opp-1/archived",
      [&] { return e.lever.ok_calls("PUT", "/v1/opportunities/opp-1/archived"); },
      [](const json& v) { return !v.empty(); });
  BOOST_CHECK_EQUAL(str(arch[0]["body"], "reason"), "ar-hired");
  BOOST_CHECK_MESSAGE(arch[0]["query"].dump().find("user-recruiter") != std::string::npos,
                      "archive without perform_as: " << arch[0]["query"]);
  json hs = wait_for(
      "POST /v1/hiring-status", [&] { return e.platform.hiring_status("acme", "opp-1"); },
      [](const json& v) { return !v.empty(); });
  BOOST_CHECK_MESSAGE(
      hs[0]["body"].value("hired", false) == true && str(hs[0]["body"], "source") == "owner_email",
      "hiring-status: " << hs[0]["body"]);
  wait_for(
      "a second Lever note recording the hire",
      [&] { return json(e.lever.note_values("opp-1").size()); },
      [](const json& n) { return n.get<std::size_t>() >= 2; });

  auto again = post_form(url, "hired");
  BOOST_CHECK_MESSAGE(again.status == 200, "second POST: " << again.describe());
  auto other = post_form(links["not_hired"], "not_hired");
  BOOST_CHECK_MESSAGE(other.status == 200, "not_hired POST after the answer: " << other.describe());
  stays(
      "the recorded answer stays after more clicks",
      [&] {
        if (str(e.daemon->candidate("acme", "opp-1"), "state") != "hired") return false;
        if (e.lever.calls("PUT", "/v1/opportunities/opp-1/archived").size() != 1) return false;
        for (const auto& x : e.platform.hiring_status("acme", "opp-1"))
          if (x["body"].value("hired", false) != true) return false;
        return true;
      },
      1000ms);
}

// ---------------------------------------------------------------------------------------------
// 10

BOOST_AUTO_TEST_CASE(an_open_request_is_reminded_once_then_expired_and_a_new_trigger_restarts) {
  env e(json{{"timing", {{"reference_reminder_after", "1s"}, {"request_expiry_after", "2s"}}}});
  auto org = e.setup_org("acme", default_templates());
  const std::string rid1 = e.request_to_awaiting(org, "opp-1");
  // The timers are durable: a kill -9 right away changes nothing about them.
  e.daemon->kill9();
  e.daemon->start();
  e.wait_state("acme", "opp-1", {"expired"});
  wait_for(
      "the expire call to reach platform-sim",
      [&] { return e.platform.calls("POST", "/v1/reference-requests/" + rid1 + "/expire"); },
      [](const json& v) { return !v.empty(); });
  json remind = e.platform.calls("POST", "/v1/reference-requests/" + rid1 + "/remind");
  json expire = e.platform.calls("POST", "/v1/reference-requests/" + rid1 + "/expire");
  BOOST_CHECK_EQUAL(remind.size(), 1u);
  BOOST_CHECK_EQUAL(expire.size(), 1u);
  if (!remind.empty() && !expire.empty())
    BOOST_CHECK_MESSAGE(remind[0].value("t", int64_t{0}) <= expire[0].value("t", int64_t{0}),
                        "remind should come before expire");

  // A new entry into the trigger stage: in Lever the candidate leaves it and comes back
  // (an entry into the stage it already sits in is not a new one).
  expect_accepted(e.stage_change(org, "opp-1", "stage-phone"), "a move out after expiry");
  expect_accepted(e.stage_change(org, "opp-1"), "a new trigger stage change after expiry");
  json reqs = wait_for(
      "a second reference request for opp-1", [&] { return e.platform.requests("acme", "opp-1"); },
      [](const json& v) { return v.size() == 2; });
  std::string rid2;
  for (const auto& r : reqs)
    if (str(r, "request_id") != rid1) rid2 = str(r, "request_id");
  BOOST_REQUIRE(!rid2.empty());
  BOOST_CHECK_MESSAGE(str(reqs[0], "idempotency_key") != str(reqs[1], "idempotency_key"),
                      "a fresh request must use a new idempotency key");
  // The fresh request has its own reminder and expiry timers.
  wait_for(
      "the fresh request " + rid2 + " to be reminded once and expired",
      [&] {
        for (const auto& r : e.platform.requests("acme", "opp-1"))
          if (str(r, "request_id") == rid2) return r;
        return json();
      },
      [](const json& r) {
        return r.is_object() && r.value("reminders", 0) == 1 && r.value("expired", false);
      });
  json c = e.wait_state("acme", "opp-1", {"expired"});
  BOOST_CHECK_EQUAL(str(c, "request_id"), rid2);
  BOOST_CHECK_EQUAL(e.platform.calls("POST", "/v1/reference-requests/" + rid1 + "/remind").size(),
                    1u);
  check_history(c,
                {"awaiting_references", "expired", "resolving", "awaiting_references", "expired"},
                "expiry and restart");
}

// ---------------------------------------------------------------------------------------------
// dedupe keys are kept 30 days, then pruned

BOOST_AUTO_TEST_CASE(dedupe_keys_older_than_30_days_are_pruned_and_newer_ones_kept) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  json body;
  expect_accepted(e.stage_change(org, "opp-1", "stage-phone", std::nullopt, &body), "delivery");
  BOOST_REQUIRE(e.daemon->stop() == 0);
  const auto store = e.dir.path() + "/data";
  {
    std::string err;
    auto db = vouch::storage::database::open(store, 64ull << 20, err);
    BOOST_REQUIRE_MESSAGE(db, err);
    vouch::storage::write_set ws;
    for (int i = 0; i < 3; ++i)
      vouch::storage::put_dedupe(ws, "old-delivery-" + std::to_string(i),
                                 now_ms() - 31LL * 86400000);
    vouch::storage::put_dedupe(ws, "recent-delivery", now_ms() - 29LL * 86400000);
    BOOST_REQUIRE(db->commit(ws, err) == vouch::storage::commit_error::none);
  }
  e.daemon->start();
  wait_for(
      "the pruning of three old dedupe keys",
      [&] { return json(metric_sum(e.daemon->metrics(), "vouch_dedupe_pruned_total")); },
      [](const json& n) { return n.get<double>() >= 3; }, 20s);
  BOOST_REQUIRE(e.daemon->stop() == 0);
  std::string err;
  auto db = vouch::storage::database::open(store, 64ull << 20, err);
  BOOST_REQUIRE(db);
  BOOST_TEST((vouch::storage::read_dedupe(*db, "old-delivery-0").status ==
              vouch::storage::read_status::not_found));
  BOOST_TEST((vouch::storage::read_dedupe(*db, "recent-delivery").status ==
              vouch::storage::read_status::found));
  db.reset();
  e.daemon->start();
  // The delivery from before is still recognised.
  expect_accepted(post_webhook(*e.daemon, "acme", "stage-change", body.dump()), "redelivery",
                  "duplicate");
}

// ---------------------------------------------------------------------------------------------
// resident actors are bounded by [actors] max_resident

// Idle actors leave after passivate_after, more of them than one stop slice (256) holds.
BOOST_AUTO_TEST_CASE(every_idle_actor_leaves_memory_after_passivate_after) {
  env e(json{{"timing", {{"passivate_after", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  for (int i = 0; i < 300; ++i)
    expect_accepted(e.stage_change(org, "idle-" + std::to_string(i), "stage-phone"), "delivery");
  auto sys = e.daemon->admin_ok("GET", "/admin/v1/system");
  BOOST_TEST(sys["actors"].value("resident", 0) >= 1, "actors are resident right after");
  wait_for(
      "every idle actor passivated", [&] { return e.daemon->admin_ok("GET", "/admin/v1/system"); },
      [](const json& s) { return s["actors"].value("resident", 1000) == 0; }, 10s);
  // A passivated candidate comes back with its state when its next event arrives.
  expect_accepted(e.stage_change(org, "idle-299", "stage-offer"), "second delivery");
  auto c = wait_for(
      "idle-299's second history entry", [&] { return e.daemon->candidate("acme", "idle-299"); },
      [](const json& c) { return c.value("history", json::array()).size() == 2; });
  BOOST_TEST(c["history"][1].value("seq", 0) == 2);
}

BOOST_AUTO_TEST_CASE(resident_actors_stay_within_max_resident_and_reload_their_state) {
  env e(json{{"actors", {{"max_resident", 100}}}, {"timing", {{"passivate_after", "1h"}}}});
  auto org = e.setup_org("acme", default_templates());
  for (int i = 0; i < 160; ++i)
    expect_accepted(e.stage_change(org, "bulk-" + std::to_string(i), "stage-phone"), "delivery");
  auto sys = wait_for(
      "resident actors back within the bound",
      [&] { return e.daemon->admin_ok("GET", "/admin/v1/system"); },
      [](const json& s) { return s["actors"].value("resident", 1000) <= 100; }, 15s);
  BOOST_TEST(sys["actors"].value("total", 0) == 160);
  BOOST_TEST(metric_sum(e.daemon->metrics(), "vouch_actor_early_passivations_total") >= 60);
  // The first candidate left memory; its next event finds its history in LMDB.
  expect_accepted(e.stage_change(org, "bulk-0", "stage-offer"), "second delivery");
  auto c = wait_for(
      "bulk-0's second history entry", [&] { return e.daemon->candidate("acme", "bulk-0"); },
      [](const json& c) { return c.value("history", json::array()).size() == 2; });
  BOOST_TEST(c["history"][1].value("seq", 0) == 2);
}
