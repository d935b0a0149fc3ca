// Child processes for the end-to-end tests: posix_spawn with redirected output, waiting for
// the simulators' "listening on URL" line, kill -9 and SIGTERM with an exit-code check.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace vouch::e2e {

class child_process {
 public:
  child_process() = default;
  ~child_process();  ///< kill -9 and reap if still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Starts `argv` in `cwd` with every VOUCH_* variable removed from the environment.
  /// stderr (and stdout, unless `pipe_stdout`) are appended to `log_path`. Throws on failure.
  void spawn(const std::vector<std::string>& argv, const std::string& cwd,
             const std::string& log_path, bool pipe_stdout);

  /// Reads stdout (when piped) until a line containing `marker` arrives; returns that line.
  /// Throws when the child exits or the deadline passes first.
  std::string wait_for_line(const std::string& marker, std::chrono::milliseconds timeout);

  /// True while the process has not exited (reaps it when it has).
  bool running();
  /// SIGKILL and reap.
  void kill9();
  /// SIGTERM, then wait up to `timeout`; the exit code, or nullopt when it did not exit in
  /// time (it is then killed) or died from a signal (-signal is returned in that case).
  std::optional<int> terminate(std::chrono::milliseconds timeout);

  pid_t pid() const { return pid_; }

 private:
  std::optional<int> reap(bool block);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  std::optional<int> status_;  ///< exit code (or -signal) once reaped
};

/// A free TCP port on 127.0.0.1 (bind port 0, read it, close).
unsigned short free_port();

}  // namespace vouch::e2e
