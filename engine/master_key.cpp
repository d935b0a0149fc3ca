#include "engine/master_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace vouch::engine {

std::string load_master_key(const std::string& configured_hex, const std::string& storage_dir,
                            bool create, std::string& err) {
  std::string key;
  if (!configured_hex.empty()) {
    if (!core::hex_decode(configured_hex, key) || key.size() != 32) {
      err = "[security] master_key: expected 64 hex characters";
      return {};
    }
    return key;
  }
  auto path = std::filesystem::path(storage_dir) / "master.key";
  std::ifstream in(path);
  if (in) {
    std::string hex;
    in >> hex;
    if (!core::hex_decode(hex, key) || key.size() != 32) {
      err = path.string() + ": expected 64 hex characters";
      return {};
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      err = path.string() + ": readable by others (mode " + std::to_string(st.st_mode & 0777) +
            "); chmod 600 it";
      return {};
    }
    return key;
  }
  if (!create) return {};  // --check: nothing to read yet, and nothing may be created
  key = core::random_bytes(32);
  auto hex = core::hex_lower(key) + "\n";
  // O_EXCL: two daemons starting at once never both write a key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    err = "cannot create " + path.string() + ": " + std::strerror(errno);
    return {};
  }
  bool ok =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    err = "cannot write " + path.string();
    return {};
  }
  return key;
}

}  // namespace vouch::engine
