// Boost.Beast HTTP/1.1 server behind net/http_server.hpp.
//
// Lifetime in one paragraph: a session is kept alive by its pending async operation, except
// while its request is with the handler; then the server's `awaiting` map holds it and the
// responder holds only a weak reference. So a responder that outlives the server (held by an
// actor, say) can never touch a destroyed io_context: once stop() has run, answering is a
// no-op and every session has been destroyed while the io_context still existed.

#include "net/http_server.hpp"

#include <utility>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vouch::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Read deadlines come from server_options (header, body, idle). This one bounds how long
// a stuck client can hold a session (and its memory) on a write.
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// After an error answer (413, 400) the client may still be sending; closing with unread
// input makes the kernel send RST, which can destroy the answer before the client reads it.
// So we half-close and discard input for at most this long.
constexpr auto kLingerTimeout = std::chrono::seconds(2);

const std::string kUnavailableBody =
    R"({"error":{"code":"unavailable","message":"the request was dropped without an answer"}})";
const std::string kBadRequestBody =
    R"({"error":{"code":"bad_request","message":"malformed HTTP request"}})";
const std::string kHeaderTooLargeBody =
    R"({"error":{"code":"header_too_large","message":"request header fields too large"}})";
const std::string kTooManyBody =
    R"({"error":{"code":"unavailable","message":"too many connections, try again"}})";
const std::string kTooManyConnections =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    "Connection: close\r\nContent-Length: " +
    std::to_string(kTooManyBody.size()) + "\r\n\r\n" + kTooManyBody;
const std::string kHandlerFailedBody =
    R"({"error":{"code":"internal","message":"the request handler failed"}})";

// Beast 1.74 uses boost::string_view, which does not convert to std::string_view.
std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

http_response error_response(unsigned status, const std::string& body) {
  http_response res;
  res.status = status;
  res.body = body;
  return res;
}

}  // namespace

namespace detail {

class session;

// Shared by the server, every session and every responder; it outlives the io_context.
struct server_core {
  server_core(server_options o, http_handler h) : opts(std::move(o)), handler(std::move(h)) {}

  const server_options opts;
  const http_handler handler;

  std::atomic<std::size_t> open{0};  // sessions alive now
  std::atomic<uint64_t> refused{0};  // connections turned away for max_connections
  std::mutex mu;
  bool alive = true;  // false once stop() began: answers are then dropped
  std::unordered_map<session*, std::shared_ptr<session>> awaiting;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, std::shared_ptr<server_core> core)
      : stream_(std::move(socket)), core_(std::move(core)) {
    ++core_->open;
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~session() { --core_->open; }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Any thread. Called at most once per request, with core->mu held.
  void post_answer(http_response res) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), res = std::move(res)]() mutable {
      self->write(std::move(res));
    });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(core_->opts.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(core_->opts.header_limit));
    stream_.expires_after(core_->opts.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    // With a Content-Length over the limit Beast fails right here, before any body byte
    // is read, which is what lets us answer 413 at once.
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return dispatch_request();
    // A client that waits for "100 Continue" before sending its body (curl does for bodies
    // over 1 KiB) would otherwise stall for a second or give up.
    const auto& head = parser_->get();
    if (head.version() >= 11 && beast::iequals(head[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     head.version());
      stream_.expires_after(kWriteTimeout);
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                          if (ec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(core_->opts.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->on_read_error(ec);
                       self->dispatch_request();
                     });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return write_error(error_response(413, core_->opts.too_large_body));
    }
    if (ec == http::error::header_limit) {
      return write_error(error_response(431, kHeaderTooLargeBody));
    }
    // Any other parser error means the bytes were not HTTP; a closed or reset socket is not.
    if (ec.category() == beast::error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return write_error(error_response(400, kBadRequestBody));
    }
    close();  // end of stream, reset, timeout: nobody to answer
  }

  // The request could not be read to its end, so the connection cannot be reused.
  void write_error(http_response res) {
    keep_alive_ = false;
    linger_ = true;
    version_ = 11;
    write(std::move(res));
  }

  void dispatch_request() {
    auto msg = parser_->release();
    parser_.reset();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == http::verb::head;

    http_request req;
    req.method = std::string(sv(msg.method_string()));
    req.target = std::string(sv(msg.target()));
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& f : msg) {
      auto [it, inserted] =
          req.headers.emplace(lower(sv(f.name_string())), std::string(sv(f.value())));
      // RFC 7230 §3.2.2: repeated fields are equivalent to one comma-joined field.
      if (!inserted) it->second.append(", ").append(f.value().data(), f.value().size());
    }
    req.body = std::move(msg.body());
    req.body.reserve(req.body.size() + 64);  // simdjson padding, promised by the header
    req.remote = remote_;

    auto st = std::make_shared<responder::state>(core_, weak_from_this());
    {
      std::lock_guard<std::mutex> lk(core_->mu);
      if (!core_->alive) return;
      core_->awaiting.emplace(this, shared_from_this());
    }
    // No timer may fire while the handler has the request: no operation is pending, and
    // Beast's stream timer only runs during an operation.
    responder respond(std::move(st));
    try {
      core_->handler(std::move(req), respond);
    } catch (...) {
      respond(error_response(500, kHandlerFailedBody));
    }
  }

  void write(http_response r) {
    auto& res = res_.emplace();
    res.version(version_);
    res.result(r.status);
    res.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res.insert(name, value);
    res.body() = std::move(r.body);
    res.prepare_payload();
    // HEAD: the same Content-Length as GET would have, and no body.
    if (head_) res.body().clear();
    res.keep_alive(keep_alive_);
    if (!keep_alive_) res.set(http::field::connection, "close");

    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, res, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    res_.reset();
    if (ec) return close();
    if (!keep_alive_) return linger_ ? linger() : shutdown();
    wait_next();
  }

  // Keep-alive: an idle wait for the first byte of the next request (idle_timeout), then
  // the header deadline runs from there.
  void wait_next() {
    if (buffer_.size() > 0) return read_header();  // pipelined: already here
    stream_.expires_after(core_->opts.idle_timeout);
    stream_.async_read_some(buffer_.prepare(1024),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    close();
  }

  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTimeout);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<server_core> core_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;  // alive until the write completes
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool linger_ = false;
  char scratch_[4096];
};

}  // namespace detail

// -- responder -----------------------------------------------------------------------

struct responder::state {
  state(std::shared_ptr<detail::server_core> c, std::weak_ptr<detail::session> s)
      : core(std::move(c)), sess(std::move(s)) {}
  ~state() {
    if (!done.exchange(true)) deliver(error_response(503, kUnavailableBody));
  }

  void deliver(http_response res) {
    std::lock_guard<std::mutex> lk(core->mu);
    if (!core->alive) return;
    auto s = sess.lock();
    if (!s) return;
    core->awaiting.erase(s.get());
    s->post_answer(std::move(res));
  }

  std::shared_ptr<detail::server_core> core;
  std::weak_ptr<detail::session> sess;
  std::atomic<bool> done{false};
};

void responder::operator()(http_response res) const {
  if (st_ && !st_->done.exchange(true)) st_->deliver(std::move(res));
}

const std::string& http_request::header(std::string_view name) const {
  static const std::string empty;
  auto it = headers.find(std::string(name));
  return it == headers.end() ? empty : it->second;
}

// -- http_server ---------------------------------------------------------------------

struct http_server::impl {
  impl(server_options opts, http_handler handler)
      : core(std::make_shared<detail::server_core>(std::move(opts), std::move(handler))) {}

  void accept() {
    std::lock_guard<std::mutex> lk(acceptor_mu);
    if (!acceptor || !acceptor->is_open()) return;
    acceptor->async_accept(
        asio::make_strand(*ioc),
        [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // stop_accepting()
    if (ec) {
      // E.g. EMFILE: retrying at once would spin, so back off a little.
      retry_timer->expires_after(std::chrono::milliseconds(50));
      retry_timer->async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    if (core->open.load() >= core->opts.max_connections) {
      // Full: a short 503 and close, so the client learns why instead of hanging.
      ++core->refused;
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      asio::async_write(*s, asio::buffer(kTooManyConnections), [s](beast::error_code, std::size_t) {
        beast::error_code e;
        s->shutdown(tcp::socket::shutdown_send, e);
        s->close(e);
      });
      return accept();
    }
    std::make_shared<detail::session>(std::move(socket), core)->start();
    accept();
  }

  // Declared before the io_context: handlers and sessions refer to it, and the io_context's
  // destructor destroys pending handlers (and the sessions they hold).
  std::shared_ptr<detail::server_core> core;
  std::mutex stop_mu;
  bool started = false;
  bool stopped = false;
  uint16_t port = 0;

  std::optional<asio::io_context> ioc;
  std::mutex acceptor_mu;  // stop_accepting() may race with the accept loop
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry_timer;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
};

http_server::http_server(server_options opts, http_handler handler)
    : impl_(std::make_unique<impl>(std::move(opts), std::move(handler))) {}

http_server::~http_server() {
  stop();
}

bool http_server::start(std::string& err) {
  std::lock_guard<std::mutex> lk(impl_->stop_mu);
  auto& m = *impl_;
  const auto& opts = m.core->opts;
  const std::string where = opts.host + ":" + std::to_string(opts.port);
  if (m.started || m.stopped) {
    err = "start " + where + ": a server can be started only once";
    return false;
  }
  const unsigned nthreads = std::max(1u, opts.threads);
  m.ioc.emplace(static_cast<int>(nthreads));

  beast::error_code ec;
  tcp::endpoint ep;
  auto addr = asio::ip::make_address(opts.host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, opts.port);
  } else {
    tcp::resolver resolver(*m.ioc);
    auto results = resolver.resolve(opts.host, std::to_string(opts.port), ec);
    if (ec || results.empty()) {
      err = "resolve " + where + ": " + (ec ? ec.message() : "no address");
      m.ioc.reset();
      return false;
    }
    ep = results.begin()->endpoint();
  }

  tcp::acceptor acc(*m.ioc);
  auto fail = [&](const char* what) {
    err = std::string(what) + " " + where + ": " + ec.message();
    acc.close(ec);
    m.ioc.reset();
    return false;
  };
  if (acc.open(ep.protocol(), ec)) return fail("open");
  // A restart right after a crash must bind the port while old connections sit in TIME_WAIT.
  if (acc.set_option(asio::socket_base::reuse_address(true), ec)) return fail("setsockopt");
  if (acc.bind(ep, ec)) return fail("bind");
  if (acc.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  m.port = acc.local_endpoint(ec).port();

  {
    std::lock_guard<std::mutex> alk(m.acceptor_mu);
    m.acceptor.emplace(std::move(acc));
  }
  m.retry_timer.emplace(*m.ioc);
  m.work.emplace(m.ioc->get_executor());
  m.started = true;
  m.accept();
  for (unsigned i = 0; i < nthreads; ++i) m.threads.emplace_back([&m] { m.ioc->run(); });
  return true;
}

uint16_t http_server::port() const {
  return impl_->port;
}

std::size_t http_server::open_connections() const {
  return impl_->core->open.load();
}

uint64_t http_server::refused_connections() const {
  return impl_->core->refused.load();
}

void http_server::stop_accepting() {
  std::lock_guard<std::mutex> lk(impl_->acceptor_mu);
  if (impl_->acceptor && impl_->acceptor->is_open()) {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  }
}

// Must not be called from a handler: it joins the io threads, one of which would be the caller.
void http_server::stop() {
  std::lock_guard<std::mutex> lk(impl_->stop_mu);
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  if (!m.started) return;

  std::unordered_map<detail::session*, std::shared_ptr<detail::session>> awaiting;
  {
    std::lock_guard<std::mutex> clk(m.core->mu);
    m.core->alive = false;  // from here on responders do nothing
    awaiting.swap(m.core->awaiting);
  }
  stop_accepting();
  m.work.reset();
  m.ioc->stop();
  for (auto& t : m.threads) t.join();
  m.threads.clear();

  // Everything that owns a socket goes while the io_context still exists; destroying the
  // io_context then destroys the queued handlers and with them the remaining sessions.
  awaiting.clear();
  m.retry_timer.reset();
  {
    std::lock_guard<std::mutex> alk(m.acceptor_mu);
    m.acceptor.reset();
  }
  m.ioc.reset();
}

// -- URL helpers ---------------------------------------------------------------------

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    // A malformed escape is kept as written rather than rejected: lenient like most servers.
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(url_decode(part, true), std::string());
    } else {
      out.emplace_back(url_decode(part.substr(0, eq), true), url_decode(part.substr(eq + 1), true));
    }
  }
  return out;
}

}  // namespace vouch::net
