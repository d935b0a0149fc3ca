// bench_loadgen: a small keep-alive HTTP/1.1 load generator for the ingest bench.
//
// Every request is a distinct, correctly signed Lever candidateStageChange webhook (its own
// token and triggeredAt; opportunities and orgs spread by a hash of the request number), so
// vouchd never sees a duplicate. The very same requests go to nginx for the ceiling, so the
// tool's own cost (one HMAC per request) is the same on both sides.
//
//   bench_loadgen --port P --connections 64 --duration 10 [--warmup 2] [--threads 2]
//                 [--rate R] --org ORG:TOKEN [--org ...] [--opps 100000]
//
// Without --rate: closed loop (each connection sends its next request when the answer
// arrives) = saturation. With --rate: open loop at R requests/s in total, each connection
// on a fixed schedule; latency counts from the *intended* send time, so a stalled server is
// not hidden by the generator waiting for it (no coordinated omission, as wrk2 does).
// Prints one JSON object on stdout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/signatures.hpp"
#include "tools/bench/histogram.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

struct org_secret {
  std::string id, token;
};

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 64;
  int threads = 2;
  double duration_s = 10;
  double warmup_s = 2;
  double rate = 0;  // 0 = closed loop
  uint64_t opps = 100000;
  std::vector<org_secret> orgs;
  std::string event_path = "stage-change";
};

/// Builds distinct signed webhooks: request n of thread t is unique within the run, and the
/// run id makes it unique across runs against the same store.
class request_maker {
 public:
  request_maker(const options& o, int thread, uint64_t run_id)
      : o_(o), thread_(thread), run_id_(run_id) {
    base_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  }

  std::string next() {
    uint64_t n = counter_++;
    // splitmix64 of (run, thread, n): spreads requests over opportunities and orgs, and
    // two runs against one store do not replay the same opportunities in the same order.
    uint64_t z = (n * 8 + static_cast<uint64_t>(thread_)) + 0x9e3779b97f4a7c15ULL +
                 run_id_ * 0xd1b54a32d192ed03ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    uint64_t opp = z % o_.opps;
    const auto& org = o_.orgs[(z >> 32) % o_.orgs.size()];
    char token[49];
    std::snprintf(token, sizeof token, "%016" PRIx64 "%08x%024" PRIx64, run_id_,
                  static_cast<unsigned>(thread_), n);
    int64_t triggered = base_ms_ + static_cast<int64_t>(n);
    auto sig = vouch::core::lever_signature(org.token, token, triggered);
    std::string body;
    body.reserve(400);
    body += "{\"triggeredAt\":";
    body += std::to_string(triggered);
    body += ",\"event\":\"candidateStageChange\",\"token\":\"";
    body += token;
    body += "\",\"signature\":\"";
    body += sig;
    body += "\",\"data\":{\"candidateId\":\"opp-";
    body += std::to_string(opp);
    body += "\",\"opportunityId\":\"opp-";
    body += std::to_string(opp);
    body += "\",\"contactId\":\"ct-";
    body += std::to_string(opp);
    body += "\",\"fromStageId\":\"stage-new\",\"toStageId\":\"stage-phone\"}}";
    std::string req;
    req.reserve(body.size() + 200);
    req += "POST /webhooks/lever/";
    req += org.id;
    req += "/";
    req += o_.event_path;
    req +=
        " HTTP/1.1\r\nHost: bench\r\nUser-Agent: Lever-Webhooks\r\n"
        "Content-Type: application/json\r\nContent-Length: ";
    req += std::to_string(body.size());
    req += "\r\n\r\n";
    req += body;
    return req;
  }

 private:
  const options& o_;
  int thread_;
  uint64_t run_id_;
  int64_t base_ms_ = 0;
  uint64_t counter_ = 0;
};

struct connection {
  int fd = -1;
  bool connected = false;
  bool busy = false;  // a request is out and its answer not yet complete
  std::string out;
  std::size_t out_off = 0;
  std::string in;
  int64_t intended_ns = 0;   // latency origin of the request in flight
  int64_t next_send_ns = 0;  // open loop: when the next request is due
  bool want_write = false;
};

struct thread_result {
  vouch::bench::histogram hist;
  uint64_t ok = 0, non2xx = 0, errors = 0, sent = 0, measured = 0;
};

struct run_clock {
  int64_t start_ns, measure_ns, end_ns;
};

int open_connection(const options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Parses one complete response at the start of `buf`; returns its length (0 = incomplete,
/// -1 = malformed) and its status.
long parse_response(const std::string& buf, int& status) {
  auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  if (buf.compare(0, 5, "HTTP/") != 0) return -1;
  auto sp = buf.find(' ');
  if (sp == std::string::npos || sp > end) return -1;
  status = std::atoi(buf.c_str() + sp + 1);
  long content_length = 0;
  std::size_t pos = buf.find("\r\n") + 2;
  while (pos < end) {
    auto eol = buf.find("\r\n", pos);
    if (eol - pos > 15 && strncasecmp(buf.c_str() + pos, "content-length:", 15) == 0)
      content_length = std::atol(buf.c_str() + pos + 15);
    pos = eol + 2;
  }
  long total = static_cast<long>(end + 4) + content_length;
  if (static_cast<long>(buf.size()) < total) return 0;
  return total;
}

void run_thread(const options& o, int t, int nconn, uint64_t run_id, const run_clock& rc,
                thread_result& res) {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<connection> conns(static_cast<std::size_t>(nconn));
  request_maker maker(o, t, run_id);
  // Open loop: this thread's share of the rate; each connection sends every `period`.
  double thread_rate = o.rate * nconn / o.connections;
  int64_t period = o.rate > 0 ? static_cast<int64_t>(1e9 * nconn / thread_rate) : 0;

  auto watch = [&](std::size_t i, bool add) {
    epoll_event ev{};
    ev.events = EPOLLIN | (conns[i].want_write ? EPOLLOUT : 0u);
    ev.data.u64 = i;
    ::epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, conns[i].fd, &ev);
  };
  auto connect_one = [&](std::size_t i) {
    auto& c = conns[i];
    c = connection{};
    c.fd = open_connection(o);
    if (c.fd < 0) return false;
    c.want_write = true;  // connect completion
    watch(i, true);
    return true;
  };
  auto flush = [&](std::size_t i) {
    auto& c = conns[i];
    while (c.out_off < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return false;
    }
    bool want = c.out_off < c.out.size();
    if (want != c.want_write) {
      c.want_write = want;
      watch(i, false);
    }
    return true;
  };
  auto send_one = [&](std::size_t i, int64_t intended) {
    auto& c = conns[i];
    c.out = maker.next();
    c.out_off = 0;
    c.busy = true;
    c.intended_ns = intended;
    ++res.sent;
    return flush(i);
  };
  auto reconnect = [&](std::size_t i) {
    ++res.errors;
    ::epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, nullptr);
    ::close(conns[i].fd);
    int64_t next = conns[i].next_send_ns;
    connect_one(i);
    conns[i].next_send_ns = next;
  };

  for (int i = 0; i < nconn; ++i) {
    if (!connect_one(static_cast<std::size_t>(i))) {
      std::fprintf(stderr, "connect to %s:%d failed: %s\n", o.host.c_str(), o.port,
                   std::strerror(errno));
      std::exit(2);
    }
    // Spread the open-loop schedules evenly over one period.
    conns[static_cast<std::size_t>(i)].next_send_ns = rc.start_ns + period * i / nconn;
  }

  std::vector<epoll_event> events(static_cast<std::size_t>(nconn) + 1);
  char rbuf[16384];
  for (;;) {
    int64_t now = mono_ns();
    if (now >= rc.end_ns) break;
    // Open loop: send whatever is due on idle connections; find the next due time.
    int timeout_ms = static_cast<int>((rc.end_ns - now) / 1000000) + 1;
    if (period > 0) {
      int64_t next_due = rc.end_ns;
      for (std::size_t i = 0; i < conns.size(); ++i) {
        auto& c = conns[i];
        if (!c.connected || c.busy) continue;
        if (c.next_send_ns <= now) {
          int64_t intended = c.next_send_ns;
          c.next_send_ns += period;
          if (!send_one(i, intended)) reconnect(i);
        } else if (c.next_send_ns < next_due) {
          next_due = c.next_send_ns;
        }
      }
      int64_t wait_ns = next_due - now;
      timeout_ms = wait_ns <= 0 ? 0 : static_cast<int>((wait_ns + 999999) / 1000000);
      if (timeout_ms > 1) timeout_ms = 1;  // ms-granular epoll: wake often enough
    }
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int e = 0; e < n; ++e) {
      auto i = static_cast<std::size_t>(events[static_cast<std::size_t>(e)].data.u64);
      auto& c = conns[i];
      auto flags = events[static_cast<std::size_t>(e)].events;
      if (!c.connected && (flags & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          std::fprintf(stderr, "connect failed: %s\n", std::strerror(err));
          std::exit(2);
        }
        c.connected = true;
        c.want_write = false;
        watch(i, false);
        if (period == 0 && !send_one(i, mono_ns())) reconnect(i);
        continue;
      }
      if (flags & EPOLLOUT) {
        if (!flush(i)) {
          reconnect(i);
          continue;
        }
      }
      if (flags & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        bool closed = false;
        for (;;) {
          ssize_t r = ::recv(c.fd, rbuf, sizeof rbuf, 0);
          if (r > 0) {
            c.in.append(rbuf, static_cast<std::size_t>(r));
            if (static_cast<std::size_t>(r) < sizeof rbuf) break;
            continue;
          }
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
          break;
        }
        int status = 0;
        long len = parse_response(c.in, status);
        if (len < 0) {
          reconnect(i);
          continue;
        }
        if (len > 0) {
          int64_t done = mono_ns();
          c.in.erase(0, static_cast<std::size_t>(len));
          c.busy = false;
          if (c.intended_ns >= rc.measure_ns && done <= rc.end_ns) {
            res.hist.record(static_cast<uint64_t>(done - c.intended_ns));
            ++res.measured;
            if (status >= 200 && status < 300)
              ++res.ok;
            else
              ++res.non2xx;
          }
          if (closed) {
            reconnect(i);
            continue;
          }
          if (period == 0 && done < rc.end_ns) {
            if (!send_one(i, done)) reconnect(i);
          }
          continue;
        }
        if (closed) reconnect(i);
      }
    }
  }
  for (auto& c : conns)
    if (c.fd >= 0) ::close(c.fd);
  ::close(ep);
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void usage() {
  std::fprintf(stderr,
               "usage: bench_loadgen --port P [--host H] [--connections N] [--threads T]\n"
               "       [--duration S] [--warmup S] [--rate R] [--opps N] --org ID:TOKEN...\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--host") {
      o.host = value();
    } else if (a == "--port") {
      o.port = std::atoi(value().c_str());
    } else if (a == "--connections") {
      o.connections = std::atoi(value().c_str());
    } else if (a == "--threads") {
      o.threads = std::atoi(value().c_str());
    } else if (a == "--duration") {
      o.duration_s = std::atof(value().c_str());
    } else if (a == "--warmup") {
      o.warmup_s = std::atof(value().c_str());
    } else if (a == "--rate") {
      o.rate = std::atof(value().c_str());
    } else if (a == "--opps") {
      o.opps = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--org") {
      auto v = value();
      auto colon = v.find(':');
      if (colon == std::string::npos) usage();
      o.orgs.push_back({v.substr(0, colon), v.substr(colon + 1)});
    } else {
      usage();
    }
  }
  if (o.port <= 0 || o.orgs.empty() || o.connections <= 0 || o.threads <= 0 || o.opps == 0) usage();
  if (o.threads > o.connections) o.threads = o.connections;

  std::random_device rd;
  uint64_t run_id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  run_clock rc{};
  rc.start_ns = mono_ns() + 50000000;  // connections are up by then
  rc.measure_ns = rc.start_ns + static_cast<int64_t>(o.warmup_s * 1e9);
  rc.end_ns = rc.measure_ns + static_cast<int64_t>(o.duration_s * 1e9);

  double cpu0 = cpu_seconds();
  std::vector<thread_result> results(static_cast<std::size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    int share = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    threads.emplace_back([&, t, share] {
      run_thread(o, t, share, run_id, rc, results[static_cast<std::size_t>(t)]);
    });
  }
  for (auto& th : threads) th.join();
  double cpu = cpu_seconds() - cpu0;

  thread_result total;
  for (auto& r : results) {
    total.hist.merge(r.hist);
    total.ok += r.ok;
    total.non2xx += r.non2xx;
    total.errors += r.errors;
    total.sent += r.sent;
    total.measured += r.measured;
  }
  double window = o.duration_s;
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  std::printf(
      "{\"connections\":%d,\"threads\":%d,\"rate_target\":%.1f,\"duration_s\":%.2f,"
      "\"requests\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"non2xx\":%" PRIu64 ",\"errors\":%" PRIu64
      ",\"rps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
      "\"loadgen_cpu_s\":%.2f}\n",
      o.connections, o.threads, o.rate, window, total.measured, total.ok, total.non2xx,
      total.errors, static_cast<double>(total.measured) / window, us(total.hist.quantile(0.5)),
      us(total.hist.quantile(0.99)), us(total.hist.quantile(0.999)), us(total.hist.max()), cpu);
  return 0;
}
