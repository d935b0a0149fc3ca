// The config loader (config/config.hpp load_config) on an arbitrary TOML file plus
// VOUCH_* environment overrides fed through the injected getenv.
// Input: the file's text, then optionally a line "#--env" and after it lines NAME=VALUE
// (the environment the loader sees; the dictionary config.dict lists the names).
// - Loading never crashes or throws (an escaping exception aborts: a finding); every error
//   is a non-empty message.
// - A config that loads without errors describe()s; and what describe() prints (secrets
//   blanked, since it prints them as "set") loads again without errors to the same
//   config (compared through describe()).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "config/config.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch;

// The file the loader reads, rewritten for each input: in memory (/dev/shm) when there is
// one, since a disk file rewritten thousands of times a second makes the run I/O-bound.
const std::string& temp_path() {
  static const std::string path = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    const char* tmpdir = std::getenv("TMPDIR");
    const fs::path dir = tmpdir != nullptr && *tmpdir != '\0' ? fs::path(tmpdir)
                         : fs::is_directory("/dev/shm", ec)   ? fs::path("/dev/shm")
                                                              : fs::temp_directory_path();
    return (dir / ("vouch-fuzz-config-" + std::to_string(getpid()) + ".toml")).string();
  }();
  return path;
}

/// Removes the file when the input is done (libFuzzer ends a timed run without atexit).
struct remove_at_end {
  const std::string& path;
  ~remove_at_end() { std::remove(path.c_str()); }
};

void write_file(const std::string& path, std::string_view text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(std::fwrite(text.data(), 1, text.size(), f) == text.size());
  FUZZ_CHECK(std::fclose(f) == 0);
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

// describe() copies the config once per key: many small allocations per input, which ASan's
// default 256 MB quarantine turns into page faults. A smaller one keeps the rate up (an
// ASAN_OPTIONS in the environment still wins).
extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=16";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = as_text(data, size);
  constexpr std::string_view env_marker = "#--env\n";
  const std::size_t split = in.find(env_marker);
  const std::string_view file = in.substr(0, split);
  std::map<std::string, std::string> env;
  if (split != std::string_view::npos) {
    std::string_view rest = in.substr(split + env_marker.size());
    while (!rest.empty()) {
      const std::size_t eol = std::min(rest.find('\n'), rest.size());
      const std::string_view line = rest.substr(0, eol);
      rest.remove_prefix(std::min(eol + 1, rest.size()));
      const std::size_t eq = line.find('=');
      if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = line.substr(eq + 1);
    }
  }
  auto getenv = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };

  const std::string& path = temp_path();
  const remove_at_end cleanup{path};
  write_file(path, file);
  config::load_result loaded = config::load_config(path, getenv);
  for (const auto& e : loaded.errors) FUZZ_CHECK(!e.message.empty());
  if (!loaded.errors.empty()) return 0;

  config::config cfg = loaded.cfg;
  cfg.security.admin_token.clear();
  cfg.security.master_key.clear();
  cfg.platform.secret.clear();
  const std::string described = config::describe(cfg);
  FUZZ_CHECK(!described.empty());
  // Environment values are bytes; TOML is UTF-8. What cannot be TOML cannot round-trip.
  if (!valid_utf8(described)) return 0;
  write_file(path, described);
  config::load_result again = config::load_config(path, {});
  if (!again.errors.empty()) {
    std::fprintf(stderr, "describe() printed:\n%s\nwhich loads with: %s\n", described.c_str(),
                 again.errors.front().message.c_str());
  }
  FUZZ_CHECK(again.errors.empty());
  FUZZ_CHECK(config::describe(again.cfg) == described);
  return 0;
}
