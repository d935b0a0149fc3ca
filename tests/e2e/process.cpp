#include "tests/e2e/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vouch::e2e {

namespace {

std::string errno_text(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

std::vector<std::string> clean_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    if (kv.rfind("VOUCH_", 0) == 0) continue;
    out.push_back(std::move(kv));
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

child_process::~child_process() {
  if (pid_ > 0 && !status_) kill9();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void child_process::spawn(const std::vector<std::string>& argv, const std::string& cwd,
                          const std::string& log_path, bool pipe_stdout) {
  if (pid_ > 0 && !status_) throw std::runtime_error("spawn: process already running");
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
  buffered_.clear();
  status_.reset();

  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error(errno_text("open " + log_path, errno));
  int pipe_fds[2] = {-1, -1};
  if (pipe_stdout && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(log_fd);
    throw std::runtime_error(errno_text("pipe2", err));
  }

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipe_stdout ? pipe_fds[1] : log_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
  // The child runs in `cwd` (glibc >= 2.29).
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());

  // A fresh signal mask and default dispositions: the test runner may block signals.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = clean_environment();
  auto c_args = c_strings(args);
  auto c_env = c_strings(env);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0].c_str(), &fa, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(log_fd);
  if (pipe_stdout) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (pipe_stdout) ::close(pipe_fds[0]);
    throw std::runtime_error(errno_text("posix_spawn " + args[0], rc));
  }
  pid_ = pid;
  stdout_fd_ = pipe_stdout ? pipe_fds[0] : -1;
}

std::string child_process::wait_for_line(const std::string& marker,
                                         std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) throw std::runtime_error("wait_for_line: stdout is not piped");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t nl;
    while ((nl = buffered_.find('\n')) != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      if (line.find(marker) != std::string::npos) return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw std::runtime_error("no line with '" + marker + "' on stdout within " +
                               std::to_string(timeout.count()) + " ms");
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
    if (n < 0 && errno != EINTR) throw std::runtime_error(errno_text("poll", errno));
    if (n > 0) {
      char buf[4096];
      ssize_t got = ::read(stdout_fd_, buf, sizeof buf);
      if (got > 0) {
        buffered_.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (got == 0) {
        throw std::runtime_error("stdout closed before a line with '" + marker + "'" +
                                 (running() ? "" : " (the process exited)"));
      }
    }
    if (!running()) throw std::runtime_error("process exited before printing '" + marker + "'");
  }
}

std::optional<int> child_process::reap(bool block) {
  if (pid_ <= 0) return status_;
  if (status_) return status_;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    if (WIFEXITED(st))
      status_ = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
      status_ = -WTERMSIG(st);
    else
      status_ = -1;
  }
  return status_;
}

bool child_process::running() {
  return pid_ > 0 && !reap(false);
}

void child_process::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

std::optional<int> child_process::terminate(std::chrono::milliseconds timeout) {
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto s = reap(false)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  return std::nullopt;
}

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(errno_text("socket", errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(errno_text("bind 127.0.0.1:0", err));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace vouch::e2e
