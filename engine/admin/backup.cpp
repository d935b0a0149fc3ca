// POST /admin/v1/backup: an online, consistent copy of the store into one file on vouchd's
// machine (LMDB's compacting copy in one read transaction: webhooks and commands go on
// meanwhile), plus the master key beside it when it is a file in the storage directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

/// Copies the master key file to `dest` (mode 0600, never over an existing file).
core::status copy_master_key(const std::string& from, const std::string& dest) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return {core::errc::io, "cannot read " + from};
  const std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return {core::errc::io, "cannot create " + dest + ": " + std::strerror(errno)};
  const bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return {core::errc::io, "cannot write " + dest};
  return {};
}

unsigned status_of(core::errc c) {
  switch (c) {
    case core::errc::conflict:
      return 409;
    case core::errc::full:
      return 507;
    default:
      return 500;
  }
}

}  // namespace

void admin_api::impl::backup(const call& c, const answer& a) {
  const auto body = parse_body_object(c.body);
  if (!body) return a.invalid(body.error());
  object_reader r(*body, "", {"path"});
  const std::string path = r.nonempty_str("path");
  if (auto st = r.status(); !st.ok()) return a.invalid(st.error());
  if (path.front() != '/')
    return a.invalid(bad("path", "expected an absolute path on vouchd's machine"));
  if (backup_running.exchange(true))
    return a.error(409, "conflict", "a backup is running; try again when it has finished");
  auto self = shared_from_this();
  // A copy of a large store takes a while: it runs on a thread of its own, never on an io
  // thread, and answers when the file is complete and synced.
  std::thread([self, path, a] {
    const auto started = std::chrono::steady_clock::now();
    spdlog::info("msg=backup_started path={:?}", path);
    auto size = self->ctx.db->backup_to(path);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!size) {
      self->backup_running = false;
      spdlog::error("msg=backup_failed path={:?} error={:?}", path, size.error().message);
      return a.error(status_of(size.code()),
                     size.code() == core::errc::conflict ? "conflict" : "backup_failed",
                     size.error().message);
    }
    json key = nullptr;
    std::string key_note;
    const auto key_file = std::filesystem::path(self->ctx.cfg.storage.path) / "master.key";
    if (!self->ctx.cfg.security.master_key.empty()) {
      key_note =
          "the master key is in the configuration ([security] master_key): keep it with "
          "this backup";
    } else if (std::filesystem::exists(key_file)) {
      const std::string dest = path + ".master-key";
      if (auto st = copy_master_key(key_file.string(), dest); st.ok())
        key = dest;
      else
        key_note = st.message();
    }
    self->backup_running = false;
    spdlog::info("msg=backup_done path={:?} bytes={} seconds={:.3f}", path, *size, seconds);
    json out = {{"path", path}, {"bytes", *size}, {"seconds", seconds}, {"master_key", key}};
    if (!key_note.empty()) out["note"] = key_note;
    a.json_body(200, out);
  }).detach();
}

}  // namespace vouch::engine
