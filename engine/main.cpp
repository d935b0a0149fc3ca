// vouchd: the daemon. Reads the config, opens storage, starts the actors and the two
// listeners, and drains cleanly on SIGTERM/SIGINT (docs/reference.md#vouchd).
#include <signal.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "actors/actor_host.hpp"
#include "config/config.hpp"
#include "core/duration.hpp"
#include "engine/admin_api.hpp"
#include "engine/ingress.hpp"
#include "engine/log_format.hpp"
#include "engine/master_key.hpp"
#include "engine/systemd_notify.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "storage/repository.hpp"
#include "storage/store_lock.hpp"
#include "tools/version/version.hpp"

using namespace vouch;

namespace {

std::optional<std::string> env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

int check(const config::config& cfg) {
  int problems = 0;
  std::string err;
  const auto& dir = cfg.storage.path;
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    std::cerr << "[storage] path: " << dir << " exists and is not a directory\n";
    ++problems;
  } else if (std::filesystem::exists(dir, ec)) {
    // vouchd writes here on every event: a directory it cannot write (permissions, or a
    // read-only mount) would start and then answer 503 to everything.
    struct statvfs fs {};
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      std::cerr << "[storage] path: " << dir << " is not writable by this user ("
                << std::strerror(errno) << ")\n";
      ++problems;
    } else if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY)) {
      std::cerr << "[storage] path: " << dir << " is on a read-only file system\n";
      ++problems;
    }
    engine::load_master_key(cfg.security.master_key, dir, false, err);
    if (!err.empty()) {
      std::cerr << err << "\n";
      ++problems;
    }
  }
  if (cfg.security.admin_token.empty())
    std::cout << "note: [security] admin_token is empty: the admin API refuses every call\n";
  if (problems == 0) std::cout << "config OK\n";
  return problems == 0 ? 0 : 1;
}

/// VOUCHD_TEST_FAULTS, for end-to-end tests of storage faults against a real process:
/// "fail_reads:TABLE" and "fail_deletes:TABLE:N", comma-separated. Never set in production;
/// vouchd says loudly at start when it is.
bool apply_test_faults(storage::database& db, const char* spec, std::string& err) {
  std::string_view rest(spec);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    std::vector<std::string_view> parts;
    for (std::size_t at = 0;;) {
      const auto colon = item.find(':', at);
      parts.push_back(item.substr(at, colon == std::string_view::npos ? colon : colon - at));
      if (colon == std::string_view::npos) break;
      at = colon + 1;
    }
    storage::table t{};
    if (parts.size() < 2 || !storage::parse_table(parts[1], t)) {
      err = "VOUCHD_TEST_FAULTS: cannot read \"" + std::string(item) + "\"";
      return false;
    }
    if (parts[0] == "fail_reads" && parts.size() == 2) {
      db.fail_reads_for_tests(t, true);
    } else if (parts[0] == "fail_deletes" && parts.size() == 3) {
      db.fail_deletes_for_tests(t, std::atoi(std::string(parts[2]).c_str()));
    } else {
      err = "VOUCHD_TEST_FAULTS: cannot read \"" + std::string(item) + "\"";
      return false;
    }
    spdlog::warn("msg=test_fault_active fault={:?}", std::string(item));
  }
  return true;
}

/// The listeners may hold up to max_connections sockets: raise the soft descriptor limit
/// toward the hard one (never above it) and say so when the hard one is too low.
void raise_fd_limit(std::size_t want) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t target = std::min<rlim_t>(static_cast<rlim_t>(want), lim.rlim_max);
  if (lim.rlim_cur < target) {
    lim.rlim_cur = target;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (target < want)
    spdlog::warn(
        "msg=fd_limit_low limit={} wanted={} hint=\"raise LimitNOFILE or lower "
        "[server] max_connections\"",
        static_cast<uint64_t>(target), want);
}

bool split_listen(const std::string& addr, net::server_options& o) {
  return core::parse_host_port(addr, o.host, o.port);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vouchd: Lever reference-check integration engine"};
  std::string config_path;
  bool check_only = false;
  app.add_option("--config", config_path, "TOML config file (default: built-in defaults)");
  app.add_flag("--check", check_only, "validate config and storage, print problems, exit 0/1");
  app.set_version_flag("--version", vouch::version_line("vouchd"), "print the version and exit");
  CLI11_PARSE(app, argc, argv);

  std::optional<std::string> path;
  if (!config_path.empty()) path = config_path;
  auto loaded = config::load_config(path, env);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << "config error: " << e.message << "\n";
    return 1;
  }
  const auto& cfg = loaded.cfg;
  if (check_only) return check(cfg);

  // Block the stop signals in every thread; main waits for them with sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // One line per event on stderr, key=value (engine/log_format.hpp). SPDLOG_LEVEL=debug
  // shows more.
  spdlog::set_default_logger(spdlog::stderr_color_mt("vouchd"));
  engine::use_vouch_log_format(cfg.log.format == "json" ? engine::log_format::json
                                                        : engine::log_format::text);
  spdlog::cfg::load_env_levels();
  net::http_client::global_init();

  actors::engine_context ctx;
  ctx.cfg = cfg;
  std::string err;
  // Before anything touches the store: a second vouchd on it would send every command twice.
  auto lock = storage::store_lock::acquire(cfg.storage.path, err);
  if (!lock) {
    spdlog::error("msg=storage_locked error={:?}", err);
    std::cerr << "vouchd: " << err << "\n";
    return 1;
  }
  ctx.db = storage::database::open(cfg.storage.path, cfg.storage.map_size, err);
  if (!ctx.db) {
    spdlog::error("msg=storage_failed error={:?}", err);
    return 1;
  }
  // The journal: on with write_path = "journal"; and whenever one is left from an earlier
  // run, what it holds is replayed into LMDB before anything reads (an operator who turns
  // the journal off must not lose what it answered).
  {
    const std::string jdir = cfg.storage.path + "/journal";
    std::error_code ec;
    if (cfg.storage.write_path == "journal" || std::filesystem::exists(jdir, ec)) {
      std::string note;
      if (!ctx.db->open_journal(jdir, err, note)) {
        spdlog::error("msg=journal_failed error={:?}", err);
        std::cerr << "vouchd: " << err << "\n";
        return 1;
      }
      if (!note.empty()) spdlog::warn("msg=journal_recovered dir={:?} detail={:?}", jdir, note);
      if (cfg.storage.write_path != "journal") ctx.db->close_journal();
    }
  }
  if (const char* w = std::getenv("VOUCHD_TEST_TIMER_WINDOW_MS")) {
    ctx.timer_window_ms = std::max<int64_t>(100, std::atoll(w));
    spdlog::warn("msg=test_timer_window window_ms={}", ctx.timer_window_ms);
  }
  if (const char* faults = std::getenv("VOUCHD_TEST_FAULTS")) {
    if (!apply_test_faults(*ctx.db, faults, err)) {
      spdlog::error("msg=bad_test_faults error={:?}", err);
      return 1;
    }
  }
  ctx.master_key = engine::load_master_key(cfg.security.master_key, cfg.storage.path, true, err);
  if (ctx.master_key.empty()) {
    spdlog::error("msg=master_key_failed error={:?}", err);
    return 1;
  }
  // A store written before the by_change index existed gets it once, before serving.
  if (const auto built = storage::build_change_index(*ctx.db))
    spdlog::info("msg=change_index_built entries={}", built);
  actors::load_engine_state(ctx);
  ctx.stats.set(
      "vouch_build_info",
      std::string("version=\"") + vouch::version() + "\",revision=\"" + vouch::revision() + "\"",
      1);
  // The counters an operator alerts on exist from start at 0 (a rate over a missing series
  // is "no data", not 0).
  for (uint8_t k = 0; k <= static_cast<uint8_t>(core::command_kind::prospect_export); ++k) {
    const std::string kind =
        std::string("kind=\"") + core::to_string(static_cast<core::command_kind>(k)) + "\"";
    for (const char* name : {"vouch_commands_sent_total", "vouch_commands_succeeded_total",
                             "vouch_commands_failed_total", "vouch_commands_dead_total"})
      ctx.stats.inc(name, kind, 0);
  }
  for (const char* outcome : {"outcome=\"ok\"", "outcome=\"failed\""})
    ctx.stats.inc("vouch_reconcile_passes_total", outcome, 0);

  net::http_client http;
  actors::actor_host host(ctx, http);
  ctx.port = &host;
  host.start();

  engine::ingress ingress(ctx);
  engine::admin_api admin(ctx, http);

  net::server_options pub_opts, admin_opts;
  if (!split_listen(cfg.server.listen, pub_opts) ||
      !split_listen(cfg.server.admin_listen, admin_opts)) {
    spdlog::error("msg=bad_listen_address listen={:?} admin_listen={:?}", cfg.server.listen,
                  cfg.server.admin_listen);
    return 1;
  }
  pub_opts.threads = 2;
  // Two: a slow admin call (a long listing) never holds up the others or /metrics.
  admin_opts.threads = 2;
  admin_opts.body_limit = 1024 * 1024;
  for (auto* o : {&pub_opts, &admin_opts}) {
    o->header_timeout = cfg.server.header_timeout;
    o->body_timeout = cfg.server.body_timeout;
    o->idle_timeout = cfg.server.idle_timeout;
    o->header_limit = static_cast<std::size_t>(cfg.server.max_header_bytes);
    o->max_connections = static_cast<std::size_t>(cfg.server.max_connections);
  }
  // The public listener's connections, plus room for the admin listener, LMDB, outgoing
  // calls and logs (the admin listener is for operators: it never nears its own limit).
  raise_fd_limit(static_cast<std::size_t>(cfg.server.max_connections) + 1024);
  net::http_server pub(pub_opts, [&](net::http_request&& r, net::responder d) {
    ingress.handle(std::move(r), std::move(d));
  });
  net::http_server adm(admin_opts, [&](net::http_request&& r, net::responder d) {
    admin.handle(std::move(r), std::move(d));
  });
  if (!pub.start(err) || !adm.start(err)) {
    spdlog::error("msg=listen_failed error={:?}", err);
    host.shutdown();
    return 1;
  }
  // Ready only once both listeners accept: a probe that saw 200 on /readyz may go straight
  // to the admin API (/metrics, vouchctl).
  ctx.ready = true;
  spdlog::info("msg=serving version={} revision={} public={} admin={} storage={:?} orgs={}",
               vouch::version(), vouch::revision(), cfg.server.listen, cfg.server.admin_listen,
               cfg.storage.path, ctx.orgs->ids().size());
  engine::notify_systemd("READY=1");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("msg=draining signal={} drain_s={}", sig, cfg.server.drain_s);
  // The public listener stays open while draining: /healthz answers 503 (a load balancer
  // takes the instance out), new events 503 with Retry-After (Lever and the platform retry).
  ctx.draining = true;
  engine::notify_systemd("STOPPING=1");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cfg.server.drain_s);
  while (ingress.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Stop the actors; a worker waiting on a call that hangs would hold this past drain_s, so
  // at the deadline every call still out is failed. Its command stays pending in LMDB and
  // goes out again, with the same idempotency key, after the next start.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    host.shutdown();
    stopped = true;
  });
  // Waits for the stopper for `grace`; if it is still not done, logs `line` and exits.
  // CAF 0.17 can hang in ~actor_system tearing down detached actors (actor-framework
  // issue #1196). Once the store actor is gone every commit is made, so an exit then is as
  // safe as the kill -9 the store is built for.
  auto exit_unless_stopped = [&](std::chrono::milliseconds grace, auto&& line) {
    const auto until = std::chrono::steady_clock::now() + grace;
    while (!stopped && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (stopped) return;
    line();
    spdlog::default_logger()->flush();
    std::_Exit(0);
  };
  while (!stopped && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Every actor that writes has ended: give CAF's teardown a moment, then go without it.
    if (host.actors_down())
      exit_unless_stopped(std::chrono::milliseconds(500), [&] {
        pub.stop_accepting();
        adm.stop_accepting();
        spdlog::info("msg=stopped detail={:?}",
                     "actors ended; CAF thread teardown skipped (actor-framework#1196)");
      });
  }
  if (!stopped) {
    spdlog::warn("msg=drain_deadline drain_s={} detail={:?}", cfg.server.drain_s,
                 "calls still out are abandoned; their commands stay in the outbox");
    http.shutdown();
    exit_unless_stopped(std::chrono::seconds(1), [] { spdlog::warn("msg=stopped forced=true"); });
  }
  stopper.join();
  pub.stop();
  adm.stop();
  spdlog::info("msg=stopped");
  return 0;
}
