// The polling views: export progress (export start/show --watch) and top.
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "tools/vouchctl/commands.hpp"
#include "tools/vouchctl/output.hpp"
#include "tools/vouchctl/table.hpp"

namespace vouch::ctl {

namespace {

const std::string api = "/admin/v1";

int64_t num(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
}

// -- export ------------------------------------------------------------------------------

/// One progress line. The ETA is the daemon's eta_s when it gives one, else estimated from
/// what this watch has seen (`rate_per_s`, items per second).
std::string progress_line(const std::string& id, const json& e, double rate_per_s) {
  const int64_t total = num(e, "total"), done = num(e, "done"), failed = num(e, "failed"),
                skipped = num(e, "skipped");
  const int64_t processed = done + failed + skipped;
  constexpr int bar = 30;
  const double frac = total > 0 ? std::min(1.0, static_cast<double>(processed) / total) : 0.0;
  const int filled = static_cast<int>(std::lround(frac * bar));
  std::ostringstream s;
  s << "export " << id << "  " << field(e, "state") << "  [" << std::string(filled, '#')
    << std::string(bar - filled, '-') << "] " << static_cast<int>(std::floor(frac * 100)) << "%  "
    << processed << "/" << total << "  done " << done << "  failed " << failed << "  skipped "
    << skipped << "  ETA ";
  const json eta = e.is_object() ? e.value("eta_s", json()) : json();
  if (processed >= total && total > 0)
    s << "0s";
  else if (eta.is_number())
    s << human_duration(static_cast<int64_t>(std::ceil(eta.get<double>())));
  else if (rate_per_s > 0)
    s << human_duration(static_cast<int64_t>(std::ceil((total - processed) / rate_per_s)));
  else
    s << "?";
  return s.str();
}

int watch_export(admin_client& c, const global_options& g, const std::string& id, bool watch) {
  const std::string path = api + "/exports/" + seg(id);
  json e = c.get(path);
  const bool tty = isatty(STDOUT_FILENO) == 1;
  if (watch && e.value("state", "") == "running") {
    const int64_t start_ms = now_ms();
    const int64_t start_processed = num(e, "done") + num(e, "failed") + num(e, "skipped");
    std::string last;
    for (;;) {
      const int64_t processed = num(e, "done") + num(e, "failed") + num(e, "skipped");
      const double secs = static_cast<double>(now_ms() - start_ms) / 1000.0;
      const double rate = secs > 0.5 ? (processed - start_processed) / secs : 0.0;
      const std::string line = progress_line(id, e, rate);
      if (!g.json) {
        if (tty)
          std::cout << '\r' << line << "\x1b[K" << std::flush;
        else if (line != last)
          std::cout << line << '\n' << std::flush;
      }
      last = line;
      if (e.value("state", "") != "running") break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      e = c.get(path);
    }
    if (!g.json && tty) std::cout << '\r' << progress_line(id, e, 0) << "\x1b[K\n";
  }
  if (g.json) {
    print_json(e);
  } else {
    std::vector<std::pair<std::string, std::string>> rows = {
        {"export", id},
        {"org", field(e, "org")},
        {"state", field(e, "state")},
        {"total", field(e, "total")},
        {"done", field(e, "done")},
        {"failed", field(e, "failed")},
        {"skipped", field(e, "skipped")},
        {"started", time_of(e.value("created_at", json()))},
        {"updated", time_of(e.value("updated_at", json()))}};
    const json eta = e.value("eta_s", json());
    if (eta.is_number())
      rows.emplace_back("eta", human_duration(static_cast<int64_t>(std::ceil(eta.get<double>()))));
    print_fields(rows);
    const json failures = e.value("failures", json::array());
    if (failures.is_array() && !failures.empty()) {
      std::cout << "failures:\n";
      for (const auto& f : failures) std::cout << "  " << text(f) << '\n';
    }
  }
  const std::string state = e.value("state", "");
  if (watch && state != "done") {
    std::cerr << "vouchctl: export " << id << " ended " << state << '\n';
    return exit_daemon_error;
  }
  return exit_ok;
}

// -- top -----------------------------------------------------------------------------------

void add_rows(table& t, const std::string& key, const json& v, std::size_t depth) {
  const std::string indent(depth * 2, ' ');
  if (v.is_object()) {
    t.add({indent + key, ""});
    for (const auto& [k, sub] : v.items()) add_rows(t, k, sub, depth + 1);
    // LMDB: bytes in human units and the share of the map in use.
    if (v.contains("map_size") && v.contains("used_bytes") && v["map_size"].is_number() &&
        v["used_bytes"].is_number() && v["map_size"].get<double>() > 0) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%.1f%%",
                    100.0 * v["used_bytes"].get<double>() / v["map_size"].get<double>());
      t.add({indent + "  used_of_map", pct});
    }
    return;
  }
  std::string value = text(v);
  if ((key == "map_size" || key == "used_bytes") && v.is_number())
    value += " (" + human_bytes(v.get<double>()) + ")";
  t.add({indent + key, value});
}

/// Sum of every series of each counter family in a Prometheus text: {family -> sum}.
std::map<std::string, double> counter_sums(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto name_end = line.find_first_of("{ ");
    const auto value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    const std::string name = line.substr(0, name_end);
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0) continue;
    out[name] += std::strtod(line.c_str() + value_at + 1, nullptr);
  }
  return out;
}

/// Per-second rates of the counters an operator watches, between two /metrics snapshots
/// `seconds` apart.
void render_rates(const std::map<std::string, double>& before,
                  const std::map<std::string, double>& after, double seconds, std::ostream& out) {
  if (seconds <= 0 || before.empty()) return;
  table t({"RATE /s", ""});
  auto rate = [&](const char* label, const char* name) {
    const auto a = after.find(name), b = before.find(name);
    const double d = (a == after.end() ? 0 : a->second) - (b == before.end() ? 0 : b->second);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", std::max(d, 0.0) / seconds);
    t.add({label, buf});
  };
  rate("webhooks and events", "vouch_webhooks_total");
  rate("commands sent", "vouch_commands_sent_total");
  rate("commands failed", "vouch_commands_failed_total");
  rate("commands dead", "vouch_commands_dead_total");
  rate("timers fired", "vouch_timers_fired_total");
  rate("admin requests", "vouch_admin_requests_total");
  t.print(out, 0, true);
}

void render_system(const admin_client& c, const json& sys, std::ostream& out) {
  out << "vouchd at " << c.base() << "  " << iso_time(now_ms() / 1000 * 1000)
      << "  ready: " << field(sys, "ready") << "  draining: " << field(sys, "draining") << '\n';
  table t({"", ""});
  const char* order[] = {"actors",         "outbox_queue",     "outbox", "pools",
                         "timers_pending", "candidates_total", "storage"};
  for (const char* k : order)
    if (sys.contains(k)) add_rows(t, k, sys[k], 0);
  for (const auto& [k, v] : sys.items()) {
    bool known = k == "ready" || k == "draining";
    for (const char* o : order) known = known || k == o;
    if (!known) add_rows(t, k, v, 0);
  }
  t.print(out, 0, false);
}

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) {
  g_stop = 1;
}

/// Puts a terminal stdin in non-canonical, no-echo mode; restores it when destroyed.
class raw_stdin {
 public:
  raw_stdin() {
    if (isatty(STDIN_FILENO) != 1 || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~raw_stdin() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  raw_stdin(const raw_stdin&) = delete;
  raw_stdin& operator=(const raw_stdin&) = delete;
  bool active() const { return active_; }

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

int export_start(const global_options& g, const std::string& org, bool watch) {
  admin_client c(g);
  const json body = json::object();
  const reply r = c.call("POST", api + "/orgs/" + seg(org) + "/exports", {}, &body);
  const std::string id = r.body.contains("id") ? text(r.body["id"]) : "";
  if (!watch || id.empty()) {
    if (g.json) return print_json(r.body), exit_ok;
    std::cout << "export " << (id.empty() ? "?" : id)
              << " started; follow it with `vouchctl export show " << id << " --watch`\n";
    return exit_ok;
  }
  if (!g.json) std::cout << "export " << id << " started\n";
  return watch_export(c, g, id, true);
}

int export_show(const global_options& g, const std::string& id, bool watch) {
  admin_client c(g);
  return watch_export(c, g, id, watch);
}

int top(const global_options& g, bool once) {
  admin_client c(g);
  const std::string path = api + "/system";
  json sys = c.get(path);  // the first snapshot must work: exit 1/3 otherwise
  if (g.json) return print_json(sys), exit_ok;
  if (once) {
    render_system(c, sys, std::cout);
    return exit_ok;
  }

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: poll() wakes up with EINTR
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  {
    raw_stdin keys;
    std::string problem;
    // Rates come from two /metrics snapshots, one refresh apart.
    std::map<std::string, double> sums_before, sums_now;
    int64_t sums_at = 0;
    auto take_sums = [&] {
      sums_before = std::move(sums_now);
      const int64_t before = sums_at;
      sums_now = counter_sums(c.call("GET", "/metrics").text);
      sums_at = now_ms();
      return before ? (sums_at - before) / 1000.0 : 0.0;
    };
    double interval = take_sums();
    while (!g_stop) {
      std::ostringstream frame;
      render_system(c, sys, frame);
      render_rates(sums_before, sums_now, interval, frame);
      if (!problem.empty()) frame << "\n(last refresh failed: " << problem << ")\n";
      frame << "\nrefreshing every second; q or Ctrl-C quits\n";
      std::cout << "\x1b[H\x1b[2J" << frame.str() << std::flush;

      const int64_t until = now_ms() + 1000;
      bool quit = false;
      while (!g_stop && !quit) {
        const int64_t left = until - now_ms();
        if (left <= 0) break;
        pollfd p{STDIN_FILENO, POLLIN, 0};
        const int n = keys.active() ? poll(&p, 1, static_cast<int>(left))
                                    : poll(nullptr, 0, static_cast<int>(left));
        if (n > 0 && (p.revents & POLLIN)) {
          char ch = 0;
          if (read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q')) quit = true;
        }
      }
      if (quit) break;
      if (g_stop) break;
      try {
        sys = c.get(path);
        interval = take_sums();
        problem.clear();
      } catch (const failure& e) {
        problem = e.what();
      }
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  std::cout << '\n';
  return exit_ok;
}

}  // namespace vouch::ctl
