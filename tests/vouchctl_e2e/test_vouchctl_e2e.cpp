// vouchctl end to end: the built vouchctl binary against a running vouchd with lever-sim and
// platform-sim (the tests/e2e harness). Every command in docs/reference.md#vouchctl runs at
// least once, --json outputs are parsed and checked against the daemon's state, and the
// exit codes 1 (error answer), 2 (usage) and 3 (unreachable) are checked.
#define BOOST_TEST_MODULE vouchctl_e2e
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/harness.hpp"
#include "tests/support/run_command.hpp"

using namespace vouch::e2e;

namespace {

// -- running vouchctl ----------------------------------------------------------------------

struct result {
  int code = -1;
  std::string out, err;
  /// stdout parsed as JSON (null when it is not JSON).
  json j() const {
    json v = json::parse(out, nullptr, false);
    return v.is_discarded() ? json(nullptr) : v;
  }
  std::string describe() const {
    return "exit " + std::to_string(code) + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
};

/// Runs vouchctl with `args`, a clean environment (PATH, LANG) and stdin /dev/null.
result run(const std::vector<std::string>& args) {
  auto r = vouch::test_support::run_command(VOUCHCTL_BIN, args);
  return {r.code, std::move(r.out), std::move(r.err)};
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// vouchctl pointed at the env's vouchd with its admin token.
struct ctl_runner {
  env& e;
  std::string token() const {
    return e.daemon->config()["security"]["admin_token"].get<std::string>();
  }
  result operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--admin", e.daemon->admin_url(), "--token", token()});
    return run(args);
  }
  /// Must exit 0; returns the result.
  result ok(std::vector<std::string> args) const {
    auto r = (*this)(args);
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    BOOST_REQUIRE_MESSAGE(r.code == 0, "vouchctl" << cmd << ": " << r.describe());
    return r;
  }
  /// With --json; must exit 0 and print JSON; returns it.
  json json_of(std::vector<std::string> args) const {
    args.insert(args.begin(), "--json");
    auto r = ok(args);
    json j = r.j();
    BOOST_REQUIRE_MESSAGE(!j.is_null(), "vouchctl --json printed no JSON: " << r.describe());
    return j;
  }
};

std::string id_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

org_handle new_org(env& e, const std::string& id) {
  org_handle org;
  org.id = id;
  org.api_key = "key-" + id + "-" + random_hex(4);
  org.stage_token = "stage-tok-" + random_hex(8);
  org.hired_token = "hired-tok-" + random_hex(8);
  e.lever.add_key(org.api_key);
  return org;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_operator_session_runs_every_command_against_a_real_vouchd) {
  env e;
  ctl_runner ctl{e};

  // -- orgs --
  auto created = ctl.ok({"orgs", "create", "acme", "--name", "Acme"});
  BOOST_CHECK_MESSAGE(has(created.out, "created org acme"), created.out);
  json renamed = ctl.json_of({"orgs", "create", "acme", "--name", "Acme Corp"});
  BOOST_CHECK_EQUAL(renamed.value("id", ""), "acme");
  BOOST_CHECK_EQUAL(renamed.value("name", ""), "Acme Corp");
  ctl.ok({"orgs", "create", "beta", "--name", "Beta Labs"});
  json orgs = ctl.json_of({"orgs", "ls"});
  BOOST_REQUIRE_EQUAL(orgs["items"].size(), 2u);
  BOOST_CHECK_EQUAL(orgs["items"][0]["id"], "acme");
  BOOST_CHECK(orgs["next_cursor"].is_null());
  BOOST_CHECK(has(ctl.ok({"orgs", "ls"}).out, "Acme Corp"));
  BOOST_CHECK_EQUAL(ctl.json_of({"orgs", "show", "acme"}).value("connected", true), false);

  // -- connect with a stage NAME, resolved through Lever's live stage list --
  org_handle org = new_org(e, "acme");
  auto conn = ctl.ok({"connect", "acme", "--api-key", org.api_key, "--stage-token", org.stage_token,
                      "--hired-token", org.hired_token, "--trigger-stage", "reference CHECK",
                      "--perform-as", "user-recruiter", "--lever-url", e.lever.base_url()});
  BOOST_CHECK_MESSAGE(has(conn.out, "stage-refcheck") && has(conn.out, "Reference check"),
                      conn.out);
  json lever = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/lever");
  BOOST_CHECK_EQUAL(lever["trigger_stage_ids"], json({"stage-refcheck"}));
  BOOST_CHECK_EQUAL(lever["api_key"], "set");
  BOOST_CHECK_EQUAL(lever["perform_as"], "user-recruiter");
  json shown = ctl.json_of({"orgs", "show", "acme"});
  // --json carries the connection block too (secrets masked as in the text form).
  BOOST_CHECK_MESSAGE(shown["connection"].is_object() &&
                          shown["connection"]["trigger_stage_ids"].dump().find("stage-refcheck") !=
                              std::string::npos,
                      shown);
  BOOST_CHECK_EQUAL(shown.value("connected", false), true);
  BOOST_CHECK(has(ctl.ok({"orgs", "show", "acme"}).out, "stage-refcheck"));
  auto bad_stage =
      ctl({"connect", "beta", "--api-key", org.api_key, "--stage-token", "t", "--hired-token", "h",
           "--trigger-stage", "No such stage", "--lever-url", e.lever.base_url()});
  BOOST_CHECK_MESSAGE(bad_stage.code == 1 && has(bad_stage.err, "unknown trigger stage"),
                      bad_stage.describe());

  // -- webhook-urls --
  json urls = ctl.json_of({"webhook-urls", "acme"});
  BOOST_CHECK_EQUAL(urls.value("stage_change", ""),
                    e.daemon->public_url() + "/webhooks/lever/acme/stage-change");
  BOOST_CHECK_EQUAL(urls.value("hired", ""), e.daemon->public_url() + "/webhooks/lever/acme/hired");
  BOOST_CHECK(has(ctl.ok({"webhook-urls", "acme"}).out, "/webhooks/lever/acme/hired"));

  // -- templates apply / ls / show / match / rm --
  const std::string file = e.dir.path() + "/templates.json";
  std::ofstream(file) << json(default_templates()).dump(2);
  json applied = ctl.json_of({"templates", "apply", "acme", file});
  BOOST_REQUIRE_MESSAGE(applied.is_array() && applied.size() == 3u, applied);
  std::map<std::string, std::string> tpl;
  for (const auto& t : applied) tpl[t["name"].get<std::string>()] = id_text(t["id"]);
  json tpls = ctl.json_of({"templates", "ls", "acme"});
  BOOST_CHECK_EQUAL(tpls["items"].size(), 3u);
  json eng = ctl.json_of({"templates", "show", "acme", tpl["Engineering"]});
  BOOST_CHECK_EQUAL(eng.value("ats_tag", ""), "engineering");
  BOOST_CHECK_EQUAL(eng["request"].value("survey_id", ""), "eng-v2");
  BOOST_CHECK(has(ctl.ok({"templates", "show", "acme", tpl["Engineering"]}).out, "eng-v2"));
  // Updating through apply: a template with its id is a PUT.
  json upd = eng;
  upd["priority"] = 5;
  std::ofstream(file, std::ios::trunc) << upd.dump();
  BOOST_CHECK_EQUAL(ctl.json_of({"templates", "apply", "acme", file}).value("priority", 0), 5);

  json by_tags = ctl.json_of({"templates", "match", "acme", "--tags", "Remote,engineering"});
  BOOST_CHECK_MESSAGE(!by_tags.contains("computed_by"), "vouchctl did not use the route");
  BOOST_CHECK_EQUAL(by_tags["template"].value("id", ""), tpl["Engineering"]);
  BOOST_CHECK_MESSAGE(has(by_tags.value("why", ""), "matches tag"), by_tags);
  json fallback = ctl.json_of({"templates", "match", "acme", "--tags", "ops"});
  BOOST_CHECK_EQUAL(fallback["template"].value("id", ""), tpl["General"]);
  json by_posting = ctl.json_of({"templates", "match", "acme", "--posting", "post-sales"});
  BOOST_CHECK_EQUAL(by_posting["template"].value("id", ""), tpl["Sales"]);
  BOOST_CHECK_EQUAL(by_posting["tags"], json({"Sales"}));
  auto human_match = ctl.ok({"templates", "match", "acme", "--posting", "post-eng"});
  BOOST_CHECK_MESSAGE(has(human_match.out, tpl["Engineering"]) && has(human_match.out, "why"),
                      human_match.out);
  auto unknown_posting = ctl({"templates", "match", "acme", "--posting", "post-nope"});
  BOOST_CHECK_MESSAGE(unknown_posting.code == 1 && has(unknown_posting.err, "lever_error"),
                      unknown_posting.describe());

  const std::string extra = id_text(ctl.json_of({"templates", "apply", "acme", [&] {
                                                   std::ofstream(file, std::ios::trunc)
                                                       << make_template("Temp", "temp").dump();
                                                   return file;
                                                 }()})["id"]);
  BOOST_CHECK(has(ctl.ok({"templates", "rm", "acme", extra}).out, "deleted " + extra));
  BOOST_CHECK_EQUAL(ctl.json_of({"templates", "ls", "acme"})["items"].size(), 3u);
  BOOST_CHECK_EQUAL(ctl({"templates", "rm", "acme", extra}).code, 1);

  // -- a candidate through the whole flow; candidates ls / show --
  const std::string rid = e.request_to_awaiting(org, "opp-1");
  BOOST_REQUIRE_EQUAL(e.platform.complete(rid, "").value("status", 0), 200);
  e.wait_state("acme", "opp-1", {"awaiting_hire_decision"});
  json cands = ctl.json_of({"candidates", "ls", "acme"});
  BOOST_REQUIRE_EQUAL(cands["items"].size(), 1u);
  BOOST_CHECK_EQUAL(cands["items"][0]["state"], "awaiting_hire_decision");
  BOOST_CHECK_EQUAL(cands["items"][0]["template_id"], tpl["Engineering"]);
  BOOST_CHECK_EQUAL(ctl.json_of({"candidates", "ls", "acme", "--state", "idle"})["items"].size(),
                    0u);
  json cand = ctl.json_of({"candidates", "show", "acme", "opp-1"});
  BOOST_CHECK_EQUAL(cand.value("state", ""), "awaiting_hire_decision");
  BOOST_CHECK_GE(cand["history"].size(), 4u);
  BOOST_CHECK(cand.contains("actor"));
  auto human = ctl.ok({"candidates", "show", "acme", "opp-1"});
  BOOST_CHECK_MESSAGE(has(human.out, "history:") && has(human.out, "report_ready") &&
                          has(human.out, "Grace Hopper"),
                      human.out);
  BOOST_CHECK(has(ctl.ok({"candidates", "ls", "acme"}).out, "opp-1"));
  auto no_retry = ctl({"candidates", "retry", "acme", "opp-1"});
  BOOST_CHECK_MESSAGE(no_retry.code == 1 && has(no_retry.err, "conflict"), no_retry.describe());

  // -- a dead letter, outbox ls --dead, outbox retry --
  const std::string rid2 = e.request_to_awaiting(org, "opp-2");
  e.lever.fault({{"method", "POST"},
                 {"path", "/v1/opportunities/opp-2/addLinks"},
                 {"status", 400},
                 {"count", nullptr},
                 {"body", {{"code", "BadRequest"}, {"message", "links: invalid"}}}});
  BOOST_REQUIRE_EQUAL(e.platform.complete(rid2, "").value("status", 0), 200);
  e.wait_state("acme", "opp-2", {"needs_attention"});
  json dead = wait_for(
      "one dead command in `vouchctl outbox ls --dead --json`",
      [&] {
        return ctl.json_of({"outbox", "ls", "--dead"})["items"];
      },
      [](const json& v) { return v.size() == 1; });
  BOOST_CHECK_EQUAL(dead[0]["kind"], "lever.add_links");
  BOOST_CHECK_EQUAL(dead[0]["status"], "dead");
  BOOST_CHECK(has(ctl.ok({"outbox", "ls", "--dead"}).out, "lever.add_links"));
  ctl.json_of({"outbox", "ls"});  // pending list parses too
  e.lever.clear_faults();
  const std::string dead_id = id_text(dead[0]["id"]);
  BOOST_CHECK(has(ctl.ok({"outbox", "retry", dead_id}).out, "requeued"));
  e.wait_state("acme", "opp-2", {"awaiting_hire_decision"});
  BOOST_CHECK(ctl.json_of({"outbox", "ls", "--dead"})["items"].empty());
  BOOST_CHECK_EQUAL(ctl({"outbox", "retry", dead_id}).code, 1);  // not dead any more

  // -- candidates resend: an admin resend starts a fresh request even after a report --
  auto resend = ctl({"candidates", "resend", "acme", "opp-2"});
  BOOST_CHECK_MESSAGE(resend.code == 0 && has(resend.out, "resend accepted"), resend.describe());
  wait_for(
      "a second reference request for opp-2", [&] { return e.platform.requests("acme", "opp-2"); },
      [](const json& v) { return v.size() == 2; });
  e.wait_state("acme", "opp-2", {"awaiting_references"});
  BOOST_CHECK_EQUAL(ctl({"candidates", "resend", "acme", "opp-404"}).code, 1);

  // -- export start --watch; export show --
  for (int i = 0; i < 3; ++i)
    e.platform.control("POST", "prospect",
                       {{"org", "acme"},
                        {"prospect",
                         {{"id", "p-" + std::to_string(i)},
                          {"name", "Prospect " + std::to_string(i)},
                          {"emails", {"prospect" + std::to_string(i) + "@example.com"}},
                          {"phones", json::array()},
                          {"headline", "Engineer"}}}});
  json exp = ctl.json_of({"export", "start", "acme", "--watch"});
  BOOST_CHECK_EQUAL(exp.value("state", ""), "done");
  BOOST_CHECK_EQUAL(exp.value("total", 0), 3);
  BOOST_CHECK_EQUAL(exp.value("done", 0) + exp.value("skipped", 0) + exp.value("failed", 0), 3);
  const std::string exp_id = exp.value("id", "");
  BOOST_CHECK_EQUAL(ctl.json_of({"export", "show", exp_id}).value("state", ""), "done");
  auto watched = ctl.ok({"export", "show", exp_id, "--watch"});
  BOOST_CHECK_MESSAGE(has(watched.out, "done"), watched.out);
  json listed = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/exports");
  BOOST_CHECK_EQUAL(listed["items"][0].value("id", ""), exp_id);
  auto started = ctl.ok({"export", "start", "acme"});
  BOOST_CHECK_MESSAGE(has(started.out, "started"), started.out);
  // -- export ls / cancel --
  json exports = ctl.json_of({"export", "ls", "acme"});
  BOOST_CHECK_EQUAL(exports["items"].size(), 2u);
  auto table_ls = ctl.ok({"export", "ls", "acme"});
  BOOST_CHECK_MESSAGE(has(table_ls.out, exp_id) && has(table_ls.out, "STATE"), table_ls.out);
  const std::string second = exports["items"][0].value("id", "");
  auto cancelled = ctl({"export", "cancel", second});
  // The second export may have finished already (409) or be cancelled now (0).
  BOOST_CHECK_MESSAGE(
      (cancelled.code == 0 && has(cancelled.out, "cancelled")) || cancelled.code == 1,
      cancelled.describe());
  BOOST_CHECK_EQUAL(ctl({"export", "cancel", "exp-404"}).code, 1);

  // -- templates apply from stdin --
  const std::string piped_file = e.dir.path() + "/piped.json";
  std::ofstream(piped_file) << make_template("Piped", "piped").dump();
  auto piped = vouch::test_support::run_command(
      "/bin/sh",
      {"-c", "cat '" + piped_file + "' | '" + VOUCHCTL_BIN + "' --json --admin " +
                 e.daemon->admin_url() + " --token " + ctl.token() + " templates apply acme -"});
  BOOST_CHECK_MESSAGE(
      piped.code == 0 && has(piped.out, "\"Piped\""),
      "templates apply - from stdin: exit " << piped.code << " " << piped.out << piped.err);

  // -- top --once --
  json sys = ctl.json_of({"top", "--once"});
  BOOST_CHECK(sys.value("ready", false));
  BOOST_CHECK_EQUAL(sys["actors"]["by_org"]["acme"].value("total", 0), 2);
  BOOST_CHECK(sys["store"]["commit_batch"].value("count", 0) > 0);
  BOOST_CHECK(sys.contains("outbox"));
  auto top = ctl.ok({"top", "--once"});
  BOOST_CHECK_MESSAGE(has(top.out, "actors") && has(top.out, "storage"), top.out);
}

BOOST_AUTO_TEST_CASE(errors_exit_1_for_answers_2_for_usage_and_3_when_unreachable) {
  env e;
  ctl_runner ctl{e};
  ctl.ok({"orgs", "create", "acme", "--name", "Acme"});

  // 1: the daemon answered an error.
  auto unknown = ctl({"orgs", "show", "nosuch"});
  BOOST_CHECK_MESSAGE(unknown.code == 1 && has(unknown.err, "not_found"), unknown.describe());
  BOOST_CHECK(unknown.out.empty());
  auto unknown_json = ctl({"--json", "candidates", "ls", "nosuch"});
  BOOST_CHECK_MESSAGE(unknown_json.code == 1, unknown_json.describe());
  BOOST_CHECK_EQUAL(ctl({"candidates", "show", "acme", "opp-404"}).code, 1);
  BOOST_CHECK_EQUAL(ctl({"webhook-urls", "nosuch"}).code, 1);
  BOOST_CHECK_EQUAL(ctl({"export", "show", "exp-404"}).code, 1);
  auto not_connected = ctl({"export", "start", "acme"});
  BOOST_CHECK_MESSAGE(not_connected.code == 1 && has(not_connected.err, "not_connected"),
                      not_connected.describe());
  auto bad_name = ctl({"orgs", "create", "Bad Org!", "--name", "x"});
  BOOST_CHECK_MESSAGE(bad_name.code == 1 && has(bad_name.err, "bad_request"), bad_name.describe());
  auto wrong_token = run({"--admin", e.daemon->admin_url(), "--token", "wrong", "orgs", "ls"});
  BOOST_CHECK_MESSAGE(wrong_token.code == 1 && has(wrong_token.err, "unauthorized"),
                      wrong_token.describe());

  // 2: usage errors, nothing sent.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"templates", "ls"},
           {"bogus"},
           {"orgs", "create", "x"},
           {"templates", "match", "acme"},
           {"templates", "match", "acme", "--tags", "a", "--posting", "p"},
           {"templates", "apply", "acme", "/nonexistent.json"}}) {
    auto r = ctl(args);
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    BOOST_CHECK_MESSAGE(r.code == 2, "vouchctl" << cmd << ": " << r.describe());
  }
  const std::string bad_json = e.dir.path() + "/bad.json";
  std::ofstream(bad_json) << "{not json";
  BOOST_CHECK_EQUAL(ctl({"templates", "apply", "acme", bad_json}).code, 2);

  // 3: nobody listens.
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(free_port());
  auto down = run({"--admin", nowhere, "--token", "t", "orgs", "ls"});
  BOOST_CHECK_MESSAGE(down.code == 3, down.describe());
  BOOST_CHECK_EQUAL(run({"--admin", nowhere, "--token", "t", "--json", "top", "--once"}).code, 3);
  e.daemon->kill9();
  BOOST_CHECK_EQUAL(ctl({"orgs", "ls"}).code, 3);
}

BOOST_AUTO_TEST_CASE(a_refused_key_fails_connect_and_health_says_what_to_fix) {
  env e;
  ctl_runner ctl{e};
  ctl.ok({"orgs", "create", "acme", "--name", "Acme"});
  org_handle org = new_org(e, "acme");

  // Lever answers 401 to a key it does not know: connect stores it but fails, saying why.
  auto refused =
      ctl({"connect", "acme", "--api-key", "key-typo", "--stage-token", "s", "--hired-token", "h",
           "--trigger-stage", "stage-refcheck", "--lever-url", e.lever.base_url()});
  BOOST_CHECK_MESSAGE(refused.code == 1 && has(refused.err, "Lever refuses the API key") &&
                          has(refused.err, "vouchctl connect acme"),
                      refused.describe());
  auto health = ctl({"orgs", "health", "acme"});
  BOOST_CHECK_MESSAGE(health.code == 0 && has(health.out, "acme: Lever refuses the API key"),
                      health.describe());
  BOOST_CHECK_EQUAL(ctl.json_of({"orgs", "health", "acme"})["lever"]["status"], "unauthorized");

  // 403: the key is known but lacks access.
  e.lever.fault({{"method", "GET"}, {"path", "/v1/stages"}, {"status", 403}, {"count", 1}});
  auto forbidden = ctl({"connect", "acme", "--api-key", org.api_key, "--stage-token", "s",
                        "--hired-token", "h", "--trigger-stage", "stage-refcheck"});
  BOOST_CHECK_MESSAGE(forbidden.code == 1 && has(forbidden.err, "forbids"), forbidden.describe());

  // The right key: connected, healthy.
  ctl.ok({"connect", "acme", "--api-key", org.api_key, "--stage-token", org.stage_token,
          "--hired-token", org.hired_token, "--trigger-stage", "stage-refcheck"});
  health = ctl.ok({"orgs", "health", "acme"});
  BOOST_CHECK_MESSAGE(has(health.out, "acme: healthy"), health.describe());

  // Bulk retry with nothing dead, and its usage rules.
  auto all = ctl.ok({"outbox", "retry", "--all", "--org", "acme"});
  BOOST_CHECK_MESSAGE(has(all.out, "0 dead command(s) requeued"), all.describe());
  BOOST_CHECK_EQUAL(ctl.json_of({"outbox", "retry", "--all"}).value("retried", -1), 0);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"outbox", "retry"},
                                             {"outbox", "retry", "7", "--all"},
                                             {"outbox", "retry", "--org", "acme"}}) {
    auto r = ctl(args);
    BOOST_CHECK_MESSAGE(r.code == 2, r.describe());
  }
  auto bad_kind = ctl({"outbox", "retry", "--all", "--kind", "nonsense"});
  BOOST_CHECK_MESSAGE(bad_kind.code == 1 && has(bad_kind.err, "kind"), bad_kind.describe());
}
