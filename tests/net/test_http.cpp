// The server and the client against each other on real loopback sockets.
#define BOOST_TEST_MODULE net
#include <boost/test/unit_test.hpp>

#include "net/http_client.hpp"
#include "net/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

using namespace vouch::net;
using namespace std::chrono_literals;

namespace {

struct curl_init {
  curl_init() { http_client::global_init(); }
};
BOOST_TEST_GLOBAL_FIXTURE(curl_init);

// Echoes what the server parsed, so a test can check it on the client side.
void echo(http_request&& req, responder respond) {
  http_response res;
  res.content_type = "text/plain";
  res.headers.emplace_back("X-Method", req.method);
  res.headers.emplace_back("X-Path", req.path);
  res.headers.emplace_back("X-Query", req.query);
  res.headers.emplace_back("X-Greeting", req.header("x-greeting"));
  res.headers.emplace_back("X-Remote", req.remote);
  res.headers.emplace_back("X-Spare", std::to_string(req.body.capacity() - req.body.size()));
  res.body = req.body;
  respond(std::move(res));
}

std::unique_ptr<http_server> start_server(http_handler h, server_options opts = {}) {
  auto s = std::make_unique<http_server>(std::move(opts), std::move(h));
  std::string err;
  if (!s->start(err)) BOOST_FAIL("start: " + err);
  return s;
}

std::string url(const http_server& s, const std::string& target) {
  return "http://127.0.0.1:" + std::to_string(s.port()) + target;
}

client_response get(http_client& c, client_request req) {
  auto f = c.perform(std::move(req));
  if (f.wait_for(10s) != std::future_status::ready) BOOST_FAIL("no answer within 10 s");
  return f.get();
}

// Holds responders a test wants to answer (or never answer) from outside the handler.
struct parked {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<responder> items;

  void add(responder r) {
    std::lock_guard<std::mutex> lk(mu);
    items.push_back(std::move(r));
    cv.notify_all();
  }
  bool wait_for_one() {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, 5s, [&] { return !items.empty(); });
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_get_reaches_the_handler_with_path_query_and_lower_cased_headers) {
  auto server = start_server(echo);
  http_client client;
  client_request req;
  req.url = url(*server, "/v1/things?a=1&b=x%20y");
  req.headers = {{"X-Greeting", "hello"}};
  auto res = get(client, req);
  BOOST_TEST(res.error == "");
  BOOST_TEST(res.status == 200);
  BOOST_TEST(res.headers["x-method"] == "GET");
  BOOST_TEST(res.headers["x-path"] == "/v1/things");
  BOOST_TEST(res.headers["x-query"] == "a=1&b=x%20y");
  BOOST_TEST(res.headers["x-greeting"] == "hello");
  BOOST_TEST(res.headers["content-type"] == "text/plain");
  BOOST_TEST(res.headers["content-length"] == "0");
}

BOOST_AUTO_TEST_CASE(a_post_body_round_trips_with_padding_to_spare) {
  auto server = start_server(echo);
  http_client client;
  client_request req;
  req.method = "POST";
  req.url = url(*server, "/ingest");
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"id":"e-1","n":42})";
  auto res = get(client, req);
  BOOST_TEST(res.status == 200);
  BOOST_TEST(res.headers["x-method"] == "POST");
  BOOST_TEST(res.body == req.body);
  BOOST_TEST(std::stoul(res.headers["x-spare"]) >= 64u);
}

BOOST_AUTO_TEST_CASE(put_delete_and_head_use_their_own_methods) {
  auto server = start_server(echo);
  http_client client;
  client_request put;
  put.method = "PUT";
  put.url = url(*server, "/x");
  put.body = "new";
  auto r1 = get(client, put);
  BOOST_TEST(r1.headers["x-method"] == "PUT");
  BOOST_TEST(r1.body == "new");

  client_request del;
  del.method = "DELETE";
  del.url = url(*server, "/x");
  BOOST_TEST(get(client, del).headers["x-method"] == "DELETE");

  client_request head;
  head.method = "HEAD";
  head.url = url(*server, "/x");
  auto r3 = get(client, head);
  BOOST_TEST(r3.status == 200);
  BOOST_TEST(r3.headers["x-method"] == "HEAD");
  BOOST_TEST(r3.body == "");
}

BOOST_AUTO_TEST_CASE(basic_auth_sends_the_user_with_an_empty_password) {
  auto server = start_server([](http_request&& req, responder respond) {
    http_response res;
    res.body = req.header("authorization");
    respond(std::move(res));
  });
  http_client client;
  client_request req;
  req.url = url(*server, "/");
  req.basic_user = "key123";
  // base64("key123:")
  BOOST_TEST(get(client, req).body == "Basic a2V5MTIzOg==");
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_gets_413_with_the_json_body) {
  server_options opts;
  opts.body_limit = 1024;
  std::atomic<int> calls{0};
  auto server = start_server(
      [&](http_request&& req, responder respond) {
        ++calls;
        http_response res;
        res.body = req.header("transfer-encoding");
        respond(std::move(res));
      },
      opts);
  http_client client;
  client_request req;
  req.method = "POST";
  req.url = url(*server, "/big");
  req.body = std::string(4096, 'x');
  auto res = get(client, req);
  BOOST_TEST(res.error == "");
  BOOST_TEST(res.status == 413);
  BOOST_TEST(res.body == opts.too_large_body);
  BOOST_TEST(res.headers["content-type"] == "application/json");
  BOOST_TEST(res.headers["connection"] == "close");
  BOOST_TEST(calls == 0);

  // Far over the limit: the answer must still arrive, not a reset.
  req.body = std::string(8 << 20, 'y');
  auto big = get(client, req);
  BOOST_TEST(big.status == 413);
  BOOST_TEST(big.body == opts.too_large_body);

  // Chunked: no length up front, so the limit trips while the body is read.
  req.headers = {{"Transfer-Encoding", "chunked"}};
  req.body = std::string(4096, 'c');
  auto chunked = get(client, req);
  BOOST_TEST(chunked.status == 413);
  BOOST_TEST(chunked.body == opts.too_large_body);
  req.body = std::string(100, 'c');
  BOOST_TEST(get(client, req).body == "chunked");  // proves the client really sent chunks
  req.headers.clear();

  // A body just at the limit is fine.
  req.body = std::string(1024, 'z');
  BOOST_TEST(get(client, req).status == 200);
  BOOST_TEST(calls == 2);
}

BOOST_AUTO_TEST_CASE(keep_alive_serves_two_requests_on_one_connection) {
  auto server = start_server(echo);
  http_client client;
  client_request req;
  req.url = url(*server, "/one");
  auto r1 = get(client, req);
  req.url = url(*server, "/two");
  auto r2 = get(client, req);
  BOOST_TEST(r1.status == 200);
  BOOST_TEST(r2.status == 200);
  BOOST_TEST(!r1.headers["x-remote"].empty());
  BOOST_TEST(r1.headers["x-remote"] == r2.headers["x-remote"]);
  BOOST_TEST(r1.headers.count("connection") == 0u);
}

BOOST_AUTO_TEST_CASE(connection_close_from_the_client_is_honoured) {
  auto server = start_server(echo);
  http_client client;
  client_request req;
  req.url = url(*server, "/");
  req.headers = {{"Connection", "close"}};
  auto r1 = get(client, req);
  auto r2 = get(client, req);
  BOOST_TEST(r1.headers["connection"] == "close");
  BOOST_TEST(r1.headers["x-remote"] != r2.headers["x-remote"]);
}

BOOST_AUTO_TEST_CASE(a_responder_called_from_another_thread_later_answers) {
  std::vector<std::thread> workers;
  std::mutex mu;
  auto server = start_server([&](http_request&& req, responder respond) {
    std::lock_guard<std::mutex> lk(mu);
    workers.emplace_back([respond, body = req.body] {
      std::this_thread::sleep_for(50ms);
      http_response res;
      res.status = 201;
      res.body = "late:" + body;
      respond(res);
      respond(http_response{});  // a second call is ignored
    });
  });
  http_client client;
  client_request req;
  req.method = "POST";
  req.url = url(*server, "/");
  req.body = "b";
  auto t0 = std::chrono::steady_clock::now();
  auto res = get(client, req);
  BOOST_TEST(res.status == 201);
  BOOST_TEST(res.body == "late:b");
  BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 50ms));
  // The connection survives for the next request.
  auto again = get(client, req);
  BOOST_TEST(again.status == 201);
  std::lock_guard<std::mutex> lk(mu);
  for (auto& w : workers) w.join();
}

BOOST_AUTO_TEST_CASE(a_dropped_responder_yields_503) {
  auto server = start_server([](http_request&&, responder) {});
  http_client client;
  client_request req;
  req.url = url(*server, "/");
  auto res = get(client, req);
  BOOST_TEST(res.status == 503);
  BOOST_TEST(res.body.find(R"("code":"unavailable")") != std::string::npos);
  BOOST_TEST(res.headers["content-type"] == "application/json");
}

BOOST_AUTO_TEST_CASE(a_throwing_handler_yields_500) {
  auto server = start_server([](http_request&&, responder) { throw std::runtime_error("boom"); });
  http_client client;
  client_request req;
  req.url = url(*server, "/");
  BOOST_TEST(get(client, req).status == 500);
}

BOOST_AUTO_TEST_CASE(a_handler_that_never_answers_makes_the_client_time_out) {
  parked never;  // outlives the server: its responders then answer into a stopped server
  auto server = start_server([&](http_request&&, responder r) { never.add(std::move(r)); });
  http_client client;
  client_request req;
  req.url = url(*server, "/");
  req.timeout = 200ms;
  auto t0 = std::chrono::steady_clock::now();
  auto res = get(client, req);
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_TEST(res.status == 0);
  BOOST_TEST(res.timed_out);
  BOOST_TEST(!res.error.empty());
  BOOST_TEST((took >= 200ms && took < 5s));
  server->stop();
  never.items.front()(http_response{});  // after stop(): a no-op, not a crash
}

BOOST_AUTO_TEST_CASE(a_refused_connection_gives_status_0_and_an_error) {
  // Find a port nobody listens on: bind one, note it, close it.
  uint16_t port = 0;
  {
    auto s = start_server(echo);
    port = s->port();
  }
  http_client client;
  client_request req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto res = get(client, req);
  BOOST_TEST(res.status == 0);
  BOOST_TEST(!res.timed_out);
  BOOST_TEST(!res.error.empty());
  BOOST_TEST_MESSAGE("refused: " << res.error);
}

BOOST_AUTO_TEST_CASE(a_new_server_binds_the_same_port_right_after_stop) {
  auto first = start_server(echo);
  const uint16_t port = first->port();
  {
    // The server closes first, so its side of the connection sits in TIME_WAIT: without
    // SO_REUSEADDR the next bind would fail.
    http_client client;
    client_request req;
    req.url = url(*first, "/");
    req.headers = {{"Connection", "close"}};
    BOOST_TEST(get(client, req).status == 200);
  }
  first->stop();
  first->stop();  // idempotent

  server_options opts;
  opts.port = port;
  auto second = std::make_unique<http_server>(opts, echo);
  std::string err;
  BOOST_TEST_REQUIRE(second->start(err), err);
  BOOST_TEST(second->port() == port);
  http_client client;
  client_request req;
  req.url = url(*second, "/");
  BOOST_TEST(get(client, req).status == 200);
}

BOOST_AUTO_TEST_CASE(binding_a_port_in_use_fails_with_a_readable_error) {
  auto first = start_server(echo);
  server_options opts;
  opts.port = first->port();
  http_server second(opts, echo);
  std::string err;
  BOOST_TEST(!second.start(err));
  BOOST_TEST(err == "bind 127.0.0.1:" + std::to_string(opts.port) + ": Address already in use");
}

BOOST_AUTO_TEST_CASE(stop_accepting_refuses_new_connections_but_serves_open_ones) {
  auto server = start_server(echo);
  http_client client;
  client_request req;
  req.url = url(*server, "/");
  BOOST_TEST(get(client, req).status == 200);  // opens a kept-alive connection
  server->stop_accepting();
  BOOST_TEST(get(client, req).status == 200);  // reuses it
  http_client fresh;
  BOOST_TEST(get(fresh, req).status == 0);
}

BOOST_AUTO_TEST_CASE(many_concurrent_requests_on_several_io_threads_all_complete) {
  server_options opts;
  opts.threads = 2;
  auto server = start_server(echo, opts);
  http_client client;
  std::vector<std::future<client_response>> fs;
  for (int i = 0; i < 50; ++i) {
    client_request req;
    req.method = "POST";
    req.url = url(*server, "/n");
    req.body = std::to_string(i);
    fs.push_back(client.perform(std::move(req)));
  }
  for (int i = 0; i < 50; ++i) {
    BOOST_REQUIRE(fs[i].wait_for(10s) == std::future_status::ready);
    auto r = fs[i].get();
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE(destroying_the_client_fails_pending_transfers_with_shutdown) {
  parked never;
  auto server = start_server([&](http_request&&, responder r) { never.add(std::move(r)); });
  std::future<client_response> f;
  {
    http_client client;
    client_request req;
    req.url = url(*server, "/");
    f = client.perform(req);
    BOOST_TEST_REQUIRE(never.wait_for_one());
  }
  BOOST_REQUIRE(f.wait_for(0s) == std::future_status::ready);
  auto res = f.get();
  BOOST_TEST(res.status == 0);
  BOOST_TEST(res.error == "shutdown");
}

BOOST_AUTO_TEST_CASE(url_decode_handles_escapes_plus_and_malformed_input) {
  BOOST_TEST(url_decode("a%20b") == "a b");
  BOOST_TEST(url_decode("a+b") == "a+b");
  BOOST_TEST(url_decode("a+b", true) == "a b");
  BOOST_TEST(url_decode("%e2%82%AC") == "\xe2\x82\xac");
  BOOST_TEST(url_decode("100%") == "100%");
  BOOST_TEST(url_decode("%zz%4") == "%zz%4");
  BOOST_TEST(url_decode("") == "");
}

BOOST_AUTO_TEST_CASE(url_encode_keeps_only_unreserved_characters) {
  BOOST_TEST(url_encode("a-b_c.d~e") == "a-b_c.d~e");
  BOOST_TEST(url_encode("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9");
  BOOST_TEST(url_decode(url_encode("x y+z&%")) == "x y+z&%");
}

BOOST_AUTO_TEST_CASE(parse_query_splits_and_decodes_pairs_in_order) {
  using pairs = std::vector<std::pair<std::string, std::string>>;
  BOOST_TEST((parse_query("a=1&b=x+y&c=%26") == pairs{{"a", "1"}, {"b", "x y"}, {"c", "&"}}));
  BOOST_TEST((parse_query("flag&&k=") == pairs{{"flag", ""}, {"k", ""}}));
  BOOST_TEST((parse_query("k=a=b") == pairs{{"k", "a=b"}}));
  BOOST_TEST(parse_query("").empty());
}

namespace {
/// A plain TCP client: connect to 127.0.0.1:port with a receive timeout.
int raw_connect(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) BOOST_FAIL("connect");
  return fd;
}

/// Reads until `marker` is in what arrived (or the timeout/close); returns what arrived.
std::string read_until(int fd, const std::string& marker) {
  std::string got;
  char buf[4096];
  while (got.find(marker) == std::string::npos) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}
}  // namespace

BOOST_AUTO_TEST_CASE(expect_100_continue_gets_the_interim_answer_before_the_body_is_sent) {
  auto server = start_server(echo);
  const int fd = raw_connect(server->port());
  const std::string head =
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  BOOST_REQUIRE(::send(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()));
  // The client sends no body until it hears "100 Continue".
  const auto interim = read_until(fd, "\r\n\r\n");
  BOOST_TEST(interim.rfind("HTTP/1.1 100 Continue\r\n", 0) == 0, interim);
  BOOST_REQUIRE(::send(fd, "hello", 5, 0) == 5);
  const auto final_answer = read_until(fd, "hello");
  BOOST_TEST(final_answer.rfind("HTTP/1.1 200", 0) == 0, final_answer);
  BOOST_TEST(final_answer.find("hello") != std::string::npos);
  ::close(fd);
}
