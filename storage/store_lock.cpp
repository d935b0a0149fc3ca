#include "storage/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace vouch::storage {

namespace {
/// The pid the holder wrote, or "" when the file holds none.
std::string holder_pid(int fd) {
  char buf[32] = {};
  const auto n = pread(fd, buf, sizeof buf - 1, 0);
  std::string s = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string{};
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.find_first_not_of("0123456789") == std::string::npos ? s : std::string{};
}
}  // namespace

std::unique_ptr<store_lock> store_lock::acquire(const std::string& dir, std::string& err) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    err = "storage path " + dir + ": cannot create the directory: " + ec.message();
    return nullptr;
  }
  const std::string path = (std::filesystem::path(dir) / "vouchd.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    err = "storage path " + dir + ": cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    if (e == EWOULDBLOCK) {
      const auto pid = holder_pid(fd);
      err = "storage path " + dir + " is in use by another vouchd" +
            (pid.empty() ? std::string{} : " (pid " + pid + ")") +
            "; one process per storage path (lock file " + path + ")";
    } else {
      err = "storage path " + dir + ": cannot lock " + path + ": " + std::strerror(e);
    }
    ::close(fd);
    return nullptr;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds all the same; only the message of a second start loses the pid.
  }
  return std::unique_ptr<store_lock>(new store_lock(fd, path));
}

store_lock::~store_lock() {
  ::close(fd_);  // drops the flock
}

}  // namespace vouch::storage
