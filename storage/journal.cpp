#include "storage/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace vouch::storage {
namespace {

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

void put_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_le64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(std::string_view s, std::size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

/// Reads a u32-length-prefixed string from `p` at `at`; false when it runs past the end.
bool take_bytes(std::string_view p, std::size_t& at, std::string& out) {
  if (p.size() - at < 4) return false;
  const auto n = static_cast<std::size_t>(get_le(p, at, 4));
  at += 4;
  if (p.size() - at < n) return false;
  out.assign(p.substr(at, n));
  at += n;
  return true;
}

/// The write set in a payload, or false when the payload does not parse exactly.
bool parse_payload(std::string_view p, write_set& ws) {
  if (p.size() < 4) return false;
  const auto n = static_cast<std::size_t>(get_le(p, 0, 4));
  std::size_t at = 4;
  // Each op takes at least 10 bytes: a count larger than that could hold is damage.
  if (n > (p.size() - at) / 10) return false;
  ws.ops.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (p.size() - at < 2) return false;
    const auto kind = static_cast<uint8_t>(p[at]);
    const auto tbl = static_cast<uint8_t>(p[at + 1]);
    at += 2;
    if (kind > write_op::put_new || tbl >= table_count) return false;
    write_op op;
    op.kind = static_cast<write_op::kind_t>(kind);
    op.tbl = static_cast<table>(tbl);
    if (!take_bytes(p, at, op.key) || !take_bytes(p, at, op.value)) return false;
    ws.ops.push_back(std::move(op));
  }
  return at == p.size();
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// A segment's first sequence number from its file name, or false for any other file.
bool parse_segment_name(const std::string& name, uint64_t& first) {
  if (name.size() != 20 || name.substr(16) != ".log") return false;
  first = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const char c = name[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    first = (first << 4) | static_cast<uint64_t>(d);
  }
  return true;
}

/// fsync, or the end of the process: after a failed fsync the kernel may have dropped the
/// pages, and a retry could report success for data that is gone (see database.cpp).
[[noreturn]] void sync_failed(const std::string& what) {
  std::fprintf(stderr,
               "level=critical msg=journal_sync_failed file=\"%s\" error=\"%s\" action=abort\n",
               what.c_str(), std::strerror(errno));
  std::abort();
}

void sync_or_abort(int fd, const std::string& what) {
  if (::fdatasync(fd) != 0) sync_failed(what);
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  if (::fsync(fd) != 0) sync_failed(dir);
  ::close(fd);
}

}  // namespace

uint32_t crc32c(std::string_view bytes, uint32_t crc) {
  static const auto table = make_crc_table();
  crc = ~crc;
  for (unsigned char b : bytes) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint64_t journal_payload_bytes(const write_set& ws) {
  uint64_t n = 4;
  for (const auto& op : ws.ops) n += 2 + 4 + op.key.size() + 4 + op.value.size();
  return n;
}

void append_record(std::string& out, uint64_t seq, const write_set& ws) {
  const std::size_t start = out.size();
  out.reserve(start + journal_header_bytes + journal_payload_bytes(ws));
  out.append(journal_header_bytes, '\0');
  put_le32(out, static_cast<uint32_t>(ws.ops.size()));
  for (const auto& op : ws.ops) {
    out.push_back(static_cast<char>(op.kind));
    out.push_back(static_cast<char>(op.tbl));
    put_le32(out, static_cast<uint32_t>(op.key.size()));
    out += op.key;
    put_le32(out, static_cast<uint32_t>(op.value.size()));
    out += op.value;
  }
  const auto len = static_cast<uint32_t>(out.size() - start - journal_header_bytes);
  std::string head;
  put_le32(head, len);
  put_le32(head, 0);  // the CRC, below
  put_le64(head, seq);
  // CRC over length, sequence number and payload (not over itself).
  uint32_t crc = crc32c(std::string_view(head).substr(0, 4));
  crc = crc32c(std::string_view(head).substr(8, 8), crc);
  crc = crc32c(std::string_view(out).substr(start + journal_header_bytes), crc);
  head.replace(4, 4, std::string(4, '\0'));
  for (int i = 0; i < 4; ++i) head[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  out.replace(start, journal_header_bytes, head);
}

decoded_records decode_records(std::string_view bytes, uint64_t first_seq) {
  decoded_records out;
  std::size_t at = 0;
  uint64_t expect = first_seq;
  while (at < bytes.size()) {
    const std::size_t left = bytes.size() - at;
    if (left < journal_header_bytes) {
      out.stop = "a record header cut short (" + std::to_string(left) + " of 16 bytes)";
      break;
    }
    const auto len = static_cast<uint32_t>(get_le(bytes, at, 4));
    const auto crc = static_cast<uint32_t>(get_le(bytes, at + 4, 4));
    const uint64_t seq = get_le(bytes, at + 8, 8);
    if (len > journal_max_payload) {
      out.stop = "a record length of " + std::to_string(len) + " bytes (damaged)";
      break;
    }
    if (left - journal_header_bytes < len) {
      out.stop = "a record cut short (" + std::to_string(left - journal_header_bytes) + " of " +
                 std::to_string(len) + " payload bytes)";
      break;
    }
    const auto payload = bytes.substr(at + journal_header_bytes, len);
    uint32_t want = crc32c(bytes.substr(at, 4));
    want = crc32c(bytes.substr(at + 8, 8), want);
    want = crc32c(payload, want);
    if (want != crc) {
      out.stop = "a record whose CRC does not match (damaged or torn)";
      break;
    }
    if (seq != expect) {
      out.stop =
          "record number " + std::to_string(seq) + " where " + std::to_string(expect) + " was due";
      break;
    }
    journal_record r;
    r.seq = seq;
    if (!parse_payload(payload, r.ws)) {
      out.stop = "a record payload that does not parse";
      break;
    }
    out.records.push_back(std::move(r));
    at += journal_header_bytes + len;
    out.valid_bytes = at;
    ++expect;
  }
  return out;
}

// -- segment files ---------------------------------------------------------------------------

struct journal::impl {
  struct segment {
    uint64_t first = 0, last = 0;  ///< last = first - 1 while empty
    std::string path;
    uint64_t size = 0;
  };
  std::string dir;
  std::vector<segment> segs;  ///< oldest first; the back one is written (when fd >= 0)
  int fd = -1;
  ~impl() {
    if (fd >= 0) ::close(fd);
  }
};

journal::journal(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
journal::~journal() = default;

std::unique_ptr<journal> journal::open(const std::string& dir, uint64_t applied, recovered& out,
                                       std::string& err) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    err = "cannot create journal directory " + dir + ": " + ec.message();
    return nullptr;
  }
  auto p = std::make_unique<impl>();
  p->dir = dir;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    uint64_t first = 0;
    if (e.is_regular_file() && parse_segment_name(e.path().filename().string(), first))
      p->segs.push_back({first, first - 1, e.path().string(), 0});
  }
  if (ec) {
    err = "cannot list journal directory " + dir + ": " + ec.message();
    return nullptr;
  }
  std::sort(p->segs.begin(), p->segs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out = {};
  for (std::size_t i = 0; i < p->segs.size(); ++i) {
    auto& s = p->segs[i];
    const bool newest = i + 1 == p->segs.size();
    // A gap is harmless when LMDB applied everything in it (segments are deleted oldest
    // first, but a power loss may bring back an older one whose successor's deletion stuck).
    if (i > 0 && s.first != p->segs[i - 1].last + 1 && s.first > applied + 1) {
      err = "journal " + dir + ": records " + std::to_string(p->segs[i - 1].last + 1) + " to " +
            std::to_string(s.first - 1) + " are missing before " + s.path +
            "; they were answered and cannot be replayed (restore from a backup)";
      return nullptr;
    }
    if (i == 0 && s.first > applied + 1) {
      err = "journal " + dir + ": records " + std::to_string(applied + 1) + " to " +
            std::to_string(s.first - 1) +
            " are neither in LMDB nor in the journal (restore from a backup)";
      return nullptr;
    }
    std::ifstream in(s.path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      err = "cannot read journal segment " + s.path;
      return nullptr;
    }
    auto d = decode_records(bytes, s.first);
    // Damage in an older segment is harmless when LMDB applied all of it: the next
    // segment starts at or before applied + 1.
    const bool all_applied = !newest && p->segs[i + 1].first <= applied + 1;
    if (!d.stop.empty() && !all_applied) {
      if (!newest) {
        err = "journal segment " + s.path + " is damaged at byte " + std::to_string(d.valid_bytes) +
              " (" + d.stop +
              ") and newer segments follow it: the records after that point were answered "
              "and cannot be read (restore from a backup)";
        return nullptr;
      }
      // The newest segment's tail: a write that never completed its sync, so never
      // answered. Cut it off, so the next start reads the same journal.
      out.tail_note = s.path + " at byte " + std::to_string(d.valid_bytes) + ": " + d.stop + "; " +
                      std::to_string(bytes.size() - d.valid_bytes) + " bytes dropped";
      if (::truncate(s.path.c_str(), static_cast<off_t>(d.valid_bytes)) != 0) {
        err = "cannot cut the torn tail of " + s.path + ": " + std::strerror(errno);
        return nullptr;
      }
      const int fd = ::open(s.path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        sync_or_abort(fd, s.path);
        ::close(fd);
      }
    }
    s.size = d.valid_bytes;
    s.last = s.first + d.records.size() - 1;
    for (auto& r : d.records)
      if (r.seq > applied) out.records.push_back(std::move(r));
  }
  out.last_seq = p->segs.empty() ? 0 : p->segs.back().last;
  return std::unique_ptr<journal>(new journal(std::move(p)));
}

commit_error journal::append(std::string_view bytes, uint64_t first_seq, uint64_t last_seq,
                             std::string& err) {
  auto& p = *impl_;
  if (p.fd < 0 || p.segs.back().size >= segment_bytes) {
    // A new segment, named by its first record. (A leftover empty one of the same name,
    // from a start that wrote nothing, is simply reused.)
    if (p.fd >= 0) ::close(p.fd);
    p.fd = -1;
    impl::segment s{first_seq, first_seq - 1, p.dir + "/" + hex16(first_seq) + ".log", 0};
    const int fd = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      const int e = errno;
      err = "cannot create journal segment " + s.path + ": " + std::strerror(e);
      return e == ENOSPC ? commit_error::map_full : commit_error::other;
    }
    sync_dir(p.dir);
    if (!p.segs.empty() && p.segs.back().path == s.path) p.segs.pop_back();
    p.segs.push_back(s);
    p.fd = fd;
  }
  auto& seg = p.segs.back();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::pwrite(p.fd, bytes.data() + done, bytes.size() - done,
                            static_cast<off_t>(seg.size + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : 0;
      err = "write to journal segment " + seg.path + ": " +
            (n < 0 ? std::strerror(e) : "no progress");
      // Nothing of a failed append stays: the next one starts where this one did.
      if (::ftruncate(p.fd, static_cast<off_t>(seg.size)) != 0) {
        std::fprintf(stderr,
                     "level=critical msg=journal_truncate_failed file=\"%s\" error=\"%s\" "
                     "action=abort\n",
                     seg.path.c_str(), std::strerror(errno));
        std::abort();
      }
      return e == ENOSPC ? commit_error::map_full : commit_error::other;
    }
    done += static_cast<std::size_t>(n);
  }
  sync_or_abort(p.fd, seg.path);
  seg.size += bytes.size();
  seg.last = last_seq;
  return commit_error::none;
}

void journal::release_through(uint64_t applied) {
  auto& p = *impl_;
  while (p.segs.size() > 1 && p.segs.front().last <= applied) {
    ::unlink(p.segs.front().path.c_str());
    p.segs.erase(p.segs.begin());
  }
  // The newest segment, when it is not being written (left by recovery) and fully applied.
  if (p.fd < 0 && p.segs.size() == 1 && p.segs.front().last <= applied) {
    ::unlink(p.segs.front().path.c_str());
    p.segs.clear();
  }
}

uint64_t journal::segments() const {
  return impl_->segs.size();
}

uint64_t journal::bytes() const {
  uint64_t n = 0;
  for (const auto& s : impl_->segs) n += s.size;
  return n;
}

}  // namespace vouch::storage
