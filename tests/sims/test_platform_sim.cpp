// platform-sim serves the platform API vouchd calls (docs/reference.md#calls-to-the-platform)
// and sends signed events to vouchd.
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/signatures.hpp"
#include "net/http_client.hpp"
#include "tests/sims/sim_test_support.hpp"
#include "tools/lever-sim/sim_http.hpp"
#include "tools/platform-sim/platform_sim.hpp"

using vouch::sim_test::call;
using vouch::sim_test::json;
using vouch::sim_test::receiver;

namespace {

// base64("test-platform-secret-0123456789")
const std::string secret = "whsec_dGVzdC1wbGF0Zm9ybS1zZWNyZXQtMDEyMzQ1Njc4OQ==";

struct platform_fixture {
  platform_fixture() : sim(make_options()) {
    std::string err;
    if (!sim.start(err)) BOOST_FAIL("platform-sim start: " + err);
    if (!vouch::core::platform_key_from_secret(secret, key, err)) BOOST_FAIL(err);
  }
  static vouch::platform_sim::options make_options() {
    vouch::platform_sim::options o;
    o.secret = secret;
    return o;
  }
  // A POST signed as vouchd signs it, optionally with an Idempotency-Key.
  vouch::sim_test::reply signed_post(const std::string& path, const json& body,
                                     const std::string& idem = "", const std::string& id = "") {
    std::string raw = body.dump();
    std::string msg_id = id.empty() ? "msg-" + std::to_string(++n) : id;
    int64_t ts = vouch::sim::now_s();
    std::vector<std::pair<std::string, std::string>> h = {
        {"webhook-id", msg_id},
        {"webhook-timestamp", std::to_string(ts)},
        {"webhook-signature", vouch::core::platform_signature(key, msg_id, ts, raw)}};
    if (!idem.empty()) h.emplace_back("Idempotency-Key", idem);
    return call(client, "POST", sim.url() + path, body, "", h);
  }
  json request_body(const std::string& opp = "opp-1") {
    return {{"org", "acme"},
            {"opportunity_id", opp},
            {"candidate", {{"name", "Grace Hopper"}, {"email", "grace@example.com"}}}};
  }

  vouch::platform_sim::server sim;
  vouch::net::http_client client;
  std::string key;
  int n = 0;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(platform_sim, platform_fixture)

BOOST_AUTO_TEST_CASE(an_unsigned_or_badly_signed_call_gets_401_bad_signature) {
  auto unsigned_call = call(client, "POST", sim.url() + "/v1/hiring-status", {{"hired", true}}, "",
                            {{"Idempotency-Key", "x"}});
  BOOST_TEST(unsigned_call.status == 401);
  BOOST_TEST(unsigned_call.body["error"]["code"] == "bad_signature");
  json body = {
      {"org", "acme"}, {"opportunity_id", "opp-1"}, {"hired", true}, {"source", "platform"}};
  auto forged = call(client, "POST", sim.url() + "/v1/hiring-status", body, "",
                     {{"webhook-id", "m1"},
                      {"webhook-timestamp", std::to_string(vouch::sim::now_s())},
                      {"webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}});
  BOOST_TEST(forged.status == 401);
  BOOST_TEST(signed_post("/v1/hiring-status", body).status == 200);
  auto calls = call(client, "GET", sim.url() + "/_sim/calls").body["calls"];
  BOOST_REQUIRE(calls.size() == 3u);
  BOOST_TEST(calls[0]["sig_ok"] == false);
  BOOST_TEST(calls[1]["sig_ok"] == false);
  BOOST_TEST(calls[2]["sig_ok"] == true);
  BOOST_TEST(calls[2]["headers"]["webhook-id"].is_string());
}

BOOST_AUTO_TEST_CASE(the_same_idempotency_key_returns_the_same_request_id) {
  auto a = signed_post("/v1/reference-requests", request_body(), "idem-1");
  BOOST_TEST(a.status == 201);
  auto again = signed_post("/v1/reference-requests", request_body(), "idem-1");
  BOOST_TEST(again.status == 201);
  BOOST_TEST(again.body["request_id"] == a.body["request_id"]);
  auto b = signed_post("/v1/reference-requests", request_body("opp-2"), "idem-2");
  BOOST_TEST(b.body["request_id"] != a.body["request_id"]);
  BOOST_TEST(signed_post("/v1/reference-requests", request_body()).status == 400);  // no key
  BOOST_TEST(signed_post("/v1/reference-requests", {{"org", "acme"}}, "idem-3").status == 400);
  auto requests = call(client, "GET", sim.url() + "/_sim/requests").body["requests"];
  BOOST_REQUIRE(requests.size() == 2u);
  BOOST_TEST(requests[0]["idempotency_key"] == "idem-1");
  BOOST_TEST(requests[0]["opportunity_id"] == "opp-1");
  std::string rid = a.body["request_id"].get<std::string>();
  BOOST_TEST(signed_post("/v1/reference-requests/" + rid + "/remind", json::object()).status ==
             200);
  BOOST_TEST(signed_post("/v1/reference-requests/req-99/expire", json::object()).status == 404);
  auto page = call(client, "GET", sim.url() + "/reports/" + rid);
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.raw.find("Grace Hopper") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_injected_fault_fails_the_next_signed_call_only) {
  call(client, "POST", sim.url() + "/_sim/faults",
       {{"method", "POST"}, {"path", "/v1/reference-requests"}, {"status", 503}, {"count", 1}});
  auto failed = signed_post("/v1/reference-requests", request_body(), "idem-1");
  BOOST_TEST(failed.status == 503);
  BOOST_TEST(failed.body["error"]["code"] == "injected");
  BOOST_TEST(failed.headers["retry-after"] == "1");
  auto ok = signed_post("/v1/reference-requests", request_body(), "idem-1");
  BOOST_TEST(ok.status == 201);
  BOOST_TEST(ok.body["request_id"] == "req-1");  // the failed call created nothing
}

BOOST_AUTO_TEST_CASE(complete_posts_a_correctly_signed_event_and_relays_the_answer) {
  receiver vouchd;
  auto created = signed_post("/v1/reference-requests", request_body(), "idem-1");
  std::string rid = created.body["request_id"].get<std::string>();
  BOOST_TEST(call(client, "POST", sim.url() + "/_sim/complete", {{"request_id", rid}}).status ==
             409);  // no vouchd URL yet
  call(client, "POST", sim.url() + "/_sim/config", {{"vouchd_url", vouchd.url()}});
  auto done = call(client, "POST", sim.url() + "/_sim/complete", {{"request_id", rid}});
  BOOST_TEST(done.status == 200);
  BOOST_TEST(done.body["status"] == 200);
  BOOST_TEST(done.body["body"]["accepted"] == true);
  BOOST_REQUIRE(vouchd.wait_for(1));
  const auto req = vouchd.requests()[0];
  BOOST_TEST(req.path == "/platform/v1/events");
  json ev = json::parse(req.body);
  BOOST_TEST(ev["type"] == "report.completed");
  BOOST_TEST(ev["org"] == "acme");
  BOOST_TEST(ev["opportunity_id"] == "opp-1");
  BOOST_TEST(ev["request_id"] == rid);
  BOOST_TEST(ev["report_url"] == sim.url() + "/reports/" + rid);
  BOOST_TEST(req.header("webhook-id") == ev["id"].get<std::string>());
  auto verdict =
      vouch::core::platform_verify(key, req.header("webhook-id"), req.header("webhook-timestamp"),
                                   req.header("webhook-signature"), req.body, vouch::sim::now_s());
  BOOST_TEST(std::string(vouch::core::to_string(verdict)) == "ok");

  vouchd.answer_with({401});
  auto hire = call(client, "POST", sim.url() + "/_sim/hire-status",
                   {{"org", "acme"}, {"opportunity_id", "opp-1"}, {"hired", true}});
  BOOST_TEST(hire.body["status"] == 401);  // vouchd's answer, passed through
  BOOST_REQUIRE(vouchd.wait_for(2));
  BOOST_TEST(json::parse(vouchd.requests()[1].body)["type"] == "hire_status.changed");
}

BOOST_AUTO_TEST_CASE(auto_complete_completes_new_requests_after_the_delay) {
  receiver vouchd;
  vouch::platform_sim::options o = make_options();
  o.vouchd_url = vouchd.url();
  o.auto_complete_after = std::chrono::milliseconds(100);
  vouch::platform_sim::server auto_sim(o);
  std::string err;
  BOOST_REQUIRE(auto_sim.start(err));
  std::string raw = request_body().dump();
  int64_t ts = vouch::sim::now_s();
  auto r = call(client, "POST", auto_sim.url() + "/v1/reference-requests", request_body(), "",
                {{"webhook-id", "m"},
                 {"webhook-timestamp", std::to_string(ts)},
                 {"webhook-signature", vouch::core::platform_signature(key, "m", ts, raw)},
                 {"Idempotency-Key", "auto-1"}});
  BOOST_TEST(r.status == 201);
  BOOST_REQUIRE(vouchd.wait_for(1));
  json ev = json::parse(vouchd.requests()[0].body);
  BOOST_TEST(ev["type"] == "report.completed");
  BOOST_TEST(ev["request_id"] == r.body["request_id"]);
}

BOOST_AUTO_TEST_SUITE_END()
