// vouchd configuration (docs/configuration.md): plain structs holding
// every default, a loader that reads TOML and VOUCH_<SECTION>_<KEY> environment
// overrides, and a printer of the effective config (tests and the config fuzzer use it).
//
// Loading never throws and never stops at the first problem: it returns every
// error it found, each naming the file (or variable), the key, what was
// expected and what was seen, so an operator fixes a config in one round.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace vouch::config {

struct server_config {
  std::string listen = "127.0.0.1:8080";             ///< Public: webhooks, platform events, links.
  std::string admin_listen = "127.0.0.1:8081";       ///< Admin API; never public by default.
  std::string public_url = "http://127.0.0.1:8080";  ///< Base of printed URLs and hire links.
  int64_t drain_s = 10;  ///< Seconds to finish in-flight work on SIGTERM.
  // Limits of both listeners (added by vouch; docs/configuration.md#server,
  // docs/operator-guide.md).
  std::chrono::milliseconds header_timeout{std::chrono::seconds{10}};  ///< slowloris bound
  std::chrono::milliseconds body_timeout{std::chrono::seconds{30}};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{60}};  ///< keep-alive wait
  int64_t max_header_bytes = 16 * 1024;  ///< larger request headers: 431
  int64_t max_connections = 10000;       ///< per listener; beyond: 503 and close
};

struct storage_config {
  std::string path = "./vouch-data";      ///< LMDB environment directory.
  uint64_t map_size = uint64_t{4} << 30;  ///< LMDB map size in bytes (4 GiB).
  /// Added by vouch: "each_commit" syncs a group commit's meta page before answering (two
  /// syncs per commit); "deferred" lets the next commit's data sync carry it (one sync per
  /// commit under load, answers one commit later). docs/architecture.md#durability.
  std::string meta_sync = "each_commit";
  /// Added by vouch: "journal" answers an event once it is in the journal (one append and
  /// one fdatasync per group commit) and applies it to LMDB behind, in large transactions;
  /// "lmdb" answers once its own LMDB group commit is synced. docs/architecture.md#durability.
  std::string write_path = "journal";
};

struct security_config {
  std::string admin_token;  ///< Empty: the admin API refuses every request.
  std::string master_key;   ///< Empty or 64 hex chars; empty = generated into storage.
};

/// How the commands of one target ([lever], [platform], [mail]) are retried, and when its
/// breaker opens. The same keys in each of those sections.
struct retry_config {
  int max_attempts = 0;  ///< Counted failures before dead-lettering; 0 = no count limit.
  std::chrono::milliseconds retry_base{std::chrono::seconds{1}};  ///< First backoff step.
  std::chrono::milliseconds retry_max{std::chrono::minutes{10}};  ///< Backoff cap.
  std::chrono::milliseconds retry_for{std::chrono::hours{72}};    ///< Failing longer: dead.
  int breaker_after = 5;  ///< Consecutive failures that open the breaker; 0 = no breaker.
};

struct lever_config {
  std::string base_url = "https://api.lever.co/v1";
  double rate_per_s = 10;  ///< Per API key, steady.
  double burst = 20;       ///< Per API key.
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
  /// How often each connected org is asked for changes its webhooks may have missed
  /// (catch-up); 0 = never on a schedule (POST .../reconcile still runs a pass).
  std::chrono::milliseconds reconcile_every{std::chrono::minutes{5}};
  retry_config retry;
};

struct platform_config {
  std::string base_url = "http://127.0.0.1:9100";
  std::string secret;  ///< "whsec_<base64>" (Standard Webhooks); raw bytes without the prefix.
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
  retry_config retry;
};

struct mail_config {
  std::string transport = "maildir";  ///< "maildir" or "smtp".
  std::string dir = "./vouch-data/mail";
  std::string smtp_url = "smtp://127.0.0.1:25";
  std::string from = "vouch <no-reply@localhost>";
  /// Added by vouch (docs/configuration.md#mail): a PEM file of CA certificates trusted for the
  /// SMTP server's TLS (STARTTLS or smtps://), for relays with a private CA. "" = the
  /// system's store.
  std::string ca_file;
  retry_config retry;
};

struct timing_config {
  std::chrono::milliseconds hire_followup_after{std::chrono::hours{24 * 14}};
  std::chrono::milliseconds reference_reminder_after{std::chrono::hours{24 * 2}};
  std::chrono::milliseconds request_expiry_after{std::chrono::hours{24 * 21}};
  std::chrono::milliseconds passivate_after{std::chrono::seconds{60}};
};

/// Added by vouch (docs/configuration.md#actors). Candidate actors resident at once; beyond it the
/// least recently used idle ones are passivated early (their state stays in LMDB).
struct actors_config {
  int64_t max_resident = 100000;
};

/// Added by vouch (docs/configuration.md#log): how each log line is written.
struct log_config {
  std::string format = "text";  ///< "text": key=value lines; "json": one JSON object per line.
};

struct config {
  server_config server;
  storage_config storage;
  security_config security;
  lever_config lever;
  platform_config platform;
  mail_config mail;
  timing_config timing;
  actors_config actors;
  log_config log;
};

/// `cfg` is usable only when `errors` is empty. Every problem is reported, not just the
/// first, each naming its file, section and key (or environment variable): errc::invalid
/// for a value or a file that does not parse, errc::io for a file that cannot be read.
struct load_result {
  config cfg;
  std::vector<core::error_info> errors;
};

/// Reads `path` (no path: all defaults) and then applies VOUCH_<SECTION>_<KEY>
/// overrides looked up through `getenv` (injected so tests need not touch the
/// process environment). Environment values are strings parsed per the key's
/// type: VOUCH_SERVER_DRAIN_S=15 is an integer 15.
load_result load_config(
    const std::optional<std::string>& path,
    const std::function<std::optional<std::string>(const std::string& name)>& getenv);

/// The effective config as TOML, every key present; secrets are printed as
/// "set" or "" so the output can be pasted into a ticket.
std::string describe(const config& cfg);

}  // namespace vouch::config
