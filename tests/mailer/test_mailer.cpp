// The follow-up mailer against real transports: a maildir on disk and a real SMTP server
// (Debian's python3-aiosmtpd) on loopback.
#define BOOST_TEST_MODULE vouch mailer
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "actors/mailer.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/hire_token.hpp"
#include "test_cert.hpp"

extern char** environ;

using namespace vouch;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("vouch-mailer-" + core::hex_lower(core::random_bytes(6)));
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

core::command followup(const std::string& to) {
  core::command c;
  c.id = 7;
  c.org = "acme";
  c.opp = "opp-1";
  c.kind = core::command_kind::mail_followup;
  c.idem_key = "vouch-acme-7";
  c.payload =
      R"({"to":")" + to +
      R"(","owner_name":"Olivia Owner","candidate":"Grace Hopper","posting":"Senior Engineer","report_url":"https://platform.example/r/1"})";
  return c;
}

actors::mail_settings settings(const fs::path& dir) {
  actors::mail_settings s;
  s.transport = "maildir";
  s.dir = dir.string();
  s.from = "vouch <no-reply@vouch.test>";
  s.public_url = "http://127.0.0.1:8080/";
  s.token_key = core::hire_token_key(std::string(32, 'k'));
  s.timeout = std::chrono::seconds(5);
  return s;
}

/// Settings that send through the SMTP server at 127.0.0.1:port ("smtp" or "smtps").
actors::mail_settings smtp_settings(const std::string& scheme, uint16_t port,
                                    const std::string& ca_file = "") {
  auto s = settings(fs::path("unused"));
  s.transport = "smtp";
  s.smtp_url = scheme + "://127.0.0.1:" + std::to_string(port);
  s.ca_file = ca_file;
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_open(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// A real SMTP server: aiosmtpd delivering into a maildir.
struct smtp_server {
  pid_t pid = -1;
  uint16_t port = 0;
  fs::path mailbox;
  /// `tls`: extra aiosmtpd flags, e.g. --tlscert/--tlskey (STARTTLS offered and required)
  /// or --smtpscert/--smtpskey (TLS from the first byte).
  explicit smtp_server(const fs::path& dir, const std::vector<std::string>& tls = {})
      : port(free_port()), mailbox(dir / "smtp-box") {
    std::string listen = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", listen};
    args.insert(args.end(), tls.begin(), tls.end());
    for (const char* a : {"-c", "aiosmtpd.handlers.Mailbox"}) args.emplace_back(a);
    args.push_back(mailbox.string());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The server's own log (a refused TLS handshake prints a traceback) goes to a file.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    auto log = (dir / "aiosmtpd.log").string();
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    BOOST_REQUIRE(rc == 0);
    for (int i = 0; i < 200 && !port_open(port); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    BOOST_REQUIRE_MESSAGE(port_open(port),
                          "aiosmtpd did not start (apt-get install python3-aiosmtpd)");
  }
  ~smtp_server() {
    ::kill(pid, SIGTERM);
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
};

/// The messages that reached the server's mailbox, waiting up to 2 s for the first.
std::vector<fs::path> delivered(const smtp_server& server) {
  std::vector<fs::path> got;
  for (int i = 0; i < 100 && got.empty(); ++i) {
    got = files_in(server.mailbox / "new");
    if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return got;
}

/// A self-signed certificate for 127.0.0.1 written as cert.pem and key.pem under dir.
struct tls_files {
  std::string cert, key;
  explicit tls_files(const fs::path& dir) {
    auto pem = testing::self_signed_loopback_cert();
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    std::ofstream(cert) << pem.cert;
    std::ofstream(key) << pem.key;
  }
};

void check_followup_text(const std::string& msg) {
  BOOST_TEST(msg.find("To: olivia.owner@acme.example") != std::string::npos);
  BOOST_TEST(msg.find("Grace Hopper") != std::string::npos);
  BOOST_TEST(msg.find("Senior Engineer") != std::string::npos);
  BOOST_TEST(msg.find("https://platform.example/r/1") != std::string::npos);
  std::smatch m;
  std::regex link(R"(http://127\.0\.0\.1:8080/hire-confirmation/([A-Za-z0-9_.-]+)\?answer=hired)");
  BOOST_REQUIRE(std::regex_search(msg, m, link));
  core::hire_token_claims claims;
  auto key = core::hire_token_key(std::string(32, 'k'));
  BOOST_TEST((core::check_hire_token(key, m[1].str(), 0, claims) == core::hire_token_verdict::ok));
  BOOST_TEST(claims.org == "acme");
  BOOST_TEST(claims.opp == "opp-1");
  BOOST_TEST(msg.find("?answer=not_hired") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(maildir_delivery_writes_one_message_via_tmp_then_new) {
  temp_dir t;
  actors::mailer m(settings(t.path / "mail"));
  auto out = m.run(followup("olivia.owner@acme.example"));
  BOOST_TEST(out.ok, out.error);
  auto files = files_in(t.path / "mail" / "new");
  BOOST_REQUIRE(files.size() == 1u);
  BOOST_TEST(files[0].extension() == ".eml");
  BOOST_TEST(files_in(t.path / "mail" / "tmp").empty());
  check_followup_text(slurp(files[0]));
}

BOOST_AUTO_TEST_CASE(maildir_delivery_repeated_after_a_crash_does_not_write_a_second_message) {
  temp_dir t;
  actors::mailer m(settings(t.path / "mail"));
  BOOST_TEST(m.run(followup("olivia.owner@acme.example")).ok);
  BOOST_TEST(m.run(followup("olivia.owner@acme.example")).ok);
  BOOST_TEST(files_in(t.path / "mail" / "new").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_followup_without_recipient_fails_permanently) {
  temp_dir t;
  actors::mailer m(settings(t.path / "mail"));
  auto out = m.run(followup(""));
  BOOST_TEST(!out.ok);
  BOOST_TEST(out.status == 400);
  BOOST_TEST(files_in(t.path / "mail").empty());
}

BOOST_AUTO_TEST_CASE(smtp_delivery_reaches_a_real_smtp_server) {
  temp_dir t;
  smtp_server server(t.path);
  actors::mailer m(smtp_settings("smtp", server.port));
  auto out = m.run(followup("olivia.owner@acme.example"));
  BOOST_TEST(out.ok, out.error);
  auto got = delivered(server);
  BOOST_REQUIRE(got.size() == 1u);
  check_followup_text(slurp(got[0]));
}

// The server requires STARTTLS (aiosmtpd refuses MAIL FROM before it), so a delivery shows
// the upgrade happened, against a certificate checked with [mail] ca_file.
BOOST_AUTO_TEST_CASE(smtp_upgrades_with_starttls_to_a_relay_whose_ca_is_configured) {
  temp_dir t;
  tls_files tls(t.path);
  smtp_server server(t.path, {"--tlscert", tls.cert, "--tlskey", tls.key});
  auto out = actors::mailer(smtp_settings("smtp", server.port, tls.cert))
                 .run(followup("olivia.owner@acme.example"));
  BOOST_TEST(out.ok, out.error);
  auto got = delivered(server);
  BOOST_REQUIRE(got.size() == 1u);
  check_followup_text(slurp(got[0]));
}

BOOST_AUTO_TEST_CASE(starttls_to_a_certificate_nobody_vouches_for_sends_nothing) {
  temp_dir t;
  tls_files tls(t.path);
  smtp_server server(t.path, {"--tlscert", tls.cert, "--tlskey", tls.key});
  // No ca_file: the system's CAs only.
  auto out =
      actors::mailer(smtp_settings("smtp", server.port)).run(followup("olivia.owner@acme.example"));
  BOOST_TEST(!out.ok);
  BOOST_TEST(out.error.find("smtp: ") == 0u, out.error);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  BOOST_TEST(files_in(server.mailbox / "new").empty(), "no fallback to plain text");
}

BOOST_AUTO_TEST_CASE(smtps_delivers_over_tls_from_the_first_byte) {
  temp_dir t;
  tls_files tls(t.path);
  smtp_server server(t.path, {"--smtpscert", tls.cert, "--smtpskey", tls.key});
  auto out = actors::mailer(smtp_settings("smtps", server.port, tls.cert))
                 .run(followup("olivia.owner@acme.example"));
  BOOST_TEST(out.ok, out.error);
  BOOST_REQUIRE(delivered(server).size() == 1u);
}

BOOST_AUTO_TEST_CASE(smtp_to_a_server_that_is_down_is_a_retryable_failure) {
  actors::mailer m(smtp_settings("smtp", free_port()));
  auto out = m.run(followup("olivia.owner@acme.example"));
  BOOST_TEST(!out.ok);
  BOOST_TEST(out.status == 0);  // transport: retried with backoff
  BOOST_TEST(!out.error.empty());
}
