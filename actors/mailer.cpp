#include "actors/mailer.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/hire_token.hpp"

namespace vouch::actors {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// RFC 2047 encoded-word when the text is not plain ASCII.
std::string header_text(const std::string& s) {
  for (unsigned char ch : s)
    if (ch >= 0x80 || ch < 0x20) return "=?UTF-8?B?" + core::base64_encode(s) + "?=";
  return s;
}

std::string rfc5322_date(int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

/// The address part of "Name <addr>" (or the whole text).
std::string address_of(const std::string& from) {
  auto a = from.find('<'), b = from.find('>');
  if (a != std::string::npos && b != std::string::npos && b > a)
    return from.substr(a + 1, b - a - 1);
  return from;
}

std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_');
  return out;
}

}  // namespace

std::string build_followup_message(const mail_settings& s, const core::command& cmd,
                                   int64_t now_ms) {
  json p = json::parse(cmd.payload, nullptr, false);
  auto get = [&](const char* k) {
    return p.is_object() ? p.value(k, std::string{}) : std::string{};
  };
  auto token = core::make_hire_token(s.token_key, cmd.org, cmd.opp, now_ms + s.link_ttl_ms);
  auto base = s.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto link = base + "/hire-confirmation/" + token;
  std::string candidate = get("candidate").empty() ? cmd.opp : get("candidate");
  std::string posting = get("posting").empty() ? "the position" : get("posting");
  std::string owner = get("owner_name").empty() ? "there" : get("owner_name");

  std::string m;
  m += "From: " + s.from + "\r\n";
  m += "To: " + get("to") + "\r\n";
  m += "Subject: " + header_text("Was " + candidate + " hired for " + posting + "?") + "\r\n";
  m += "Date: " + rfc5322_date(now_ms) + "\r\n";
  m += "Message-ID: <" + safe_name(cmd.idem_key) + "@vouch>\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  m += "Hello " + owner + ",\r\n\r\n";
  m += "The reference report for " + candidate + " (" + posting +
       ") was completed a while ago, and Lever has not recorded a hire decision yet.\r\n\r\n";
  if (!get("report_url").empty()) m += "Report: " + get("report_url") + "\r\n\r\n";
  m += "Was " + candidate + " hired? One click records your answer:\r\n\r\n";
  m += "  Hired:      " + link + "?answer=hired\r\n";
  m += "  Not hired:  " + link + "?answer=not_hired\r\n\r\n";
  m += "Each link opens a page where you confirm the answer. The links expire in 30 days.\r\n";
  m += "\r\n-- \r\nvouch\r\n";
  return m;
}

call_outcome mailer::run(const core::command& cmd) {
  call_outcome out;
  json p = json::parse(cmd.payload, nullptr, false);
  if (!p.is_object() || p.value("to", std::string{}).empty()) {
    out.status = 400;  // permanent: nobody to send to
    out.error = "mail.followup: no recipient";
    return out;
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto msg = build_followup_message(s_, cmd, now);
  return s_.transport == "smtp" ? to_smtp(cmd, msg) : to_maildir(cmd, msg);
}

call_outcome mailer::to_maildir(const core::command& cmd, const std::string& msg) {
  call_outcome out;
  std::error_code ec;
  fs::path root(s_.dir);
  for (auto sub : {"tmp", "new", "cur"}) fs::create_directories(root / sub, ec);
  auto name = safe_name(cmd.idem_key);
  auto final_path = root / "new" / (name + ".eml");
  if (fs::exists(final_path, ec) || fs::exists(root / "cur" / (name + ".eml"), ec)) {
    out.ok = true;  // delivered before a crash: do not write it twice
    return out;
  }
  auto tmp_path = root / "tmp" / name;
  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640);
  if (fd < 0) {
    out.error = "maildir: cannot create " + tmp_path.string() + ": " + std::strerror(errno);
    return out;
  }
  bool ok =
      ::write(fd, msg.data(), msg.size()) == static_cast<ssize_t>(msg.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    out.error = "maildir: cannot write " + final_path.string() + ": " + std::strerror(errno);
    return out;
  }
  out.ok = true;
  return out;
}

namespace {
struct upload {
  const std::string* data;
  std::size_t pos = 0;
};
std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<upload*>(user);
  std::size_t left = u->data->size() - u->pos;
  std::size_t len = std::min(left, size * n);
  std::memcpy(buf, u->data->data() + u->pos, len);
  u->pos += len;
  return len;
}
}  // namespace

call_outcome mailer::to_smtp(const core::command& cmd, const std::string& msg) {
  call_outcome out;
  json p = json::parse(cmd.payload, nullptr, false);
  std::string to = "<" + p.value("to", std::string{}) + ">";
  std::string from = "<" + address_of(s_.from) + ">";
  CURL* c = curl_easy_init();
  if (!c) {
    out.error = "smtp: curl_easy_init failed";
    return out;
  }
  upload u{&msg};
  curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
  curl_easy_setopt(c, CURLOPT_URL, s_.smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &u);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(s_.timeout.count()));
  // smtp://: upgrade with STARTTLS when offered; smtps:// is TLS from the first byte.
  // The server's certificate is always verified (libcurl's default), against ca_file when
  // the relay has a private CA.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  if (!s_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s_.ca_file.c_str());
  auto rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) {
    // 5xx SMTP replies are permanent (bad recipient); anything else is worth a retry.
    out.status = code >= 500 ? 400 : 0;
    out.error = std::string("smtp: ") + curl_easy_strerror(rc) +
                (code ? " (server said " + std::to_string(code) + ")" : "");
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace vouch::actors
