#include "config/config.hpp"

#include "core/duration.hpp"
#include "core/encoding.hpp"
#include "core/signatures.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <type_traits>

namespace vouch::config {

namespace {

// -- the key table --------------------------------------------------------------

// How a key is written in TOML. Environment values are always strings and are
// parsed by the same setter, so each key has exactly one parser.
enum class kind {
  text,      // TOML string
  integer,   // TOML integer
  number,    // TOML integer or float
  duration,  // TOML string with a unit
  size,      // TOML string with a unit, or an integer byte count
};

std::string quote(std::string_view s);
std::string shortest(double v);

/// One key's two directions: `set` parses and stores a text (false if unacceptable), `show`
/// prints the stored value as TOML. Made together by the factories below from one accessor,
/// so the loader and describe() cannot drift apart.
struct binding {
  std::function<bool(config&, std::string_view text)> set;
  std::function<std::string(const config&)> show;
};

/// `show` for an accessor `get` (config& -> T&) and a printer of T.
template <class Get, class Print>
std::function<std::string(const config&)> shower(Get get, Print print) {
  return [get, print](const config& c) {
    config copy = c;  // the accessors take a mutable config; describe() is a cold path
    return print(get(copy));
  };
}

std::string show_text(const std::string& v) {
  return quote(v);
}
std::string show_duration(std::chrono::milliseconds d) {
  return quote(core::format_duration(d));
}

struct field {
  const char* section;
  const char* key;
  kind k;
  // Secrets are never echoed back in an error message.
  bool secret;
  // What a valid value looks like, for "expected <expect>, got ...".
  const char* expect;
  // How the key is read and printed.
  binding bind;
};

constexpr const char* expect_duration = "a duration such as \"30s\", \"5m\" or \"14d\"";
constexpr const char* expect_size = "a size such as \"256MiB\" or \"4GiB\"";
constexpr const char* expect_address = "an address such as \"127.0.0.1:8080\" or \"[::1]:8080\"";
constexpr const char* expect_http_url = "a URL starting with http:// or https://";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool parse_int64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && p == end;
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && p == end && std::isfinite(out);
}

bool is_http_url(std::string_view s) {
  return (starts_with(s, "http://") && s.size() > 7) ||
         (starts_with(s, "https://") && s.size() > 8);
}

// -- setters: one per value shape, bound to a member through an accessor ----------

template <class Get>
binding any_text(Get get) {
  return {[get](config& c, std::string_view v) {
            get(c).assign(v);
            return true;
          },
          shower(get, show_text)};
}

template <class Get, class Check>
binding checked_text(Get get, Check check) {
  return {[get, check](config& c, std::string_view v) {
            if (!check(v)) return false;
            get(c).assign(v);
            return true;
          },
          shower(get, show_text)};
}

template <class Get>
binding address(Get get) {
  return checked_text(get, [](std::string_view v) {
    std::string host;
    uint16_t port = 0;
    return core::parse_host_port(v, host, port);
  });
}

template <class Get>
binding http_url(Get get) {
  return checked_text(get, is_http_url);
}

/// A duration; `min_ms` > 0 refuses shorter ones (and "0s").
template <class Get>
binding duration(Get get, int64_t min_ms = 0) {
  return {[get, min_ms](config& c, std::string_view v) {
            std::chrono::milliseconds d{};
            if (!core::parse_duration(v, d) || d.count() < min_ms) return false;
            get(c) = d;
            return true;
          },
          shower(get, show_duration)};
}

template <class Get>
binding integer(Get get, int64_t min, int64_t max) {
  return {[get, min, max](config& c, std::string_view v) {
            int64_t n = 0;
            if (!parse_int64(v, n) || n < min || n > max) return false;
            get(c) = static_cast<std::remove_reference_t<decltype(get(c))>>(n);
            return true;
          },
          shower(get, [](auto n) { return std::to_string(n); })};
}

template <class Get, class Check>
binding number(Get get, Check check) {
  return {[get, check](config& c, std::string_view v) {
            double n = 0;
            if (!parse_double(v, n) || !check(n)) return false;
            get(c) = n;
            return true;
          },
          shower(get, shortest)};
}

/// A size in bytes (above zero: LMDB would fall back to its tiny default for 0).
template <class Get>
binding size(Get get) {
  return {[get](config& c, std::string_view v) {
            uint64_t n = 0;
            if (!core::parse_size(v, n) || n == 0) return false;
            get(c) = n;
            return true;
          },
          shower(get, [](uint64_t n) { return quote(core::format_size(n)); })};
}

using retry_of = retry_config& (*)(config&);

/// The retry and breaker keys, the same in [lever], [platform] and [mail].
std::vector<field> retry_fields(const char* section, retry_of get) {
  constexpr int64_t int_max = std::numeric_limits<int>::max();
  constexpr const char* expect_positive =
      "a duration above zero such as \"1s\", \"10m\" or \"72h\"";
  auto positive = [](auto member) { return duration(member, 1); };
  return {
      {section, "max_attempts", kind::integer, false, "an integer >= 0 (0 = no count limit)",
       integer([get](config& c) -> int& { return get(c).max_attempts; }, 0, int_max)},
      {section, "retry_base", kind::duration, false, expect_positive,
       positive([get](config& c) -> std::chrono::milliseconds& { return get(c).retry_base; })},
      {section, "retry_max", kind::duration, false, expect_positive,
       positive([get](config& c) -> std::chrono::milliseconds& { return get(c).retry_max; })},
      {section, "retry_for", kind::duration, false, expect_positive,
       positive([get](config& c) -> std::chrono::milliseconds& { return get(c).retry_for; })},
      {section, "breaker_after", kind::integer, false, "an integer >= 0 (0 = no breaker)",
       integer([get](config& c) -> int& { return get(c).breaker_after; }, 0, int_max)},
  };
}

std::vector<field> all_fields();

// Every key of the configuration reference (docs/configuration.md), in its
// order.
const std::vector<field>& fields() {
  static const std::vector<field> table = all_fields();
  return table;
}

std::vector<field> all_fields() {
  std::vector<field> table = {
      // [server]
      {"server", "listen", kind::text, false, expect_address,
       address([](config& c) -> std::string& { return c.server.listen; })},
      {"server", "admin_listen", kind::text, false, expect_address,
       address([](config& c) -> std::string& { return c.server.admin_listen; })},
      {"server", "public_url", kind::text, false, expect_http_url,
       http_url([](config& c) -> std::string& { return c.server.public_url; })},
      {"server", "drain_s", kind::integer, false, "an integer >= 0 (seconds)",
       integer([](config& c) -> int64_t& { return c.server.drain_s; }, 0,
               std::numeric_limits<int64_t>::max())},
      {"server", "header_timeout", kind::duration, false, "a duration of at least 1s",
       duration([](config& c) -> std::chrono::milliseconds& { return c.server.header_timeout; },
                1000)},
      {"server", "body_timeout", kind::duration, false, "a duration of at least 1s",
       duration([](config& c) -> std::chrono::milliseconds& { return c.server.body_timeout; },
                1000)},
      {"server", "idle_timeout", kind::duration, false, "a duration of at least 1s",
       duration([](config& c) -> std::chrono::milliseconds& { return c.server.idle_timeout; },
                1000)},
      {"server", "max_header_bytes", kind::integer, false, "an integer from 1024 to 1048576",
       integer([](config& c) -> int64_t& { return c.server.max_header_bytes; }, 1024, 1048576)},
      {"server", "max_connections", kind::integer, false, "an integer from 16 to 1000000",
       integer([](config& c) -> int64_t& { return c.server.max_connections; }, 16, 1000000)},
      // [storage]
      {"storage", "path", kind::text, false, "a non-empty directory path",
       checked_text([](config& c) -> std::string& { return c.storage.path; },
                    [](std::string_view v) { return !v.empty(); })},
      {"storage", "map_size", kind::size, false, expect_size,
       size([](config& c) -> uint64_t& { return c.storage.map_size; })},
      {"storage", "meta_sync", kind::text, false, "\"each_commit\" or \"deferred\"",
       checked_text([](config& c) -> std::string& { return c.storage.meta_sync; },
                    [](std::string_view v) { return v == "each_commit" || v == "deferred"; })},
      {"storage", "write_path", kind::text, false, "\"journal\" or \"lmdb\"",
       checked_text([](config& c) -> std::string& { return c.storage.write_path; },
                    [](std::string_view v) { return v == "journal" || v == "lmdb"; })},
      // [security]
      {"security", "admin_token", kind::text, true, "a string",
       any_text([](config& c) -> std::string& { return c.security.admin_token; })},
      {"security", "master_key", kind::text, true, "64 hex characters (32 bytes) or \"\"",
       checked_text([](config& c) -> std::string& { return c.security.master_key; },
                    [](std::string_view v) {
                      std::string bytes;
                      return v.empty() || (v.size() == 64 && core::hex_decode(v, bytes));
                    })},
      // [lever]
      {"lever", "base_url", kind::text, false, expect_http_url,
       http_url([](config& c) -> std::string& { return c.lever.base_url; })},
      {"lever", "rate_per_s", kind::number, false, "a number > 0",
       number([](config& c) -> double& { return c.lever.rate_per_s; },
              [](double n) { return n > 0; })},
      {"lever", "burst", kind::number, false, "a number >= 1",
       number([](config& c) -> double& { return c.lever.burst; }, [](double n) { return n >= 1; })},
      {"lever", "timeout", kind::duration, false, expect_duration,
       duration([](config& c) -> std::chrono::milliseconds& { return c.lever.timeout; })},
      {"lever", "reconcile_every", kind::duration, false, "a duration such as \"5m\" (\"0s\": off)",
       duration([](config& c) -> std::chrono::milliseconds& { return c.lever.reconcile_every; })},
      // [platform]
      {"platform", "base_url", kind::text, false, expect_http_url,
       http_url([](config& c) -> std::string& { return c.platform.base_url; })},
      {"platform", "secret", kind::text, true, "\"\", \"whsec_<base64>\" or a raw secret string",
       checked_text([](config& c) -> std::string& { return c.platform.secret; },
                    [](std::string_view v) {
                      std::string key, err;
                      return v.empty() || core::platform_key_from_secret(v, key, err);
                    })},
      {"platform", "timeout", kind::duration, false, expect_duration,
       duration([](config& c) -> std::chrono::milliseconds& { return c.platform.timeout; })},
      // [mail]
      {"mail", "transport", kind::text, false, "\"maildir\" or \"smtp\"",
       checked_text([](config& c) -> std::string& { return c.mail.transport; },
                    [](std::string_view v) { return v == "maildir" || v == "smtp"; })},
      {"mail", "dir", kind::text, false, "a non-empty directory path",
       checked_text([](config& c) -> std::string& { return c.mail.dir; },
                    [](std::string_view v) { return !v.empty(); })},
      {"mail", "smtp_url", kind::text, false, "a URL starting with smtp:// or smtps://",
       checked_text([](config& c) -> std::string& { return c.mail.smtp_url; },
                    [](std::string_view v) {
                      return (starts_with(v, "smtp://") && v.size() > 7) ||
                             (starts_with(v, "smtps://") && v.size() > 8);
                    })},
      {"mail", "from", kind::text, false, "a non-empty sender address",
       checked_text([](config& c) -> std::string& { return c.mail.from; },
                    [](std::string_view v) { return !v.empty(); })},
      {"mail", "ca_file", kind::text, false,
       "the path of a readable PEM file of CA certificates, or \"\" for the system's store",
       checked_text(
           [](config& c) -> std::string& { return c.mail.ca_file; },
           [](std::string_view v) { return v.empty() || std::ifstream(std::string(v)).good(); })},
      // [timing]
      {"timing", "hire_followup_after", kind::duration, false, expect_duration,
       duration(
           [](config& c) -> std::chrono::milliseconds& { return c.timing.hire_followup_after; })},
      {"timing", "reference_reminder_after", kind::duration, false, expect_duration,
       duration([](config& c) -> std::chrono::milliseconds& {
         return c.timing.reference_reminder_after;
       })},
      {"timing", "request_expiry_after", kind::duration, false, expect_duration,
       duration(
           [](config& c) -> std::chrono::milliseconds& { return c.timing.request_expiry_after; })},
      {"timing", "passivate_after", kind::duration, false, expect_duration,
       duration([](config& c) -> std::chrono::milliseconds& { return c.timing.passivate_after; })},
      // [actors] (added by vouch; docs/configuration.md#actors)
      {"actors", "max_resident", kind::integer, false, "an integer >= 100",
       integer([](config& c) -> int64_t& { return c.actors.max_resident; }, 100,
               std::numeric_limits<int64_t>::max())},
      // [log] (added by vouch; docs/configuration.md#log)
      {"log", "format", kind::text, false, "\"text\" or \"json\"",
       checked_text([](config& c) -> std::string& { return c.log.format; },
                    [](std::string_view v) { return v == "text" || v == "json"; })},
  };
  for (auto& f : retry_fields("lever", [](config& c) -> retry_config& { return c.lever.retry; }))
    table.push_back(std::move(f));
  for (auto& f :
       retry_fields("platform", [](config& c) -> retry_config& { return c.platform.retry; }))
    table.push_back(std::move(f));
  for (auto& f : retry_fields("mail", [](config& c) -> retry_config& { return c.mail.retry; }))
    table.push_back(std::move(f));
  return table;
}

const field* find_field(std::string_view section, std::string_view key) {
  for (const auto& f : fields()) {
    if (section == f.section && key == f.key) return &f;
  }
  return nullptr;
}

bool known_section(std::string_view section) {
  for (const auto& f : fields()) {
    if (section == f.section) return true;
  }
  return false;
}

std::string known_keys(std::string_view section) {
  std::string out;
  for (const auto& f : fields()) {
    if (section != f.section) continue;
    if (!out.empty()) out += ", ";
    out += f.key;
  }
  return out;
}

std::string known_sections() {
  std::string out;
  for (const auto& f : fields()) {
    const std::string s = std::string("[") + f.section + "]";
    if (out.find(s) != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// -- rendering values for messages and for describe() ------------------------------

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string shortest(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return std::to_string(v);
  return std::string(buf, p);
}

// What was seen, without revealing secrets: a secret's length says enough to
// spot "pasted 63 characters" without leaking the value into logs.
std::string seen_text(const field& f, std::string_view text) {
  if (f.secret) return "a value of " + std::to_string(text.size()) + " characters";
  return quote(text);
}

std::string describe_node(const field* f, const toml::node& n) {
  const bool secret = f != nullptr && f->secret;
  if (auto s = n.as_string()) {
    return secret ? "a string of " + std::to_string(s->get().size()) + " characters"
                  : "a string (" + quote(s->get()) + ")";
  }
  if (auto i = n.as_integer())
    return secret ? "an integer" : "an integer (" + std::to_string(i->get()) + ")";
  if (auto d = n.as_floating_point())
    return secret ? "a float" : "a float (" + shortest(d->get()) + ")";
  if (auto b = n.as_boolean())
    return secret ? "a boolean" : std::string("a boolean (") + (b->get() ? "true" : "false") + ")";
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  return "a date or time";
}

// -- applying one value ---------------------------------------------------------------

std::string file_where(const std::string& file, const field& f) {
  return file + ": [" + f.section + "] " + f.key;
}

void apply_toml(const std::string& file, const field& f, const toml::node& n, config& cfg,
                std::vector<std::string>& errors) {
  std::string text;
  bool type_ok = false;
  switch (f.k) {
    case kind::text:
    case kind::duration:
      if (auto s = n.as_string()) {
        text = s->get();
        type_ok = true;
      }
      break;
    case kind::integer:
      if (auto i = n.as_integer()) {
        text = std::to_string(i->get());
        type_ok = true;
      }
      break;
    case kind::number:
      if (auto i = n.as_integer()) {
        text = std::to_string(i->get());
        type_ok = true;
      } else if (auto d = n.as_floating_point()) {
        text = shortest(d->get());
        type_ok = true;
      }
      break;
    case kind::size:
      if (auto s = n.as_string()) {
        text = s->get();
        type_ok = true;
      } else if (auto i = n.as_integer()) {
        text = std::to_string(i->get());
        type_ok = true;
      }
      break;
  }
  if (!type_ok) {
    errors.push_back(file_where(file, f) + ": expected " + f.expect + ", got " +
                     describe_node(&f, n));
    return;
  }
  if (!f.bind.set(cfg, text)) {
    // Numbers are shown bare, strings quoted, as they appear in the file.
    const bool bare = n.is_integer() || n.is_floating_point();
    errors.push_back(file_where(file, f) + ": expected " + f.expect + ", got " +
                     (bare && !f.secret ? text : seen_text(f, text)));
  }
}

std::string env_name(const field& f) {
  std::string out = "VOUCH_";
  for (const char* p : {f.section, "_", f.key}) {
    for (const char* c = p; *c; ++c) {
      out += (*c >= 'a' && *c <= 'z') ? static_cast<char>(*c - 'a' + 'A') : *c;
    }
  }
  return out;
}

// -- reading the file -------------------------------------------------------------------

bool read_file(const std::string& path, std::string& out, std::string& err) {
  std::unique_ptr<FILE, int (*)(FILE*)> fp{std::fopen(path.c_str(), "rb"), &std::fclose};
  if (!fp) {
    err = std::strerror(errno);
    return false;
  }
  char buf[8192];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, fp.get())) > 0) out.append(buf, n);
  if (std::ferror(fp.get())) {
    // fopen succeeds on a directory; the read is where EISDIR shows up.
    err = std::strerror(errno);
    return false;
  }
  return true;
}

void load_file(const std::string& path, config& cfg, std::vector<core::error_info>& errors) {
  std::string content;
  std::string err;
  if (!read_file(path, content, err)) {
    errors.push_back({core::errc::io, path + ": cannot read the config file: " + err});
    return;
  }
  toml::table root;
  try {
    root = toml::parse(std::string_view{content}, std::string_view{path});
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    errors.push_back({core::errc::invalid, path + ":" + std::to_string(pos.line) + ":" +
                                               std::to_string(pos.column) + ": " +
                                               std::string(e.description())});
    return;
  }
  // toml::table iterates in key order; report problems in file order instead,
  // so the list reads top to bottom like the file the operator is editing.
  std::vector<std::pair<uint32_t, std::string>> found;
  auto report = [&found](const toml::node& at, std::string message) {
    found.emplace_back(at.source().begin.line, std::move(message));
  };
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    if (!known_section(section)) {
      if (section_node.is_table()) {
        report(section_node,
               path + ": unknown section [" + section + "]; known sections: " + known_sections());
      } else {
        report(section_node, path + ": unknown key \"" + section +
                                 "\" outside any section; every key belongs in one of " +
                                 known_sections());
      }
      continue;
    }
    const toml::table* table = section_node.as_table();
    if (table == nullptr) {
      report(section_node, path + ": " + section + ": expected a table [" + section + "], got " +
                               describe_node(nullptr, section_node));
      continue;
    }
    for (const auto& [key, node] : *table) {
      const field* f = find_field(section, key.str());
      if (f == nullptr) {
        report(node, path + ": [" + section + "] unknown key \"" + std::string(key.str()) +
                         "\"; known keys: " + known_keys(section));
        continue;
      }
      std::vector<std::string> field_errors;
      apply_toml(path, *f, node, cfg, field_errors);
      for (auto& e : field_errors) report(node, std::move(e));
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [line, message] : found) errors.push_back({core::errc::invalid, std::move(message)});
}

}  // namespace

load_result load_config(
    const std::optional<std::string>& path,
    const std::function<std::optional<std::string>(const std::string& name)>& getenv) {
  load_result out;
  if (path) load_file(*path, out.cfg, out.errors);
  if (getenv) {
    for (const auto& f : fields()) {
      const std::string name = env_name(f);
      const auto value = getenv(name);
      if (!value) continue;
      if (!f.bind.set(out.cfg, *value)) {
        out.errors.push_back({core::errc::invalid, name + " ([" + f.section + "] " + f.key +
                                                       "): expected " + f.expect + ", got " +
                                                       seen_text(f, *value)});
      }
    }
  }
  // Keys that are valid alone but not together.
  auto order = [&](const char* section, const retry_config& r) {
    if (r.retry_base > r.retry_max)
      out.errors.push_back({core::errc::invalid,
                            (path ? *path + ": " : std::string()) + "[" + section +
                                "] retry_base: " + core::format_duration(r.retry_base) +
                                " is longer than retry_max " + core::format_duration(r.retry_max) +
                                "; expected retry_base <= retry_max"});
  };
  order("lever", out.cfg.lever.retry);
  order("platform", out.cfg.platform.retry);
  order("mail", out.cfg.mail.retry);
  return out;
}

std::string describe(const config& cfg) {
  // Section by section in the order of the reference, every key with its value: the same
  // table the loader reads, so a key added there is printed here without more code.
  std::vector<std::string> sections;
  for (const auto& f : fields())
    if (std::find(sections.begin(), sections.end(), f.section) == sections.end())
      sections.push_back(f.section);
  std::ostringstream o;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    o << (i ? "\n" : "") << "[" << sections[i] << "]\n";
    for (const auto& f : fields()) {
      if (sections[i] != f.section) continue;
      const std::string value = f.bind.show(cfg);
      o << f.key << " = " << (f.secret ? quote(value == "\"\"" ? "" : "set") : value) << "\n";
    }
  }
  return o.str();
}

}  // namespace vouch::config
