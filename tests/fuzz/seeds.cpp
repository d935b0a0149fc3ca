// Writes the binary seeds: encodings of sample records (corpus/record_codec/), and for the
// targets that split their input with FuzzedDataProvider (hire_token, storage_keys,
// signatures, retry_after) inputs laid out the way it reads them, with genuine tokens and
// signatures among them.
//   fuzz_seeds tests/fuzz/corpus
// Run it after a schema change and commit what it writes (tests/fuzz/README.md).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <type_traits>

#include "core/hire_token.hpp"
#include "core/record_codec.hpp"
#include "core/signatures.hpp"
#include "storage/journal.hpp"

namespace {

using namespace vouch::core;
namespace fs = std::filesystem;

fs::path root;

void put(const std::string& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / dir);
  std::ofstream(root / dir / name, std::ios::binary) << bytes;
}

/// The bytes FuzzedDataProvider::ConsumeIntegral<T>() reads back as `v`: it takes them
/// from the end of the input, the last byte as the most significant one, and adds the
/// type's minimum.
template <class T>
std::string tail_int(T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(static_cast<U>(v) - static_cast<U>(std::numeric_limits<T>::min()));
  std::string out;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>(u & 0xFF));
    u = static_cast<U>(u >> 8);
  }
  return out;
}

/// The bytes ConsumeIntegralInRange(min, max) reads back as `v`: as many as the range needs.
std::string tail_in_range(int64_t v, int64_t min, int64_t max) {
  const auto range = static_cast<uint64_t>(max) - static_cast<uint64_t>(min);
  auto raw = static_cast<uint64_t>(v) - static_cast<uint64_t>(min);
  std::string out;
  for (unsigned offset = 0; offset < 64 && (range >> offset) > 0; offset += 8) {
    out.push_back(static_cast<char>(raw & 0xFF));
    raw >>= 8;
  }
  return out;
}

/// A string as ConsumeRandomLengthString() reads it: a backslash doubled, and a backslash
/// with another character after it ends the string.
std::string front_string(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\\') out += c;
  }
  return out + "\\|";
}

candidate_record sample_candidate() {
  candidate_record c;
  c.org = "acme";
  c.opp = "opp-1";
  c.state = cand_state::needs_attention;
  c.reason = "dead_letter: lever.note: HTTP 500";
  c.hired = true;
  c.hired_at = 1764000000123;
  c.hired_source = "lever_webhook";
  c.request_id = "req-9";
  c.report_url = "https://p.example/r/9";
  c.template_id = "t-eng";
  c.owner = {"u-1", "Olive", "olive@example.com"};
  c.name = "Ada";
  c.email = "ada@example.com";
  c.phone = "+1555";
  c.posting_id = "post-1";
  c.posting_title = "Engineer";
  c.posting_tags = {"Engineering", "Remote"};
  c.created_at = 1764000000000;
  c.updated_at = 1764000005000;
  c.last_stage_at = 1763999999000;
  c.last_stage = "stage-refcheck";
  c.next_seq = 12;
  c.generation = 3;
  c.resume_state = cand_state::report_ready;
  c.timers = {{timer_kind::reminder, 1764172800000}, {timer_kind::expiry, 1765814400000}};
  c.dead_commands = {41, 300};
  return c;
}

void record_seeds() {
  const std::string dir = "record_codec";
  put(dir, "candidate", encode(sample_candidate()));
  put(dir, "candidate-empty", encode(candidate_record{}));
  put(dir, "history",
      encode(history_entry{300, 1764000005000, "command_done:lever.note", "report_ready",
                           "report_ready", "note posted"}));
  command cmd;
  cmd.id = 70000;
  cmd.org = "acme";
  cmd.opp = "opp-1";
  cmd.kind = command_kind::prospect_export;
  cmd.payload = R"({"links":["https://p.example/r/9"]})";
  cmd.idem_key = "vouch-acme-70000";
  cmd.attempts = 4;
  cmd.created_at = 1764000000000;
  cmd.next_at = 1764000060000;
  cmd.failing_since = 1764000001000;
  cmd.status = command_status::dead;
  cmd.last_error = "HTTP 500";
  put(dir, "command", encode(cmd));
  org_record o;
  o.id = "acme";
  o.name = "Acme Corp";
  o.connected = true;
  o.conn.api_key_sealed = std::string("\x00\xff\x10sealed", 9);
  o.conn.trigger_stage_ids = {"stage-refcheck", "stage-2"};
  o.conn.export_existing_prospects = true;
  o.conn.base_url = "http://127.0.0.1:9200";
  o.template_seq = 7;
  put(dir, "org", encode(o));
  put(dir, "template",
      encode(template_record{"t-eng", 7, "Engineering", "engineering", -2, true,
                             R"({"id":"t-eng"})"}));
  prospect_record p;
  p.org = "acme";
  p.id = "pr-1";
  p.name = "Grace";
  p.emails = {"grace@example.com"};
  p.phones = {"+1555", "+1666"};
  p.status = prospect_status::not_exportable;
  p.reason = "no email";
  put(dir, "prospect", encode(p));
  export_record e;
  e.id = "ex-1";
  e.org = "acme";
  e.state = export_state::cancelled;
  e.total = 3;
  e.done = 1;
  e.failures = {"pr-2: HTTP 400"};
  put(dir, "export", encode(e));
  reconcile_record r;
  r.org = "acme";
  r.cursor = 1764000300000;
  r.last_pass_ok = true;
  r.last_error = "Lever answered 401";
  put(dir, "reconcile", encode(r));
}

void hire_token_seeds() {
  const std::string dir = "hire_token";
  const std::string key = hire_token_key("vouch fuzz master key");  // as in hire_token.cpp
  const std::string token = make_hire_token(key, "acme", "opp-1", 1764000000000);
  // Mode 0 (the last byte): a genuine token, then now.
  put(dir, "genuine", token + tail_int<int64_t>(1763000000000) + std::string(1, '\0'));
  put(dir, "genuine-expired", token + tail_int<int64_t>(1765000000000) + std::string(1, '\0'));
  put(dir, "no-dot", "YWNtZQ" + tail_int<int64_t>(0) + std::string(1, '\0'));
  // Mode 1: claims for a token to make (the org ends at a backslash and a bar).
  put(dir, "claims",
      front_string("acme") + "opp-1" + tail_int<int64_t>(1763000000000) +
          tail_int<int64_t>(1764000000000) + std::string(1, '\1'));
  // Mode 2: a body signed with the key.
  put(dir, "signed-body",
      std::string("acme\0opp-1\0-5", 13) + tail_int<int64_t>(0) + std::string(1, '\2'));
}

void storage_key_seeds() {
  const std::string dir = "storage_keys";
  // Parsed as a raw key first, then as parts: due, kind, updated_at, org, opp.
  const std::string due = tail_int<int64_t>(1765814400000);
  std::string timer =
      std::string("\0\0\x01\x9b\x22\xbd\x74\0", 8) + "acme" + '\0' + "opp-1" + '\0' + '\1';
  put(dir, "timer-key", timer);
  put(dir, "parts",
      front_string("acme") + "opp-1" + tail_int<int64_t>(1764000000000) + std::string(1, '\2') +
          due);
}

void signature_seeds() {
  const std::string dir = "signatures";
  const int64_t now = 1764000000;
  // Consumed in this order: Lever token, signature, triggered_at (from the end), signature;
  // then the platform secret, id, timestamp, signature, now and tolerance (from the end),
  // body (the rest).
  auto seed = [&](std::string_view secret, std::string_view id, std::string_view ts,
                  std::string_view sig, std::string_view body, int64_t tolerance) {
    const std::string lever_sig = lever_signature("signing-token", "tok-1", 1764000000123);
    return front_string("signing-token") + front_string("tok-1") + front_string(lever_sig) +
           front_string(secret) + front_string(id) + front_string(ts) + front_string(sig) +
           std::string(body) + tail_in_range(tolerance, 0, 366 * 86400) +
           tail_in_range(now, 0, 4102444800) + tail_int<int64_t>(1764000000123);
  };
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  std::string key, err;
  platform_key_from_secret(secret, key, err);
  const std::string body = R"({"type":"reference.completed","data":{"id":"req-9"}})";
  const std::string good = platform_signature(key, "msg_1", now, body);
  put(dir, "genuine", seed(secret, "msg_1", std::to_string(now), "v2,xyz " + good, body, 300));
  put(dir, "stale", seed(secret, "msg_1", std::to_string(now - 301), good, body, 300));
  put(dir, "raw-secret",
      seed("plain-secret", "msg_2", "0001764000000",
           platform_signature("plain-secret", "msg_2", now, "{}"), "{}", 0));
  put(dir, "bad-base64", seed("whsec_!!", "m", "x", "v1,abc", "", 5));
  put(dir, "empty", "");
}

void retry_after_seeds() {
  const std::string dir = "retry_after";
  const std::string now = tail_in_range(1764000000000, 0, 4102444800000);
  for (const auto& [name, header] : std::initializer_list<std::pair<const char*, const char*>>{
           {"seconds", "120"},
           {"zero", "0"},
           {"blanks", " \t30 "},
           {"huge", "999999999999999999"},
           {"date", "Sun, 06 Nov 1994 08:49:37 GMT"},
           {"future", "Wed, 21 Oct 2099 07:28:00 GMT"},
           {"leap-second", "Sat, 31 Dec 2016 23:59:60 GMT"},
           {"leap-day", "Thu, 29 Feb 2024 12:00:00 GMT"},
           {"rfc850", "Sunday, 06-Nov-94 08:49:37 GMT"},
           {"asctime", "Sun Nov  6 08:49:37 1994"}})
    put(dir, name, header + now);
}

}  // namespace

/// Journal segments: three records of the kinds a group commit writes, whole, and the same
/// cut inside its last record (a torn write).
void journal_seeds() {
  using namespace vouch::storage;
  std::string bytes;
  for (uint64_t seq = 41; seq < 44; ++seq) {
    write_set ws;
    ws.put(table::candidates, std::string("acme\0opp-", 9) + std::to_string(seq), "record");
    ws.put_new(table::dedupe, "delivery-" + std::to_string(seq), std::string(8, '\0'));
    ws.del(table::timers, "timer-" + std::to_string(seq));
    append_record(bytes, seq, ws);
  }
  put("journal_records", "three_records", bytes);
  put("journal_records", "torn_tail", bytes.substr(0, bytes.size() - 7));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  root = argv[1];
  record_seeds();
  hire_token_seeds();
  storage_key_seeds();
  signature_seeds();
  retry_after_seeds();
  journal_seeds();
  return 0;
}
