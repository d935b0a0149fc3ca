// One vouchd per storage directory. Two processes on one LMDB environment would each run a
// dispatcher over the same outbox and send every command twice; LMDB itself allows that
// (its lock file is built for many processes sharing one environment), so the daemon takes
// an exclusive flock(2) on "<dir>/vouchd.lock" for its whole life.
//
// Why flock and not a pid file: the kernel drops the lock when the holder dies, even by
// kill -9, so a crash never leaves a stale lock behind. Why not LMDB's own lock.mdb: LMDB
// takes fcntl locks on it, and fcntl locks of one process vanish when any descriptor of the
// file is closed; a separate file keeps the two mechanisms apart. The pid written into the
// file is only for the message a second start prints.
#pragma once

#include <memory>
#include <string>

namespace vouch::storage {

class store_lock {
 public:
  /// Creates `dir` if needed and takes its lock. On failure returns nullptr and sets `err`
  /// (naming the path and, when known, the pid of the process that holds it).
  static std::unique_ptr<store_lock> acquire(const std::string& dir, std::string& err);
  ~store_lock();  ///< releases the lock
  store_lock(const store_lock&) = delete;
  store_lock& operator=(const store_lock&) = delete;
  const std::string& path() const { return path_; }

 private:
  store_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace vouch::storage
