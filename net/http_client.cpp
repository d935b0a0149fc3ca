// libcurl multi behind net/http_client.hpp: one thread owns the multi handle and every easy
// handle; other threads only touch the queue (under a mutex) and wake the loop with
// curl_multi_wakeup. Connections live in the multi handle's cache, so reuse happens across
// transfers even though each transfer gets a fresh easy handle.

#include "net/http_client.hpp"

#include <curl/curl.h>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace vouch::net {

namespace {

// Idle connections kept for reuse; beyond this curl closes the oldest.
constexpr long kMaxCachedConnections = 64;

struct transfer {
  client_request req;
  client_response res;
  std::function<void(client_response)> done;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {};

  ~transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }
};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<transfer*>(user)->res.body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  std::string_view line(data, size * n);
  // A status line starts a new response (after a 100 Continue, say): forget older headers.
  if (line.rfind("HTTP/", 0) == 0) {
    t->res.headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->res.headers[lower(std::string(trim(line.substr(0, colon))))] =
        std::string(trim(line.substr(colon + 1)));
  }
  return size * n;
}

void finish(transfer& t) {
  if (!t.done) return;
  auto done = std::move(t.done);
  // The callback runs on the transfer thread; an exception escaping it would kill that thread
  // and with it every other transfer, so it stops here.
  try {
    done(std::move(t.res));
  } catch (...) {
  }
}

void fail(transfer& t, std::string error, bool timed_out = false) {
  t.res.status = 0;
  t.res.error = std::move(error);
  t.res.timed_out = timed_out;
  finish(t);
}

// Returns an error text, or "" when the easy handle is ready.
std::string setup(transfer& t) {
  t.easy = curl_easy_init();
  if (!t.easy) return "curl_easy_init failed";
  CURL* e = t.easy;
  const auto& r = t.req;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // signals are process-wide: unsafe with threads
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);

  if (r.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);  // otherwise curl waits for Content-Length bytes
  } else {
    if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "POST" || !r.body.empty()) {
      // Not copied: the request (and its body) lives in `t` until the transfer ends.
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
  }

  for (const auto& [name, value] : r.headers) {
    // "Name;" is curl's spelling for a header sent with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    auto* l = curl_slist_append(t.headers, line.c_str());
    if (!l) return "out of memory";
    t.headers = l;
  }
  // curl 7.88 sends "Expect: 100-continue" for bodies over 1 MiB and Beast never answers
  // 100 Continue, so curl would stall 1 s; an empty Expect header turns it off.
  auto* l = curl_slist_append(t.headers, "Expect:");
  if (!l) return "out of memory";
  t.headers = l;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);

  if (!r.basic_user.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, r.basic_user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, "");
  }
  return {};
}

}  // namespace

struct http_client::impl {
  impl() {
    multi = curl_multi_init();
    if (!multi) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, kMaxCachedConnections);
    thread = std::thread([this] { run(); });
  }

  ~impl() {
    stop();
    curl_multi_cleanup(multi);
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu);
      stopping = true;
    }
    curl_multi_wakeup(multi);
    std::lock_guard<std::mutex> lk(join_mu);
    if (thread.joinable()) thread.join();
  }

  void submit(std::unique_ptr<transfer> t) {
    {
      std::lock_guard<std::mutex> lk(mu);
      if (!stopping) {
        queue.push_back(std::move(t));
        t = nullptr;
      }
    }
    if (t) return fail(*t, "shutdown");
    curl_multi_wakeup(multi);
  }

  void run() {
    std::deque<std::unique_ptr<transfer>> incoming;
    for (;;) {
      {
        std::lock_guard<std::mutex> lk(mu);
        if (stopping) break;
        incoming.swap(queue);
      }
      for (auto& t : incoming) start(std::move(t));
      incoming.clear();

      int running = 0;
      curl_multi_perform(multi, &running);
      collect();
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }

    // Shutdown: nothing new can be queued now (submit checks `stopping`).
    for (transfer* t : active) {
      curl_multi_remove_handle(multi, t->easy);
      std::unique_ptr<transfer> owned(t);
      fail(*owned, "shutdown");
    }
    active.clear();
    std::deque<std::unique_ptr<transfer>> rest;
    {
      std::lock_guard<std::mutex> lk(mu);
      rest.swap(queue);
    }
    for (auto& t : rest) fail(*t, "shutdown");
  }

  void start(std::unique_ptr<transfer> t) {
    if (auto err = setup(*t); !err.empty()) return fail(*t, err);
    if (auto rc = curl_multi_add_handle(multi, t->easy); rc != CURLM_OK) {
      return fail(*t, curl_multi_strerror(rc));
    }
    active.insert(t.release());
  }

  void collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* e = msg->easy_handle;
      CURLcode rc = msg->data.result;
      transfer* raw = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, &raw);
      curl_multi_remove_handle(multi, e);
      active.erase(raw);
      std::unique_ptr<transfer> t(raw);
      if (rc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        t->res.status = status;
        finish(*t);
      } else {
        std::string text = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
        fail(*t, std::move(text), rc == CURLE_OPERATION_TIMEDOUT);
      }
    }
  }

  CURLM* multi = nullptr;
  std::mutex mu;
  bool stopping = false;
  std::deque<std::unique_ptr<transfer>> queue;
  std::unordered_set<transfer*> active;  // owned; only the transfer thread touches it
  std::thread thread;
  std::mutex join_mu;  // stop() may be called from main and from the destructor
};

http_client::http_client() : impl_(std::make_unique<impl>()) {}

http_client::~http_client() = default;

void http_client::shutdown() {
  impl_->stop();
}

void http_client::global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void http_client::perform_async(client_request req, std::function<void(client_response)> done) {
  auto t = std::make_unique<transfer>();
  t->req = std::move(req);
  t->done = std::move(done);
  impl_->submit(std::move(t));
}

std::future<client_response> http_client::perform(client_request req) {
  auto p = std::make_shared<std::promise<client_response>>();
  auto f = p->get_future();
  perform_async(std::move(req), [p](client_response r) { p->set_value(std::move(r)); });
  return f;
}

}  // namespace vouch::net
