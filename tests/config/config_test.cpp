#define BOOST_TEST_MODULE vouch config
#include "config/config.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

using namespace vouch::config;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A private temp directory per test, removed afterwards.
struct temp_dir {
  fs::path dir;

  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "vouch-config-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::string write(const std::string& name, const std::string& content) const {
    const fs::path p = dir / name;
    std::ofstream(p) << content;
    return p.string();
  }
};

using env_map = std::map<std::string, std::string>;

auto env_from(env_map vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

auto no_env() {
  return env_from({});
}

std::string all(const std::vector<vouch::core::error_info>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.message + "\n";
  return out;
}

// True if some error contains every one of `parts`.
bool has_error(const load_result& r, std::initializer_list<std::string> parts) {
  for (const auto& e : r.errors) {
    bool every = true;
    for (const auto& p : parts) every = every && e.message.find(p) != std::string::npos;
    if (every) return true;
  }
  return false;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(config_loading, temp_dir)

BOOST_AUTO_TEST_CASE(no_file_gives_every_default_of_the_contract) {
  const auto r = load_config(std::nullopt, no_env());
  BOOST_TEST(r.errors.empty(), all(r.errors));
  const config& c = r.cfg;
  BOOST_TEST(c.server.listen == "127.0.0.1:8080");
  BOOST_TEST(c.server.admin_listen == "127.0.0.1:8081");
  BOOST_TEST(c.server.public_url == "http://127.0.0.1:8080");
  BOOST_TEST(c.server.drain_s == 10);
  BOOST_TEST(c.storage.path == "./vouch-data");
  BOOST_TEST(c.storage.map_size == 4ull << 30);
  BOOST_TEST(c.security.admin_token.empty());
  BOOST_TEST(c.security.master_key.empty());
  BOOST_TEST(c.lever.base_url == "https://api.lever.co/v1");
  BOOST_TEST(c.lever.rate_per_s == 10.0);
  BOOST_TEST(c.lever.burst == 20.0);
  BOOST_TEST(c.lever.timeout.count() == 10000);
  for (const auto* r : {&c.lever.retry, &c.platform.retry, &c.mail.retry}) {
    BOOST_TEST(r->max_attempts == 0);  // no count limit: the time budget decides
    BOOST_TEST(r->retry_base.count() == 1000);
    BOOST_TEST(r->retry_max.count() == 600000);
    BOOST_TEST(r->retry_for.count() == 72LL * 3600 * 1000);
    BOOST_TEST(r->breaker_after == 5);
  }
  BOOST_TEST(c.platform.base_url == "http://127.0.0.1:9100");
  BOOST_TEST(c.platform.secret.empty());
  BOOST_TEST(c.platform.timeout.count() == 10000);
  BOOST_TEST(c.mail.transport == "maildir");
  BOOST_TEST(c.mail.dir == "./vouch-data/mail");
  BOOST_TEST(c.mail.smtp_url == "smtp://127.0.0.1:25");
  BOOST_TEST(c.mail.from == "vouch <no-reply@localhost>");
  BOOST_TEST(c.mail.ca_file.empty());
  BOOST_TEST(c.timing.hire_followup_after.count() == std::chrono::milliseconds(14 * 24h).count());
  BOOST_TEST(c.timing.reference_reminder_after.count() ==
             std::chrono::milliseconds(2 * 24h).count());
  BOOST_TEST(c.timing.request_expiry_after.count() == std::chrono::milliseconds(21 * 24h).count());
  BOOST_TEST(c.timing.passivate_after.count() == 60000);
  BOOST_TEST(c.log.format == "text");
  BOOST_TEST(c.storage.meta_sync == "each_commit");
  BOOST_TEST(c.storage.write_path == "journal");
}

BOOST_AUTO_TEST_CASE(a_full_valid_file_sets_every_key) {
  const std::string path = write("vouch.toml", R"(
[server]
listen       = "0.0.0.0:80"
admin_listen = "[::1]:9081"
public_url   = "https://vouch.example.com"
drain_s      = 3

[storage]
path     = "/var/lib/vouch"
map_size = "256MiB"

[security]
admin_token = "tok"
master_key  = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"

[lever]
base_url     = "https://api.sandbox.lever.co/v1"
rate_per_s   = 2.5
burst        = 5
timeout      = "3s"
max_attempts = 4
retry_base   = "250ms"
retry_max    = "2m"
retry_for    = "6h"
breaker_after = 3

[platform]
base_url     = "https://platform.example"
secret       = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
timeout      = "5s"
max_attempts = 7
retry_base   = "2s"
retry_max    = "1h"

[mail]
transport = "smtp"
dir       = "/tmp/mail"
smtp_url  = "smtps://mail.example:465"
from      = "Vouch <vouch@example.com>"
retry_for = "1d"
breaker_after = 0

[timing]
hire_followup_after      = "7d"
reference_reminder_after = "1d"
request_expiry_after     = "30d"
passivate_after          = "90s"

[log]
format = "json"
)");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.empty(), all(r.errors));
  const config& c = r.cfg;
  BOOST_TEST(c.server.listen == "0.0.0.0:80");
  BOOST_TEST(c.server.admin_listen == "[::1]:9081");
  BOOST_TEST(c.server.public_url == "https://vouch.example.com");
  BOOST_TEST(c.server.drain_s == 3);
  BOOST_TEST(c.storage.path == "/var/lib/vouch");
  BOOST_TEST(c.storage.map_size == 256ull << 20);
  BOOST_TEST(c.security.admin_token == "tok");
  BOOST_TEST(c.security.master_key.size() == 64u);
  BOOST_TEST(c.lever.base_url == "https://api.sandbox.lever.co/v1");
  BOOST_TEST(c.lever.rate_per_s == 2.5);
  BOOST_TEST(c.lever.burst == 5.0);
  BOOST_TEST(c.lever.timeout.count() == 3000);
  BOOST_TEST(c.lever.retry.max_attempts == 4);
  BOOST_TEST(c.lever.retry.retry_base.count() == 250);
  BOOST_TEST(c.lever.retry.retry_max.count() == 120000);
  BOOST_TEST(c.lever.retry.retry_for.count() == 6LL * 3600 * 1000);
  BOOST_TEST(c.lever.retry.breaker_after == 3);
  BOOST_TEST(c.mail.retry.retry_for.count() == 24LL * 3600 * 1000);
  BOOST_TEST(c.mail.retry.breaker_after == 0);
  BOOST_TEST(c.platform.base_url == "https://platform.example");
  BOOST_TEST(c.platform.secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  BOOST_TEST(c.platform.timeout.count() == 5000);
  BOOST_TEST(c.platform.retry.max_attempts == 7);
  BOOST_TEST(c.platform.retry.retry_base.count() == 2000);
  BOOST_TEST(c.platform.retry.retry_max.count() == 3600000);
  BOOST_TEST(c.mail.transport == "smtp");
  BOOST_TEST(c.mail.dir == "/tmp/mail");
  BOOST_TEST(c.mail.smtp_url == "smtps://mail.example:465");
  BOOST_TEST(c.mail.from == "Vouch <vouch@example.com>");
  BOOST_TEST(c.timing.hire_followup_after.count() == std::chrono::milliseconds(7 * 24h).count());
  BOOST_TEST(c.timing.reference_reminder_after.count() == std::chrono::milliseconds(24h).count());
  BOOST_TEST(c.timing.request_expiry_after.count() == std::chrono::milliseconds(30 * 24h).count());
  BOOST_TEST(c.timing.passivate_after.count() == 90000);
  BOOST_TEST(c.log.format == "json");
}

BOOST_AUTO_TEST_CASE(a_bad_duration_names_file_section_key_expectation_and_value) {
  const std::string path = write("vouch.toml", "[timing]\nhire_followup_after = \"fortnight\"\n");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 1u, all(r.errors));
  BOOST_TEST((r.errors.at(0).code == vouch::core::errc::invalid));
  BOOST_TEST(r.errors.at(0).message ==
             path +
                 ": [timing] hire_followup_after: expected a duration such as \"30s\", "
                 "\"5m\" or \"14d\", got \"fortnight\"");
}

BOOST_AUTO_TEST_CASE(every_bad_value_is_reported_not_just_the_first) {
  const std::string path = write("vouch.toml", R"(
[server]
listen = "not-an-address"
admin_listen = "localhost"
public_url = "ftp://example.com"
drain_s = -1

[storage]
map_size = "4GB"

[security]
master_key = "abc"

[lever]
rate_per_s = 0
burst = 0.5
max_attempts = -1
timeout = "10"

[platform]
secret = "whsec_!!!"
retry_for = "0s"
breaker_after = -2

[mail]
transport = "pigeon"
smtp_url = "http://mail"
retry_max = "soon"

[log]
format = "xml"
)");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 17u, all(r.errors));
  const auto m =
      load_config(std::nullopt, [](const std::string& name) -> std::optional<std::string> {
        if (name == "VOUCH_STORAGE_META_SYNC") return std::string("sometimes");
        if (name == "VOUCH_STORAGE_WRITE_PATH") return std::string("tape");
        return std::nullopt;
      });
  BOOST_TEST(has_error(m, {"VOUCH_STORAGE_META_SYNC", "[storage] meta_sync",
                           "\"each_commit\" or \"deferred\"", "\"sometimes\""}));
  BOOST_TEST(has_error(m, {"VOUCH_STORAGE_WRITE_PATH", "[storage] write_path",
                           "\"journal\" or \"lmdb\"", "\"tape\""}));
  BOOST_TEST(has_error(r, {path, "[log] format", "\"text\" or \"json\"", "\"xml\""}));
  BOOST_TEST(has_error(r, {path, "[platform] retry_for", "above zero", "\"0s\""}));
  BOOST_TEST(has_error(r, {"[platform] breaker_after", ">= 0", "got -2"}));
  BOOST_TEST(has_error(r, {"[mail] retry_max", "duration", "\"soon\""}));
  BOOST_TEST(has_error(r, {path, "[server] listen", "address", "\"not-an-address\""}));
  BOOST_TEST(has_error(r, {"[server] admin_listen", "\"localhost\""}));
  BOOST_TEST(has_error(r, {"[server] public_url", "http:// or https://", "ftp://"}));
  BOOST_TEST(has_error(r, {"[server] drain_s", ">= 0", "got -1"}));
  BOOST_TEST(has_error(r, {"[storage] map_size", "4GiB", "\"4GB\""}));
  BOOST_TEST(has_error(r, {"[security] master_key", "64 hex", "3 characters"}));
  BOOST_TEST(has_error(r, {"[lever] rate_per_s", "> 0", "got 0"}));
  BOOST_TEST(has_error(r, {"[lever] burst", ">= 1", "got 0.5"}));
  BOOST_TEST(has_error(r, {"[lever] max_attempts", ">= 0", "got -1"}));
  BOOST_TEST(has_error(r, {"[lever] timeout", "duration", "\"10\""}));
  BOOST_TEST(has_error(r, {"[platform] secret"}));
  BOOST_TEST(has_error(r, {"[mail] transport", "\"maildir\" or \"smtp\"", "\"pigeon\""}));
  BOOST_TEST(has_error(r, {"[mail] smtp_url", "smtp://"}));
}

BOOST_AUTO_TEST_CASE(a_retry_base_longer_than_retry_max_is_an_error_naming_both) {
  const std::string path = write("vouch.toml", R"(
[platform]
retry_base = "5m"
retry_max = "1m"
)");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 1u, all(r.errors));
  BOOST_TEST(has_error(r, {path, "[platform] retry_base", "retry_max", "5m", "1m"}));
}

BOOST_AUTO_TEST_CASE(a_mail_ca_file_must_be_readable) {
  const std::string ca = write("relay-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string good = write("good.toml", "[mail]\nca_file = \"" + ca + "\"\n");
  const auto ok = load_config(good, no_env());
  BOOST_TEST(ok.errors.empty(), all(ok.errors));
  BOOST_TEST(ok.cfg.mail.ca_file == ca);
  const std::string bad = write("bad.toml", "[mail]\nca_file = \"" + ca + ".missing\"\n");
  const auto r = load_config(bad, no_env());
  BOOST_TEST(r.errors.size() == 1u, all(r.errors));
  BOOST_TEST(has_error(r, {bad, "[mail] ca_file", "readable PEM file", ".missing\""}));
}

BOOST_AUTO_TEST_CASE(secrets_are_never_echoed_in_errors) {
  const std::string path =
      write("vouch.toml", "[security]\nmaster_key = \"my-very-secret-value\"\n");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 1u);
  BOOST_TEST(all(r.errors).find("my-very-secret-value") == std::string::npos, all(r.errors));
}

BOOST_AUTO_TEST_CASE(a_wrong_type_names_the_key_and_what_was_seen) {
  const std::string path = write("vouch.toml",
                                 "[server]\ndrain_s = \"ten\"\nlisten = 8080\n"
                                 "[timing]\npassivate_after = 60\n");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 3u, all(r.errors));
  BOOST_TEST(has_error(r, {path, "[server] drain_s", "integer", "a string (\"ten\")"}));
  BOOST_TEST(has_error(r, {"[server] listen", "an integer (8080)"}));
  BOOST_TEST(has_error(r, {"[timing] passivate_after", "duration", "an integer (60)"}));
}

BOOST_AUTO_TEST_CASE(an_unknown_key_or_section_is_an_error_naming_it) {
  const std::string path = write("vouch.toml",
                                 "stray = 1\n[server]\nlisen = \"127.0.0.1:1\"\n"
                                 "[servre]\nlisten = \"127.0.0.1:1\"\n");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 3u, all(r.errors));
  BOOST_TEST(has_error(r, {path, "[server]", "unknown key \"lisen\"", "listen"}));
  BOOST_TEST(has_error(r, {path, "unknown section [servre]"}));
  BOOST_TEST(has_error(r, {path, "\"stray\""}));
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_naming_the_file) {
  const std::string path = (dir / "nope.toml").string();
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 1u);
  BOOST_TEST(has_error(r, {path, "No such file"}));
}

BOOST_AUTO_TEST_CASE(a_directory_instead_of_a_file_is_an_error) {
  const auto r = load_config(dir.string(), no_env());
  BOOST_TEST(r.errors.size() == 1u);
  BOOST_TEST(has_error(r, {dir.string(), "cannot read"}));
  BOOST_TEST((r.errors.at(0).code == vouch::core::errc::io));
}

BOOST_AUTO_TEST_CASE(a_parse_error_gives_file_line_and_column) {
  const std::string path = write("vouch.toml", "[server]\ndrain_s = 10\nlisten = \"unterminated\n");
  const auto r = load_config(path, no_env());
  BOOST_TEST(r.errors.size() == 1u, all(r.errors));
  BOOST_TEST(r.errors.at(0).message.rfind(path + ":3:", 0) == 0u, all(r.errors));
}

BOOST_AUTO_TEST_CASE(environment_variables_override_the_file_and_are_parsed_by_type) {
  const std::string path =
      write("vouch.toml", "[server]\ndrain_s = 10\n[timing]\nhire_followup_after = \"14d\"\n");
  const auto r = load_config(path, env_from({{"VOUCH_SERVER_DRAIN_S", "15"},
                                             {"VOUCH_TIMING_HIRE_FOLLOWUP_AFTER", "3d"},
                                             {"VOUCH_SECURITY_ADMIN_TOKEN", "from-env"},
                                             {"VOUCH_LEVER_RATE_PER_S", "0.5"},
                                             {"VOUCH_STORAGE_MAP_SIZE", "1GiB"},
                                             {"VOUCH_MAIL_TRANSPORT", "smtp"}}));
  BOOST_TEST(r.errors.empty(), all(r.errors));
  BOOST_TEST(r.cfg.server.drain_s == 15);
  BOOST_TEST(r.cfg.timing.hire_followup_after.count() ==
             std::chrono::milliseconds(3 * 24h).count());
  BOOST_TEST(r.cfg.security.admin_token == "from-env");
  BOOST_TEST(r.cfg.lever.rate_per_s == 0.5);
  BOOST_TEST(r.cfg.storage.map_size == 1ull << 30);
  BOOST_TEST(r.cfg.mail.transport == "smtp");
}

BOOST_AUTO_TEST_CASE(environment_overrides_apply_without_a_file) {
  const auto r = load_config(std::nullopt, env_from({{"VOUCH_SERVER_LISTEN", "[::1]:1"}}));
  BOOST_TEST(r.errors.empty(), all(r.errors));
  BOOST_TEST(r.cfg.server.listen == "[::1]:1");
}

BOOST_AUTO_TEST_CASE(a_bad_environment_value_names_the_variable_and_the_key) {
  const auto r =
      load_config(std::nullopt, env_from({{"VOUCH_TIMING_HIRE_FOLLOWUP_AFTER", "fortnight"},
                                          {"VOUCH_SERVER_DRAIN_S", "ten"},
                                          {"VOUCH_SECURITY_MASTER_KEY", "zz-secret"}}));
  BOOST_TEST(r.errors.size() == 3u, all(r.errors));
  BOOST_TEST(has_error(r, {"VOUCH_TIMING_HIRE_FOLLOWUP_AFTER ([timing] hire_followup_after): "
                           "expected a duration such as \"30s\", \"5m\" or \"14d\", got "
                           "\"fortnight\""}));
  BOOST_TEST(has_error(r, {"VOUCH_SERVER_DRAIN_S", "drain_s", "\"ten\""}));
  BOOST_TEST(has_error(r, {"VOUCH_SECURITY_MASTER_KEY", "master_key"}));
  BOOST_TEST(all(r.errors).find("zz-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(describe_prints_the_effective_config_with_secrets_hidden) {
  auto r = load_config(std::nullopt, env_from({{"VOUCH_SECURITY_ADMIN_TOKEN", "hunter2"}}));
  const std::string text = describe(r.cfg);
  BOOST_TEST(text.find("hunter2") == std::string::npos, text);
  BOOST_TEST(text.find("admin_token = \"set\"") != std::string::npos, text);
  BOOST_TEST(text.find("master_key = \"\"") != std::string::npos, text);
  BOOST_TEST(text.find("map_size = \"4GiB\"") != std::string::npos, text);
  BOOST_TEST(text.find("hire_followup_after = \"14d\"") != std::string::npos, text);

  // What describe prints must load back to the same config (secrets aside).
  r.cfg.security.admin_token.clear();
  const std::string path = write("described.toml", describe(r.cfg));
  const auto again = load_config(path, no_env());
  BOOST_TEST(again.errors.empty(), all(again.errors));
  BOOST_TEST(describe(again.cfg) == describe(r.cfg));
}

BOOST_AUTO_TEST_SUITE_END()
