#include "tests/sims/sim_test_support.hpp"

#include <stdexcept>

namespace vouch::sim_test {

reply call(net::http_client& client, const std::string& method, const std::string& url,
           const json& body, const std::string& basic_user,
           std::vector<std::pair<std::string, std::string>> headers) {
  net::client_request req;
  req.method = method;
  req.url = url;
  req.basic_user = basic_user;
  req.headers = std::move(headers);
  if (!body.is_null()) {
    req.body = body.dump();
    req.headers.emplace_back("Content-Type", "application/json");
  }
  net::client_response res = client.perform(std::move(req)).get();
  reply r;
  r.status = res.status;
  r.raw = res.body;
  r.headers = res.headers;
  if (!res.body.empty()) {
    r.body = json::parse(res.body, nullptr, false);
    if (r.body.is_discarded()) r.body = nullptr;
  }
  return r;
}

receiver::receiver()
    : server_(net::server_options{}, [this](net::http_request&& req, net::responder respond) {
        unsigned status = 200;
        {
          std::lock_guard<std::mutex> lock(mu_);
          got_.push_back(req);
          if (!statuses_.empty()) {
            status = statuses_.front();
            statuses_.erase(statuses_.begin());
          }
        }
        cv_.notify_all();
        net::http_response res;
        res.status = status;
        res.body = R"({"accepted":true})";
        respond(std::move(res));
      }) {
  std::string err;
  if (!server_.start(err)) throw std::runtime_error("receiver: " + err);
}

receiver::~receiver() {
  server_.stop();
}

std::string receiver::url() const {
  return "http://127.0.0.1:" + std::to_string(server_.port());
}

void receiver::answer_with(std::vector<unsigned> statuses) {
  std::lock_guard<std::mutex> lock(mu_);
  statuses_ = std::move(statuses);
}

bool receiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
}

std::vector<net::http_request> receiver::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return got_;
}

}  // namespace vouch::sim_test
