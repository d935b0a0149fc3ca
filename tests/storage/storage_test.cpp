// Storage on real LMDB files: record codecs (including bytes written by schema version 1),
// the database's all-or-nothing commits and scans, the repository's key layouts, and the
// candidate shell's write set. Every test gets its own temporary directory, removed after.
#define BOOST_TEST_MODULE vouch storage
#include <boost/test/unit_test.hpp>

#include "actors/candidate_shell.hpp"
#include "core/bytes.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/record_codec.hpp"
#include "storage/database.hpp"
#include "storage/repository.hpp"
#include "tests/support/temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace vouch::core;
using namespace vouch::storage;

namespace {

// -- sample records ---------------------------------------------------------------------

candidate_record sample_candidate() {
  candidate_record c;
  c.org = "acme";
  c.opp = "opp-1";
  c.state = cand_state::needs_attention;
  c.reason = "dead_letter: lever.note: HTTP 500";
  c.hired = true;
  c.hired_at = 1764000000123;
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
  c.next_seq = 12;
  c.generation = 3;
  c.resume_state = cand_state::report_ready;
  c.timers = {{timer_kind::reminder, 1764172800000}, {timer_kind::expiry, 1765814400000}};
  c.dead_commands = {41, 300};
  return c;
}

history_entry sample_history() {
  history_entry h;
  h.seq = 300;
  h.at = 1764000005000;
  h.event = "command_done:lever.note";
  h.from = "report_ready";
  h.to = "report_ready";
  h.detail = "report note posted to Lever";
  return h;
}

command sample_command() {
  command c;
  c.id = 70000;
  c.org = "acme";
  c.opp = "opp-1";
  c.kind = command_kind::lever_add_links;
  c.payload = R"({"links":["https://p.example/r/9"]})";
  c.idem_key = "vouch-acme-70000";
  c.generation = 3;
  c.attempts = 4;
  c.created_at = 1764000000000;
  c.next_at = 1764000060000;
  c.status = command_status::dead;
  c.last_error = "HTTP 500";
  // What a v1 record with failures decodes to (v1 had no such field).
  c.failing_since = c.created_at;
  return c;
}

org_record sample_org() {
  org_record o;
  o.id = "acme";
  o.name = "Acme Corp";
  o.created_at = 1763000000000;
  o.updated_at = 1764000000000;
  o.connected = true;
  o.conn.api_key_sealed = std::string("\x00\xff\x10sealed", 9);
  o.conn.stage_token_sealed = "st";
  o.conn.hired_token_sealed = "";
  o.conn.trigger_stage_ids = {"stage-refcheck", "stage-2"};
  o.conn.perform_as = "u-9";
  o.conn.hired_archive_reason_id = "ar-hired";
  o.conn.export_existing_prospects = true;
  o.conn.auto_export_new_prospects = false;
  o.conn.base_url = "http://127.0.0.1:9200";
  o.template_seq = 7;
  return o;
}

template_record sample_template() {
  template_record t;
  t.id = "t-eng";
  t.created_seq = 7;
  t.name = "Engineering";
  t.ats_tag = "engineering";
  t.priority = -2;
  t.is_default = true;
  t.body_json = R"({"id":"t-eng","name":"Engineering"})";
  return t;
}

// -- field-by-field comparisons --------------------------------------------------------------

void expect_same(const candidate_record& a, const candidate_record& b) {
  BOOST_TEST(a.org == b.org);
  BOOST_TEST(a.opp == b.opp);
  BOOST_TEST(to_string(a.state) == to_string(b.state));
  BOOST_TEST(a.reason == b.reason);
  BOOST_TEST(a.hired == b.hired);
  BOOST_TEST(a.hired_at == b.hired_at);
  BOOST_TEST(a.request_id == b.request_id);
  BOOST_TEST(a.report_url == b.report_url);
  BOOST_TEST(a.template_id == b.template_id);
  BOOST_TEST(a.owner.id == b.owner.id);
  BOOST_TEST(a.owner.name == b.owner.name);
  BOOST_TEST(a.owner.email == b.owner.email);
  BOOST_TEST(a.name == b.name);
  BOOST_TEST(a.email == b.email);
  BOOST_TEST(a.phone == b.phone);
  BOOST_TEST(a.posting_id == b.posting_id);
  BOOST_TEST(a.posting_title == b.posting_title);
  BOOST_TEST(a.posting_tags == b.posting_tags, boost::test_tools::per_element());
  BOOST_TEST(a.created_at == b.created_at);
  BOOST_TEST(a.updated_at == b.updated_at);
  BOOST_TEST(a.last_stage_at == b.last_stage_at);
  BOOST_TEST(a.next_seq == b.next_seq);
  BOOST_TEST(a.generation == b.generation);
  BOOST_TEST(to_string(a.resume_state) == to_string(b.resume_state));
  BOOST_TEST((a.timers == b.timers));
  BOOST_TEST(a.dead_commands == b.dead_commands, boost::test_tools::per_element());
}

void expect_same(const history_entry& a, const history_entry& b) {
  BOOST_TEST(a.seq == b.seq);
  BOOST_TEST(a.at == b.at);
  BOOST_TEST(a.event == b.event);
  BOOST_TEST(a.from == b.from);
  BOOST_TEST(a.to == b.to);
  BOOST_TEST(a.detail == b.detail);
}

void expect_same(const command& a, const command& b) {
  BOOST_TEST(a.id == b.id);
  BOOST_TEST(a.org == b.org);
  BOOST_TEST(a.opp == b.opp);
  BOOST_TEST(to_string(a.kind) == to_string(b.kind));
  BOOST_TEST(a.payload == b.payload);
  BOOST_TEST(a.idem_key == b.idem_key);
  BOOST_TEST(a.generation == b.generation);
  BOOST_TEST(a.attempts == b.attempts);
  BOOST_TEST(a.created_at == b.created_at);
  BOOST_TEST(a.next_at == b.next_at);
  BOOST_TEST(to_string(a.status) == to_string(b.status));
  BOOST_TEST(a.last_error == b.last_error);
  BOOST_TEST(a.failing_since == b.failing_since);
  BOOST_TEST(a.recent_attempts.size() == b.recent_attempts.size());
  for (std::size_t i = 0; i < std::min(a.recent_attempts.size(), b.recent_attempts.size()); ++i) {
    BOOST_TEST(a.recent_attempts[i].at == b.recent_attempts[i].at);
    BOOST_TEST(a.recent_attempts[i].http_status == b.recent_attempts[i].http_status);
    BOOST_TEST(a.recent_attempts[i].outcome == b.recent_attempts[i].outcome);
    BOOST_TEST(a.recent_attempts[i].error == b.recent_attempts[i].error);
  }
}

void expect_same(const org_record& a, const org_record& b) {
  BOOST_TEST(a.id == b.id);
  BOOST_TEST(a.name == b.name);
  BOOST_TEST(a.created_at == b.created_at);
  BOOST_TEST(a.updated_at == b.updated_at);
  BOOST_TEST(a.connected == b.connected);
  BOOST_TEST(a.conn.api_key_sealed == b.conn.api_key_sealed);
  BOOST_TEST(a.conn.stage_token_sealed == b.conn.stage_token_sealed);
  BOOST_TEST(a.conn.hired_token_sealed == b.conn.hired_token_sealed);
  BOOST_TEST(a.conn.trigger_stage_ids == b.conn.trigger_stage_ids,
             boost::test_tools::per_element());
  BOOST_TEST(a.conn.perform_as == b.conn.perform_as);
  BOOST_TEST(a.conn.hired_archive_reason_id == b.conn.hired_archive_reason_id);
  BOOST_TEST(a.conn.export_existing_prospects == b.conn.export_existing_prospects);
  BOOST_TEST(a.conn.auto_export_new_prospects == b.conn.auto_export_new_prospects);
  BOOST_TEST(a.conn.base_url == b.conn.base_url);
  BOOST_TEST(a.template_seq == b.template_seq);
}

void expect_same(const template_record& a, const template_record& b) {
  BOOST_TEST(a.id == b.id);
  BOOST_TEST(a.created_seq == b.created_seq);
  BOOST_TEST(a.name == b.name);
  BOOST_TEST(a.ats_tag == b.ats_tag);
  BOOST_TEST(a.priority == b.priority);
  BOOST_TEST(a.is_default == b.is_default);
  BOOST_TEST(a.body_json == b.body_json);
}

std::string unhex(std::string_view hex) {
  std::string out;
  BOOST_REQUIRE(hex_decode(hex, out));
  return out;
}

/// Every prefix of `bytes` shorter than the whole is refused, and so are a newer schema
/// version and trailing bytes.
template <class Decode>
void expect_refuses_damaged(const std::string& bytes, Decode decode) {
  // Every refusal is a `corrupt` error that says why, never a half-filled record.
  auto corrupt = [&](std::string_view b, const char* why) {
    auto r = decode(b);
    BOOST_TEST(!r.has_value());
    BOOST_TEST((r.code() == vouch::core::errc::corrupt));
    BOOST_TEST(r.error().message.find(why) != std::string::npos, r.error().message);
  };
  corrupt({}, "empty");
  for (std::size_t cut = 1; cut < bytes.size(); ++cut)
    BOOST_TEST(!decode(std::string_view(bytes).substr(0, cut)).has_value(), "cut at " << cut);
  corrupt(std::string_view(bytes).substr(0, bytes.size() - 1), "does not read");
  for (uint8_t version : {uint8_t{0}, uint8_t{200}, uint8_t{255}}) {
    std::string other = bytes;
    other[0] = static_cast<char>(version);
    corrupt(other, "schema version");
  }
  corrupt(bytes + '\0', "bytes after the last field");
  BOOST_TEST(decode(bytes).has_value());
}

// -- v1 bytes, as encode() wrote them at schema version 1. Never regenerate these: a change
// that makes them fail to decode breaks every store written before it. ----------------------

const char* const candidate_v1_hex =
    "010000000461636d65000000056f70702d310a00000021646561645f6c65747465723a206c657665"
    "722e6e6f74653a204854545020353030010000019ab697e87b000000057265712d39000000156874"
    "7470733a2f2f702e6578616d706c652f722f3900000005742d656e6700000003752d31000000054f"
    "6c697665000000116f6c697665406578616d706c652e636f6d000000034164610000000f61646140"
    "6578616d706c652e636f6d000000052b3135353500000006706f73742d3100000008456e67696e65"
    "6572000000020000000b456e67696e656572696e670000000652656d6f74650000019ab697e80000"
    "00019ab697fb880000019ab697e418000000000000000c000000030400000002000000019ac0e4a0"
    "00010000019b22bd7400000000020000000000000029000000000000012c";
const char* const history_v1_hex =
    "01000000000000012c0000019ab697fb8800000017636f6d6d616e645f646f6e653a6c657665722e"
    "6e6f74650000000c7265706f72745f72656164790000000c7265706f72745f72656164790000001b"
    "7265706f7274206e6f746520706f7374656420746f204c65766572";
const char* const command_v1_hex =
    "0100000000000111700000000461636d65000000056f70702d3102000000237b226c696e6b73223a"
    "5b2268747470733a2f2f702e6578616d706c652f722f39225d7d00000010766f7563682d61636d65"
    "2d373030303000000003000000040000019ab697e8000000019ab698d26001000000084854545020"
    "353030";
// sample_command() as a v2 build wrote it, failing since created_at + 12345 (v2 had no
// attempt history).
const char* const command_v2_hex =
    "0200000000000111700000000461636d65000000056f70702d3102000000237b226c696e6b73223a"
    "5b2268747470733a2f2f702e6578616d706c652f722f39225d7d00000010766f7563682d61636d65"
    "2d373030303000000003000000040000019ab697e8000000019ab698d26001000000084854545020"
    "3530300000019ab6981839";
const char* const org_v1_hex =
    "010000000461636d650000000941636d6520436f72700000019a7afd1e000000019ab697e8000100"
    "00000900ff107365616c656400000002737400000000000000020000000e73746167652d72656663"
    "6865636b0000000773746167652d3200000003752d390000000861722d6869726564010000000015"
    "687474703a2f2f3132372e302e302e313a393230300000000000000007";
const char* const template_v1_hex =
    "0100000005742d656e6700000000000000070000000b456e67696e656572696e670000000b656e67"
    "696e656572696e67fffffffffffffffe01000000237b226964223a22742d656e67222c226e616d65"
    "223a22456e67696e656572696e67227d";

// -- temporary LMDB environments ---------------------------------------------------------------

using vouch::test::temp_dir;

constexpr uint64_t roomy = 64ull << 20;

bool seen(const database& db, const std::string& key) {
  return read_dedupe(db, key).status == read_status::found;
}

struct db_fixture {
  temp_dir dir;
  std::unique_ptr<database> db;
  explicit db_fixture(uint64_t map_size = roomy) { reopen(map_size); }
  void reopen(uint64_t map_size = roomy) {
    db.reset();
    std::string err;
    db = database::open(dir.path.string(), map_size, err);
    BOOST_REQUIRE_MESSAGE(db != nullptr, err);
  }
  void commit(const write_set& ws) {
    std::string err;
    BOOST_REQUIRE_MESSAGE(db->commit(ws, err) == commit_error::none, err);
  }
};

std::vector<std::string> keys_of(const database& db, table t, std::string_view prefix,
                                 std::string_view start = {}, std::size_t limit = 100) {
  std::vector<std::string> out;
  db.scan(t, prefix, start, [&](std::string_view k, std::string_view) {
    out.emplace_back(k);
    return out.size() < limit;
  });
  return out;
}

std::string key(std::initializer_list<std::string_view> parts) {
  std::string k;
  for (auto p : parts) {
    if (!k.empty()) k.push_back('\0');
    k.append(p);
  }
  return k;
}

}  // namespace

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(record_codecs)

BOOST_AUTO_TEST_CASE(every_record_type_round_trips_through_its_encoding) {
  auto c = decode_candidate(encode(sample_candidate()));
  BOOST_REQUIRE(c.has_value());
  expect_same(*c, sample_candidate());
  auto h = decode_history(encode(sample_history()));
  BOOST_REQUIRE(h.has_value());
  expect_same(*h, sample_history());
  auto cmd = decode_command(encode(sample_command()));
  BOOST_REQUIRE(cmd.has_value());
  expect_same(*cmd, sample_command());
  auto o = decode_org(encode(sample_org()));
  BOOST_REQUIRE(o.has_value());
  expect_same(*o, sample_org());
  auto t = decode_template(encode(sample_template()));
  BOOST_REQUIRE(t.has_value());
  expect_same(*t, sample_template());
}

BOOST_AUTO_TEST_CASE(an_empty_candidate_in_every_state_round_trips) {
  for (int s = 0; s <= static_cast<int>(cand_state::needs_attention); ++s) {
    candidate_record c;
    c.state = static_cast<cand_state>(s);
    auto back = decode_candidate(encode(c));
    BOOST_REQUIRE(back.has_value());
    expect_same(*back, c);
  }
}

BOOST_AUTO_TEST_CASE(version_1_bytes_written_by_earlier_builds_still_decode) {
  auto c = decode_candidate(unhex(candidate_v1_hex));
  BOOST_REQUIRE(c.has_value());
  expect_same(*c, sample_candidate());
  auto h = decode_history(unhex(history_v1_hex));
  BOOST_REQUIRE(h.has_value());
  expect_same(*h, sample_history());
  auto cmd = decode_command(unhex(command_v1_hex));
  BOOST_REQUIRE(cmd.has_value());
  expect_same(*cmd, sample_command());
  auto o = decode_org(unhex(org_v1_hex));
  BOOST_REQUIRE(o.has_value());
  expect_same(*o, sample_org());
  auto t = decode_template(unhex(template_v1_hex));
  BOOST_REQUIRE(t.has_value());
  expect_same(*t, sample_template());
}

BOOST_AUTO_TEST_CASE(a_command_keeps_when_its_failures_began_and_v1_ones_count_from_creation) {
  auto c = sample_command();
  c.failing_since = c.created_at + 12345;
  auto back = decode_command(encode(c));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->failing_since == c.created_at + 12345);
  // A v1 command that never failed is not failing.
  auto fresh = sample_command();
  fresh.attempts = 0;
  fresh.failing_since = 0;
  auto v1 = unhex(command_v1_hex);
  BOOST_REQUIRE(decode_command(v1).has_value());
  BOOST_TEST(decode_command(v1)->failing_since == c.created_at);
  BOOST_TEST(decode_command(encode(fresh))->failing_since == 0);
}

BOOST_AUTO_TEST_CASE(a_command_keeps_its_recent_attempts_and_v2_ones_have_none) {
  // Bytes a v2 build wrote decode as they were, with an empty attempt history.
  auto v2 = decode_command(unhex(command_v2_hex));
  BOOST_REQUIRE(v2.has_value());
  auto want = sample_command();
  want.failing_since = want.created_at + 12345;
  expect_same(*v2, want);
  BOOST_TEST(v2->recent_attempts.empty());
  // v3 keeps each attempt: when, HTTP status (0 = none), outcome and error.
  auto c = sample_command();
  remember_attempt(c, {1764000001000, 503, "retry", "HTTP 503: upstream down"});
  remember_attempt(c, {1764000002000, 0, "retry", "timed out after 10000 ms"});
  remember_attempt(c, {1764000003000, 429, "rate_limited", ""});
  auto back = decode_command(encode(c));
  BOOST_REQUIRE(back.has_value());
  expect_same(*back, c);
  expect_refuses_damaged(encode(c), [](std::string_view b) { return decode_command(b); });
}

BOOST_AUTO_TEST_CASE(a_command_keeps_only_its_newest_attempts) {
  command c;
  for (int i = 1; i <= 25; ++i)
    remember_attempt(c, {i, 500, "retry", "HTTP 500 #" + std::to_string(i)});
  BOOST_REQUIRE(c.recent_attempts.size() == max_recent_attempts);
  BOOST_TEST(c.recent_attempts.front().at == 25 - static_cast<int64_t>(max_recent_attempts) + 1);
  BOOST_TEST(c.recent_attempts.back().error == "HTTP 500 #25");
}

BOOST_AUTO_TEST_CASE(a_candidate_keeps_its_last_stage_and_older_ones_have_none) {
  auto c = sample_candidate();
  c.last_stage = "stage-refcheck";
  auto back = decode_candidate(encode(c));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->last_stage == "stage-refcheck");
  BOOST_TEST(decode_candidate(unhex(candidate_v1_hex))->last_stage.empty());
}

BOOST_AUTO_TEST_CASE(a_catch_up_record_round_trips_and_refuses_damage) {
  reconcile_record r;
  r.org = "acme";
  r.started_at = 1764000000000;
  r.cursor = 1764000300000;
  r.last_pass_at = 1764000301000;
  r.last_pass_ok = false;
  r.last_error = "Lever answered 401";
  r.found_total = 12;
  r.last_found = 3;
  r.last_found_at = 1764000300500;
  r.last_duration_ms = 250;
  auto back = decode_reconcile(encode(r));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->org == r.org);
  BOOST_TEST(back->started_at == r.started_at);
  BOOST_TEST(back->cursor == r.cursor);
  BOOST_TEST(back->last_pass_at == r.last_pass_at);
  BOOST_TEST(back->last_pass_ok == r.last_pass_ok);
  BOOST_TEST(back->last_error == r.last_error);
  BOOST_TEST(back->found_total == r.found_total);
  BOOST_TEST(back->last_found == r.last_found);
  BOOST_TEST(back->last_found_at == r.last_found_at);
  BOOST_TEST(back->last_duration_ms == r.last_duration_ms);
  expect_refuses_damaged(encode(r), [](std::string_view b) { return decode_reconcile(b); });
}

BOOST_AUTO_TEST_CASE(truncated_future_version_or_padded_bytes_decode_to_nothing) {
  expect_refuses_damaged(encode(sample_candidate()),
                         [](std::string_view b) { return decode_candidate(b); });
  expect_refuses_damaged(encode(sample_history()),
                         [](std::string_view b) { return decode_history(b); });
  expect_refuses_damaged(encode(sample_command()),
                         [](std::string_view b) { return decode_command(b); });
  expect_refuses_damaged(encode(sample_org()), [](std::string_view b) { return decode_org(b); });
  expect_refuses_damaged(encode(sample_template()),
                         [](std::string_view b) { return decode_template(b); });
}

BOOST_AUTO_TEST_CASE(an_unknown_state_or_command_kind_decodes_to_nothing) {
  candidate_record c;
  c.org = "a";
  c.opp = "b";
  auto bytes = encode(c);
  // version, len(4) "a", len(4) "b", then the state byte
  const std::size_t state_at = 1 + 4 + 1 + 4 + 1;
  BOOST_REQUIRE(bytes[state_at] == 0);
  bytes[state_at] = '\xff';  // no state has this number
  BOOST_TEST(!decode_candidate(bytes).has_value());

  command cmd;
  auto cb = encode(cmd);
  const std::size_t kind_at = 1 + 8 + 4 + 4;  // version, id, empty org, empty opp
  BOOST_REQUIRE(cb[kind_at] == 0);
  cb[kind_at] = '\xff';  // no command kind has this number
  BOOST_TEST(!decode_command(cb).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(database_on_lmdb)

BOOST_AUTO_TEST_CASE(a_batch_that_overflows_the_map_commits_none_of_its_sets) {
  db_fixture f(64 * 1024);
  write_set before;
  before.put(table::meta, "before", "kept");
  f.commit(before);

  write_set a, b, big;
  a.put(table::meta, "a", "1");
  a.put(table::outbox, outbox_key(1), "cmd");
  b.del(table::meta, "before");
  b.put(table::candidates, candidate_key("acme", "opp-1"), "rec");
  big.put(table::meta, "big", std::string(1 << 20, 'x'));
  std::string err;
  BOOST_TEST((f.db->commit({&a, &b, &big}, err) == commit_error::map_full));
  BOOST_TEST(!err.empty());

  BOOST_TEST(!f.db->get(table::meta, "a").has_value());
  BOOST_TEST(!f.db->exists(table::outbox, outbox_key(1)));
  BOOST_TEST(!f.db->exists(table::candidates, candidate_key("acme", "opp-1")));
  BOOST_TEST(!f.db->exists(table::meta, "big"));
  BOOST_TEST(f.db->get(table::meta, "before").value_or("") == "kept");

  // The environment is still usable: the same small sets commit without the big one.
  err.clear();
  BOOST_TEST((f.db->commit({&a, &b}, err) == commit_error::none), err);
  BOOST_TEST(f.db->get(table::meta, "a").value_or("") == "1");
  BOOST_TEST(!f.db->exists(table::meta, "before"));
}

BOOST_AUTO_TEST_CASE(several_sets_in_one_commit_are_applied_in_order) {
  db_fixture f;
  write_set a, b;
  a.put(table::meta, "k", "first");
  a.put(table::meta, "gone", "x");
  b.put(table::meta, "k", "second");
  b.del(table::meta, "gone");
  b.del(table::meta, "never-there");  // deleting a missing key is not an error
  std::string err;
  BOOST_TEST((f.db->commit({&a, &b}, err) == commit_error::none), err);
  BOOST_TEST(f.db->get(table::meta, "k").value_or("") == "second");
  BOOST_TEST(!f.db->exists(table::meta, "gone"));
}

BOOST_AUTO_TEST_CASE(data_committed_before_close_is_there_after_reopening) {
  db_fixture f;
  write_set ws;
  put_candidate(ws, sample_candidate());
  put_org(ws, sample_org());
  ws.put(table::dedupe, "delivery-1", be64(5));
  f.commit(ws);
  f.reopen();
  auto c = load_candidate(*f.db, "acme", "opp-1");
  BOOST_REQUIRE(c.has_value());
  expect_same(*c, sample_candidate());
  auto o = load_org(*f.db, "acme");
  BOOST_REQUIRE(o.has_value());
  expect_same(*o, sample_org());
  BOOST_TEST(seen(*f.db, "delivery-1"));
  BOOST_TEST(!seen(*f.db, "delivery-2"));
}

BOOST_AUTO_TEST_CASE(a_deferred_commit_is_visible_at_once_and_counted_until_a_later_one_syncs) {
  // The store's group commit defers the meta sync: the next commit (or sync()) makes it
  // power-loss durable. committed_txn() is how the store tells which answers may go.
  db_fixture f;
  const uint64_t t0 = f.db->committed_txn();
  write_set a, b;
  a.put(table::meta, "first", "1");
  b.put(table::meta, "second", "2");
  auto r = f.db->commit_each({&a}, /*defer_meta_sync=*/true);
  BOOST_REQUIRE(r.at(0).rc == commit_error::none);
  const uint64_t t1 = f.db->committed_txn();
  BOOST_TEST(t1 == t0 + 1);
  BOOST_TEST(f.db->get(table::meta, "first").value_or("") == "1");  // readers see it now
  // A batch in which nothing commits (a taken put_new key) is no sync: the id stays.
  write_set taken;
  taken.put_new(table::meta, "first", "again");
  BOOST_TEST((f.db->commit_each({&taken}, true).at(0).rc == commit_error::conflict));
  BOOST_TEST(f.db->committed_txn() == t1);
  r = f.db->commit_each({&b}, true);
  BOOST_REQUIRE(r.at(0).rc == commit_error::none);
  BOOST_TEST(f.db->committed_txn() > t1);  // "first" is now behind a data sync
  f.db->sync();
  f.reopen();
  BOOST_TEST(f.db->get(table::meta, "first").value_or("") == "1");
  BOOST_TEST(f.db->get(table::meta, "second").value_or("") == "2");
}

BOOST_AUTO_TEST_CASE(a_deferred_commit_survives_kill_9_before_any_sync) {
  // A process crash loses nothing committed: the meta page is in the OS cache even before
  // its sync. (A power loss needs the sync; see docs/architecture.md, "Durability".)
  db_fixture f;
  f.db.reset();
  int ready[2];
  BOOST_REQUIRE(pipe(ready) == 0);
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    std::string err;
    auto db = database::open(f.dir.path.string(), roomy, err);
    write_set ws;
    ws.put(table::meta, "before-the-crash", "kept");
    const bool ok =
        db && db->commit_each({&ws}, /*defer_meta_sync=*/true).at(0).rc == commit_error::none;
    const char c = ok ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(3);
    for (;;) pause();  // killed here, before any sync
  }
  close(ready[1]);
  char c = 0;
  BOOST_REQUIRE(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_REQUIRE(c == 'y');
  BOOST_REQUIRE(WIFSIGNALED(status));
  f.reopen();
  BOOST_TEST(f.db->get(table::meta, "before-the-crash").value_or("") == "kept");
}

BOOST_AUTO_TEST_CASE(scan_stays_inside_its_prefix_and_starts_where_asked) {
  db_fixture f;
  write_set ws;
  for (auto k : {key({"a", "x"}), key({"a", "y"}), key({"a", "z"}), key({"ab", "z"}),
                 key({"b", "x"}), std::string("a")})
    ws.put(table::candidates, k, "v");
  f.commit(ws);
  const auto& db = *f.db;
  const std::string pa = std::string("a") + '\0';
  BOOST_TEST(keys_of(db, table::candidates, pa) ==
                 (std::vector<std::string>{key({"a", "x"}), key({"a", "y"}), key({"a", "z"})}),
             boost::test_tools::per_element());
  BOOST_TEST(keys_of(db, table::candidates, pa, key({"a", "y"})) ==
                 (std::vector<std::string>{key({"a", "y"}), key({"a", "z"})}),
             boost::test_tools::per_element());
  BOOST_TEST(
      keys_of(db, table::candidates, pa, {}, 1) == (std::vector<std::string>{key({"a", "x"})}),
      boost::test_tools::per_element());
  BOOST_TEST(keys_of(db, table::candidates, {}).size() == 6u);
  BOOST_TEST(keys_of(db, table::candidates, "c").empty());
  BOOST_TEST(keys_of(db, table::templates, {}).empty());
}

BOOST_AUTO_TEST_CASE(last_key_count_and_stats_describe_the_tables) {
  db_fixture f;
  BOOST_TEST(f.db->last_key(table::outbox).empty());
  BOOST_TEST(f.db->count(table::outbox) == 0u);
  write_set ws;
  for (uint64_t id : {3u, 256u, 1u}) ws.put(table::outbox, outbox_key(id), "c");
  ws.put(table::meta, "m", "v");
  f.commit(ws);
  BOOST_TEST(f.db->last_key(table::outbox) == outbox_key(256));
  BOOST_TEST(f.db->count(table::outbox) == 3u);
  BOOST_TEST(f.db->count(table::meta) == 1u);

  auto s = f.db->stats();
  BOOST_TEST(s.map_size == roomy);
  BOOST_TEST(s.page_size > 0u);
  BOOST_TEST(s.used_bytes > 0u);
  BOOST_TEST(s.used_bytes <= s.map_size);
  BOOST_REQUIRE(s.tables.size() == static_cast<std::size_t>(table_count));
  for (int i = 0; i < table_count; ++i) {
    BOOST_TEST(s.tables[i].name == table_name(static_cast<table>(i)));
    BOOST_TEST(s.tables[i].entries == f.db->count(static_cast<table>(i)));
  }
  BOOST_TEST(s.tables[static_cast<int>(table::outbox)].name == "outbox");
  BOOST_TEST(s.tables[static_cast<int>(table::outbox)].entries == 3u);
}

BOOST_AUTO_TEST_CASE(a_backup_taken_while_writers_commit_is_a_consistent_snapshot_that_opens) {
  db_fixture f;
  // Each set writes a pair (a candidate-like row and its outbox-like row) that must
  // travel together: a copy holding one without the other is not a transaction snapshot.
  // (Boost.Test's checks are not thread-safe: the writer thread only counts failures.)
  std::atomic<int> failed_commits{0};
  auto write_pair = [&](int i) {
    write_set ws;
    ws.put(table::candidates, std::string("acme\0opp-", 9) + std::to_string(i),
           std::string(300, 'c'));
    ws.put(table::outbox, "cmd-" + std::to_string(i), std::string(200, 'o'));
    std::string err;
    if (f.db->commit(ws, err) != commit_error::none) ++failed_commits;
  };
  for (int i = 0; i < 2000; ++i) write_pair(i);
  std::atomic<bool> stop{false};
  std::atomic<int> written{2000};
  std::thread writer([&] {
    while (!stop) write_pair(written++);
  });
  temp_dir out;
  const std::string file = (out.path / "vouch.backup").string();
  auto size = f.db->backup_to(file);
  stop = true;
  writer.join();
  BOOST_REQUIRE_EQUAL(failed_commits.load(), 0);
  BOOST_REQUIRE_MESSAGE(size.has_value(), size.error().message);
  BOOST_TEST(*size == fs::file_size(file));
  BOOST_TEST(!fs::exists(file + ".partial"));
  BOOST_TEST(((fs::status(file).permissions() & fs::perms::others_read) == fs::perms::none));
  // Restore: the file becomes data.mdb of a fresh directory.
  temp_dir restored;
  fs::copy_file(file, restored.path / "data.mdb");
  std::string err;
  auto copy = database::open(restored.path.string(), roomy, err);
  BOOST_REQUIRE_MESSAGE(copy != nullptr, err);
  const auto n = copy->count(table::candidates);
  BOOST_TEST(n >= 2000u);
  BOOST_TEST(n <= static_cast<uint64_t>(written.load()));
  BOOST_TEST(copy->count(table::outbox) == n);
  for (uint64_t i = 0; i < n; ++i)
    BOOST_TEST_REQUIRE(copy->exists(table::outbox, "cmd-" + std::to_string(i)));
  // A second backup to the same path is refused and leaves the first intact.
  auto again = f.db->backup_to(file);
  BOOST_TEST(!again.has_value());
  BOOST_TEST((again.code() == vouch::core::errc::conflict));
  BOOST_TEST(fs::file_size(file) == *size);
  // A directory that does not exist is an io error, and nothing is left behind.
  auto nowhere = f.db->backup_to((out.path / "no-such-dir" / "b").string());
  BOOST_TEST((nowhere.code() == vouch::core::errc::io));
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(repository)

BOOST_AUTO_TEST_CASE(timer_keys_sort_by_due_time_and_parse_back) {
  db_fixture f;
  struct due_timer {
    int64_t due;
    const char* org;
    const char* opp;
    timer_kind kind;
  };
  const std::vector<due_timer> timers = {
      {1765814400000, "acme", "opp-1", timer_kind::expiry},
      {255, "zeta", "opp-2", timer_kind::followup},
      {256, "acme", "opp-3", timer_kind::reminder},
      {1764172800000, "beta", "opp-1", timer_kind::reminder},
      {int64_t{1} << 40, "acme", "opp-1", timer_kind::followup},
  };
  write_set ws;
  for (const auto& t : timers) put_timer(ws, t.org, t.opp, {t.kind, t.due});
  f.commit(ws);

  auto listed = list_timers(*f.db);
  auto expected = timers;
  std::sort(expected.begin(), expected.end(),
            [](const due_timer& a, const due_timer& b) { return a.due < b.due; });
  BOOST_REQUIRE(listed.size() == expected.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    BOOST_TEST_CONTEXT("timer " << i) {
      BOOST_TEST(listed[i].timer.due == expected[i].due);
      BOOST_TEST(listed[i].org == expected[i].org);
      BOOST_TEST(listed[i].opp == expected[i].opp);
      BOOST_TEST(to_string(listed[i].timer.kind) == to_string(expected[i].kind));
    }
  }

  write_set del;
  del_timer(del, "zeta", "opp-2", {timer_kind::followup, 255});
  f.commit(del);
  BOOST_TEST(list_timers(*f.db).size() == timers.size() - 1);
  BOOST_TEST(list_timers(*f.db).front().timer.due == 256);

  // A window: [from, before), in due order, nothing outside it.
  auto window = list_timers_due(*f.db, 256, 1765814400000);
  BOOST_REQUIRE(window.size() == 3u);
  BOOST_TEST(window[0].timer.due == 256);
  BOOST_TEST(window[1].timer.due == int64_t{1} << 40);
  BOOST_TEST(window[2].timer.due == 1764172800000);
  BOOST_TEST(list_timers_due(*f.db, 257, int64_t{1} << 40).empty());
  BOOST_TEST(list_timers_due(*f.db, 0, int64_t{1} << 41).size() == timers.size() - 1);
  BOOST_TEST(list_timers_due(*f.db, 5000, 5000).empty());
}

BOOST_AUTO_TEST_CASE(parse_timer_key_refuses_malformed_keys) {
  auto good = timer_key(1000, "acme", "opp-1", timer_kind::expiry);
  auto t = parse_timer_key(good);
  BOOST_REQUIRE(t.has_value());
  BOOST_TEST(t->timer.due == 1000);
  BOOST_TEST(t->org == "acme");
  BOOST_TEST(t->opp == "opp-1");
  BOOST_TEST(to_string(t->timer.kind) == "expiry");

  BOOST_TEST(!parse_timer_key(good.substr(0, 7)).has_value());
  BOOST_TEST(!parse_timer_key(good.substr(0, good.size() - 2)).has_value());
  std::string bad_kind = good;
  bad_kind.back() = '\xff';
  BOOST_TEST(!parse_timer_key(bad_kind).has_value());
  BOOST_TEST(!parse_timer_key(good + "x").has_value());
  BOOST_TEST(!parse_timer_key(be64(1000) + "acme-opp-1-kind").has_value());
}

// Found by tests/fuzz/storage_keys.cpp: the shortest key timer_key writes (empty org and
// opp) was refused by parse_timer_key, so list_timers would have dropped that timer.
BOOST_AUTO_TEST_CASE(every_timer_key_written_parses_back_even_with_empty_parts) {
  for (const auto& [org, opp] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"", "o"}, {"a", ""}, {"a", "o"}}) {
    BOOST_TEST_CONTEXT("org \"" << org << "\", opp \"" << opp << "\"") {
      const auto k = timer_key(-5, org, opp, timer_kind::followup);
      BOOST_REQUIRE(!k.empty());
      auto t = parse_timer_key(k);
      BOOST_REQUIRE(t.has_value());
      BOOST_TEST(t->org == org);
      BOOST_TEST(t->opp == opp);
      BOOST_TEST(t->timer.due == -5);
      BOOST_TEST(to_string(t->timer.kind) == "followup");
    }
  }
  // One byte shorter is no key at all.
  BOOST_TEST(!parse_timer_key(be64(1000) + std::string(2, '\0')).has_value());
}

BOOST_AUTO_TEST_CASE(history_comes_back_in_seq_order_for_one_candidate_only) {
  db_fixture f;
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= 300; ++s) seqs.push_back(s);
  std::reverse(seqs.begin(), seqs.end());
  std::swap(seqs[10], seqs[200]);
  write_set ws;
  for (auto s : seqs) {
    history_entry h = sample_history();
    h.seq = s;
    put_history(ws, "acme", "opp-1", h);
    h.detail = "other";
    put_history(ws, "acme", "opp-10", h);  // opp-1 is a prefix of opp-10
    put_history(ws, "acme2", "opp-1", h);
  }
  f.commit(ws);

  auto hs = load_history(*f.db, "acme", "opp-1");
  BOOST_REQUIRE(hs.size() == 300u);
  for (std::size_t i = 0; i < hs.size(); ++i) {
    BOOST_TEST(hs[i].seq == i + 1);
    BOOST_TEST(hs[i].detail == "report note posted to Lever");
  }
  BOOST_TEST(load_history(*f.db, "acme", "opp-10").size() == 300u);
  BOOST_TEST(load_history(*f.db, "acme", "opp-2").empty());
}

BOOST_AUTO_TEST_CASE(list_candidates_returns_only_the_given_orgs_candidates) {
  db_fixture f;
  write_set ws;
  for (auto [org, opp] : std::vector<std::pair<const char*, const char*>>{
           {"acme", "opp-2"}, {"acme", "opp-1"}, {"acme2", "opp-1"}, {"acm", "opp-9"}}) {
    candidate_record c = sample_candidate();
    c.org = org;
    c.opp = opp;
    put_candidate(ws, c);
  }
  f.commit(ws);
  auto acme = list_candidates(*f.db, "acme");
  BOOST_REQUIRE(acme.size() == 2u);
  BOOST_TEST(acme[0].opp == "opp-1");
  BOOST_TEST(acme[1].opp == "opp-2");
  for (const auto& c : acme) BOOST_TEST(c.org == "acme");
  BOOST_TEST(list_candidates(*f.db, "acme2").size() == 1u);
  BOOST_TEST(list_candidates(*f.db, "acm").size() == 1u);
  BOOST_TEST(list_candidates(*f.db, "nobody").empty());
  BOOST_TEST(load_candidate(*f.db, "acme2", "opp-1").has_value());
  BOOST_TEST(!load_candidate(*f.db, "acme", "opp-9").has_value());
}

BOOST_AUTO_TEST_CASE(orgs_and_templates_are_stored_per_org) {
  db_fixture f;
  write_set ws;
  auto other = sample_org();
  other.id = "beta";
  put_org(ws, sample_org());
  put_org(ws, other);
  auto t2 = sample_template();
  t2.id = "t-two";
  put_template(ws, "acme", sample_template());
  put_template(ws, "acme", t2);
  put_template(ws, "beta", t2);
  f.commit(ws);
  BOOST_TEST(list_orgs(*f.db).size() == 2u);
  BOOST_TEST(list_templates(*f.db, "acme").size() == 2u);
  BOOST_TEST(list_templates(*f.db, "beta").size() == 1u);
  auto t = load_template(*f.db, "acme", "t-eng");
  BOOST_REQUIRE(t.has_value());
  expect_same(*t, sample_template());

  write_set del;
  del_template(del, "acme", "t-eng");
  f.commit(del);
  BOOST_TEST(!load_template(*f.db, "acme", "t-eng").has_value());
  BOOST_TEST(list_templates(*f.db, "acme").size() == 1u);
}

BOOST_AUTO_TEST_CASE(max_command_id_is_the_highest_of_outbox_and_meta) {
  db_fixture f;
  BOOST_TEST(max_command_id(*f.db) == 0u);
  write_set ws;
  for (uint64_t id : {5u, 300u, 7u}) {
    auto c = sample_command();
    c.id = id;
    put_command(ws, c);
  }
  f.commit(ws);
  BOOST_TEST(max_command_id(*f.db) == 300u);
  auto loaded = load_command(*f.db, 7);
  BOOST_REQUIRE(loaded.has_value());
  BOOST_TEST(loaded->id == 7u);
  BOOST_TEST(list_commands(*f.db).size() == 3u);

  write_set meta;
  put_max_command_id(meta, 1000);
  f.commit(meta);
  BOOST_TEST(max_command_id(*f.db) == 1000u);

  // Finished commands leave the outbox; the meta high-water mark keeps ids from coming back.
  write_set done;
  for (uint64_t id : {5u, 300u, 7u}) del_command(done, id);
  f.commit(done);
  BOOST_TEST(list_commands(*f.db).empty());
  BOOST_TEST(max_command_id(*f.db) == 1000u);

  write_set higher;
  auto c = sample_command();
  c.id = 5000;
  put_command(higher, c);
  f.commit(higher);
  BOOST_TEST(max_command_id(*f.db) == 5000u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(candidate_shell)

namespace {

constexpr int64_t t_now = 1764000000000;

struct shell_fixture {
  temp_dir dir;
  vouch::actors::engine_context ctx;
  shell_fixture() {
    std::string err;
    ctx.db = database::open(dir.path.string(), roomy, err);
    BOOST_REQUIRE_MESSAGE(ctx.db != nullptr, err);
    ctx.next_command_id = 100;
  }
  void commit(const write_set& ws) {
    std::string err;
    BOOST_REQUIRE_MESSAGE(ctx.db->commit(ws, err) == commit_error::none, err);
  }
};

/// A transition as the machine would return it after a report: two commands, a new
/// timer and one history entry.
transition two_commands_and_a_timer() {
  transition t;
  auto& c = t.next;
  c.org = "acme";
  c.opp = "opp-1";
  c.state = cand_state::awaiting_references;
  c.request_id = "req-9";
  c.report_url = "https://p.example/r/9";
  c.generation = 2;
  c.next_seq = 6;
  c.created_at = t_now - 1000;
  c.updated_at = t_now;
  timer_entry expiry{timer_kind::expiry, t_now + 21LL * 86400000};
  c.timers = {expiry};
  t.timers_set = {expiry};
  history_entry h;
  h.seq = 5;
  h.at = t_now;
  h.event = "lever.stage_change";
  h.from = "requesting";
  h.to = "awaiting_references";
  h.detail = "request req-9 created on the platform";
  t.history = {h};
  t.commands = {command_spec{command_kind::platform_remind, "", false},
                command_spec{command_kind::platform_hiring_status, "lever_webhook", true}};
  return t;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(prepare_commit_puts_record_history_commands_timer_and_dedupe_in_one_set,
                        shell_fixture) {
  const auto t = two_commands_and_a_timer();
  vouch::actors::candidate_input in;
  in.org = "acme";
  in.opp = "opp-1";
  in.event = machine_event(t_now, events::stage_change{});
  in.dedupe_key = "lever:acme:stage_change:opp-1:1764000000000";
  auto prepared = vouch::actors::prepare_commit(ctx, in, t, nullptr);
  commit(prepared.ws);
  const auto& db = *ctx.db;

  auto cmds = list_commands(db);
  BOOST_REQUIRE(cmds.size() == 2u);
  BOOST_TEST(cmds[0].id != cmds[1].id);
  BOOST_TEST(cmds[0].idem_key != cmds[1].idem_key);
  BOOST_TEST(!cmds[0].idem_key.empty());
  BOOST_TEST(!cmds[1].idem_key.empty());
  BOOST_TEST(to_string(cmds[0].kind) == "platform.remind");
  BOOST_TEST(to_string(cmds[1].kind) == "platform.hiring_status");
  for (const auto& c : cmds) {
    BOOST_TEST(c.org == "acme");
    BOOST_TEST(c.opp == "opp-1");
    BOOST_TEST(c.generation == 2u);
    BOOST_TEST(to_string(c.status) == "pending");
    BOOST_TEST(c.created_at == t_now);
    BOOST_TEST(c.next_at == t_now);
    BOOST_TEST(c.payload.find("req-9") != std::string::npos);
  }
  BOOST_TEST(cmds[1].payload.find("lever_webhook") != std::string::npos);
  BOOST_REQUIRE(prepared.new_commands.size() == 2u);
  BOOST_TEST(prepared.new_commands[0].id == cmds[0].id);
  BOOST_TEST(prepared.new_commands[1].id == cmds[1].id);
  BOOST_TEST(max_command_id(db) == std::max(cmds[0].id, cmds[1].id));
  BOOST_TEST(ctx.next_command_id.load() > max_command_id(db));

  const auto& expiry = t.timers_set[0];
  BOOST_TEST(db.exists(table::timers, timer_key(expiry.due, "acme", "opp-1", expiry.kind)));
  BOOST_TEST(list_timers(db).size() == 1u);
  BOOST_REQUIRE(prepared.new_timers.size() == 1u);
  BOOST_TEST((prepared.new_timers[0].timer == expiry));

  BOOST_TEST(seen(db, in.dedupe_key));

  auto rec = load_candidate(db, "acme", "opp-1");
  BOOST_REQUIRE(rec.has_value());
  expect_same(*rec, t.next);
  auto hs = load_history(db, "acme", "opp-1");
  BOOST_REQUIRE(hs.size() == 1u);
  expect_same(hs[0], t.history[0]);
}

BOOST_FIXTURE_TEST_CASE(a_command_done_event_deletes_its_outbox_row_in_the_same_commit,
                        shell_fixture) {
  const auto first = two_commands_and_a_timer();
  vouch::actors::candidate_input in;
  in.org = "acme";
  in.opp = "opp-1";
  in.event.now = t_now;
  auto p1 = vouch::actors::prepare_commit(ctx, in, first, nullptr);
  commit(p1.ws);
  BOOST_REQUIRE(p1.new_commands.size() == 2u);
  const uint64_t finished = p1.new_commands[0].id;
  const uint64_t still_pending = p1.new_commands[1].id;

  transition second;
  second.next = first.next;
  history_entry h;
  h.seq = second.next.next_seq++;
  h.at = t_now + 5000;
  h.event = "command_done:platform.remind";
  h.from = h.to = "awaiting_references";
  h.detail = "platform.remind done";
  second.history = {h};
  second.next.updated_at = h.at;
  vouch::actors::candidate_input done;
  done.org = "acme";
  done.opp = "opp-1";
  events::command_done finished_event;
  finished_event.command = command_kind::platform_remind;
  finished_event.command_id = finished;
  done.event = machine_event(t_now + 5000, finished_event);
  auto p2 = vouch::actors::prepare_commit(ctx, done, second, nullptr);

  // One write set carries both the new record and the outbox deletion.
  const bool deletes_row = std::any_of(p2.ws.ops.begin(), p2.ws.ops.end(), [&](const write_op& o) {
    return o.kind == write_op::del && o.tbl == table::outbox && o.key == outbox_key(finished);
  });
  const bool puts_record = std::any_of(p2.ws.ops.begin(), p2.ws.ops.end(), [](const write_op& o) {
    return o.kind == write_op::put && o.tbl == table::candidates;
  });
  BOOST_TEST(deletes_row);
  BOOST_TEST(puts_record);
  BOOST_TEST(p2.new_commands.empty());
  commit(p2.ws);

  BOOST_TEST(!load_command(*ctx.db, finished).has_value());
  BOOST_TEST(load_command(*ctx.db, still_pending).has_value());
  auto rec = load_candidate(*ctx.db, "acme", "opp-1");
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->next_seq == second.next.next_seq);
  BOOST_TEST(rec->updated_at == t_now + 5000);
  BOOST_TEST(load_history(*ctx.db, "acme", "opp-1").size() == 2u);
  // Ids stay unique after the finished row is gone.
  BOOST_TEST(max_command_id(*ctx.db) >= still_pending);
}

BOOST_FIXTURE_TEST_CASE(a_fired_timer_leaves_the_timers_table_with_its_transition, shell_fixture) {
  const auto first = two_commands_and_a_timer();
  vouch::actors::candidate_input in;
  in.org = "acme";
  in.opp = "opp-1";
  in.event.now = t_now;
  commit(vouch::actors::prepare_commit(ctx, in, first, nullptr).ws);
  BOOST_REQUIRE(list_timers(*ctx.db).size() == 1u);

  const auto fired = first.timers_set[0];
  vouch::actors::candidate_input ev;
  ev.org = "acme";
  ev.opp = "opp-1";
  ev.event = machine_event(fired.due, events::timer_fired{fired});
  const auto t = apply(first.next, ev.event, machine_context{});
  BOOST_TEST(to_string(t.next.state) == "expired");
  commit(vouch::actors::prepare_commit(ctx, ev, t, nullptr).ws);
  BOOST_TEST(list_timers(*ctx.db).empty());
  auto rec = load_candidate(*ctx.db, "acme", "opp-1");
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(to_string(rec->state) == "expired");
  auto cmds = list_commands(*ctx.db);
  BOOST_TEST(std::count_if(cmds.begin(), cmds.end(), [](const command& c) {
               return c.kind == command_kind::platform_expire;
             }) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(hostile_input_and_storage_faults)

write_set one_put(table t, std::string key, std::string value = "v") {
  write_set ws;
  ws.put(t, std::move(key), std::move(value));
  return ws;
}

BOOST_AUTO_TEST_CASE(a_poisoned_set_fails_alone_and_the_rest_of_its_batch_commits) {
  db_fixture f;
  // A history key past LMDB's 511 bytes (the 498-character opportunityId of the trial), an
  // empty key, and good sets around them, in one batch.
  std::vector<write_set> sets;
  sets.push_back(one_put(table::candidates, candidate_key("acme", "good-1")));
  sets.push_back(one_put(table::history, "acme\0" + std::string(600, 'x') + "\0seq"));
  sets.push_back(one_put(table::candidates, candidate_key("acme", "good-2")));
  sets.push_back(one_put(table::prospects, ""));
  sets.push_back(one_put(table::candidates, candidate_key("acme", "good-3")));
  std::vector<const write_set*> ptrs;
  for (auto& w : sets) ptrs.push_back(&w);
  auto r = f.db->commit_each(ptrs);
  BOOST_REQUIRE_EQUAL(r.size(), 5u);
  BOOST_TEST((r[0].rc == commit_error::none));
  BOOST_TEST((r[1].rc == commit_error::invalid));
  BOOST_TEST(r[1].err.find("history") != std::string::npos);
  BOOST_TEST((r[2].rc == commit_error::none));
  BOOST_TEST((r[3].rc == commit_error::invalid));
  BOOST_TEST((r[4].rc == commit_error::none));
  for (const char* k : {"good-1", "good-2", "good-3"})
    BOOST_TEST(f.db->exists(table::candidates, candidate_key("acme", k)));
}

BOOST_AUTO_TEST_CASE(a_set_that_overflows_the_map_fails_alone_and_small_ones_still_commit) {
  db_fixture f(256 * 1024);
  std::vector<write_set> sets;
  sets.push_back(one_put(table::meta, "small-1", "a"));
  sets.push_back(one_put(table::meta, "huge", std::string(1 << 20, 'h')));  // > the whole map
  sets.push_back(one_put(table::meta, "small-2", "b"));
  std::vector<const write_set*> ptrs;
  for (auto& w : sets) ptrs.push_back(&w);
  auto r = f.db->commit_each(ptrs);
  BOOST_TEST((r[0].rc == commit_error::none));
  BOOST_TEST((r[1].rc == commit_error::map_full));
  BOOST_TEST((r[2].rc == commit_error::none));
  BOOST_TEST(f.db->get(table::meta, "small-1").value_or("") == "a");
  BOOST_TEST(f.db->get(table::meta, "small-2").value_or("") == "b");
  BOOST_TEST(!f.db->exists(table::meta, "huge"));
}

BOOST_AUTO_TEST_CASE(a_delivery_key_is_claimed_once_even_within_one_batch) {
  db_fixture f;
  write_set first;
  put_dedupe(first, "delivery-7", 1000, "digest-a");
  first.put(table::candidates, candidate_key("acme", "opp-1"), "rec-1");
  f.commit(first);
  // A second claim in a later batch, and two claims inside one batch: only the first of
  // each wins, and nothing of a losing set is written.
  write_set again, twin_a, twin_b, other;
  put_dedupe(again, "delivery-7", 2000, "digest-b");
  again.put(table::candidates, candidate_key("acme", "opp-2"), "must-not-appear");
  put_dedupe(twin_a, "delivery-8", 3000);
  twin_a.put(table::candidates, candidate_key("acme", "opp-3"), "rec-3");
  put_dedupe(twin_b, "delivery-8", 3001);
  twin_b.put(table::candidates, candidate_key("acme", "opp-4"), "must-not-appear");
  other.put(table::candidates, candidate_key("acme", "opp-5"), "rec-5");
  auto r = f.db->commit_each({&again, &twin_a, &twin_b, &other});
  BOOST_TEST((r[0].rc == commit_error::conflict));
  BOOST_TEST((r[1].rc == commit_error::none));
  BOOST_TEST((r[2].rc == commit_error::conflict));
  BOOST_TEST((r[3].rc == commit_error::none));
  BOOST_TEST(!f.db->exists(table::candidates, candidate_key("acme", "opp-2")));
  BOOST_TEST(!f.db->exists(table::candidates, candidate_key("acme", "opp-4")));
  BOOST_TEST(f.db->exists(table::candidates, candidate_key("acme", "opp-5")));
  const auto d = read_dedupe(*f.db, "delivery-7");
  BOOST_TEST(d.first_seen == 1000);
  BOOST_TEST(d.digest == "digest-a");  // the first claim's data, never overwritten
}

BOOST_AUTO_TEST_CASE(a_failed_read_is_never_taken_for_absent_and_a_newer_record_is_unreadable) {
  db_fixture f;
  auto c = sample_candidate();
  write_set ws;
  put_candidate(ws, c);
  f.commit(ws);
  BOOST_TEST((read_candidate(*f.db, c.org, c.opp).status == read_status::found));
  BOOST_TEST((read_candidate(*f.db, c.org, "nobody").status == read_status::not_found));
  f.db->fail_reads_for_tests(table::candidates, true);
  const auto failed = read_candidate(*f.db, c.org, c.opp);
  BOOST_TEST((failed.status == read_status::failed));
  BOOST_TEST(!failed.error.empty());
  BOOST_TEST(!load_candidate(*f.db, c.org, c.opp).has_value());
  f.db->fail_reads_for_tests(table::candidates, false);
  f.db->fail_reads_for_tests(table::dedupe, true);
  BOOST_TEST((read_dedupe(*f.db, "any").status == read_status::failed));
  f.db->fail_reads_for_tests(table::dedupe, false);

  // A record written by a newer vouchd (schema version 200): failed, naming the key; the
  // bytes stay as they were.
  std::string newer = encode(c);
  newer[0] = char(200);
  write_set w2;
  w2.put(table::candidates, candidate_key("acme", "opp-future"), newer);
  f.commit(w2);
  const auto r = read_candidate(*f.db, "acme", "opp-future");
  BOOST_TEST((r.status == read_status::failed));
  BOOST_TEST(r.error.find("acme/opp-future") != std::string::npos);
  BOOST_TEST(r.error.find("200") != std::string::npos);
  BOOST_TEST(f.db->get(table::candidates, candidate_key("acme", "opp-future")).value_or("") ==
             newer);
}

BOOST_AUTO_TEST_CASE(every_key_holds_maximum_length_and_hostile_ids_without_colliding) {
  db_fixture f;
  const std::string org(64, 'o');
  // Longest allowed ids and ids with every kind of byte the edge lets through.
  const std::vector<std::string> ids = {
      std::string(128, 'i'),          "a/b",    "a%00b",  "Ünïcödé ✓",
      std::string(127, 'x') + "\xff", "victim", "victimx"};
  for (const auto& id : ids) BOOST_REQUIRE(valid_external_id(id));
  for (const auto& id : ids) {
    write_set ws;
    candidate_record c;
    c.org = org;
    c.opp = id;
    c.timers = {{timer_kind::followup, 1764000000000}};
    put_candidate(ws, c);
    history_entry h;
    h.seq = std::numeric_limits<uint64_t>::max();
    h.event = "e";
    put_history(ws, org, id, h);
    put_timer(ws, org, id, c.timers[0]);
    prospect_record p;
    p.org = org;
    p.id = id;
    put_prospect(ws, p);
    template_record t;
    t.id = id;
    put_template(ws, org, t);
    put_dedupe(ws, "k-" + id, 1);
    std::vector<const write_set*> one{&ws};
    auto r = f.db->commit_each(one);
    BOOST_TEST_INFO("id of " << id.size() << " bytes");
    BOOST_TEST((r[0].rc == commit_error::none), r[0].err);
  }
  // Each id reads back its own records, and "victim" does not see "victimx"'s history.
  for (const auto& id : ids) {
    BOOST_TEST((read_candidate(*f.db, org, id).status == read_status::found));
    BOOST_TEST(load_history(*f.db, org, id).size() == 1u);
    BOOST_TEST(load_prospect(*f.db, org, id).has_value());
  }
  std::size_t parsed = 0;
  for (const auto& t : list_timers(*f.db)) {
    BOOST_TEST(t.org == org);
    BOOST_TEST((std::find(ids.begin(), ids.end(), t.opp) != ids.end()));
    ++parsed;
  }
  BOOST_TEST(parsed == ids.size());  // no timer key failed to parse back
}

BOOST_AUTO_TEST_CASE(a_store_written_before_the_change_index_gets_it_once_at_start) {
  db_fixture f;
  write_set ws;
  for (int i = 0; i < 25; ++i) {
    candidate_record c;
    c.org = "acme";
    c.opp = "opp-" + std::to_string(i);
    c.updated_at = 1000 + i;
    ws.put(table::candidates, candidate_key(c.org, c.opp), encode(c));  // no index entry
  }
  f.commit(ws);
  BOOST_TEST(f.db->count(table::by_change) == 0u);
  BOOST_TEST(build_change_index(*f.db, 10) == 25u);  // three slices
  BOOST_TEST(f.db->count(table::by_change) == 25u);
  BOOST_TEST(build_change_index(*f.db, 10) == 0u);  // once
  std::vector<std::string> order;
  f.db->scan(table::by_change, std::string("acme\0", 5), {},
             [&](std::string_view k, std::string_view) {
               order.push_back(opp_of_change_key(k));
               return true;
             });
  BOOST_REQUIRE(order.size() == 25u);
  BOOST_TEST(order.front() == "opp-24");  // newest first
  BOOST_TEST(order.back() == "opp-0");
}

BOOST_AUTO_TEST_CASE(a_nul_inside_a_key_part_can_reach_no_other_record) {
  db_fixture f;
  candidate_record victim;
  victim.org = "acme";
  victim.opp = "victim";
  write_set ws;
  put_candidate(ws, victim);
  put_history(ws, "acme", "victim", {1, 1, "e", "idle", "idle", "real"});
  f.commit(ws);
  // An id that slipped past the edge with a NUL: its keys are refused, alone.
  const std::string forged("victim\0x", 8);
  BOOST_TEST(candidate_key("acme", forged).empty());
  BOOST_TEST(history_key("acme", forged, 1).empty());
  BOOST_TEST(timer_key(1, "acme", forged, timer_kind::expiry).empty());
  write_set bad, good;
  put_history(bad, "acme", forged, {1, 2, "e", "idle", "idle", "forged"});
  good.put(table::meta, "k", "v");
  auto r = f.db->commit_each({&bad, &good});
  BOOST_TEST((r[0].rc == commit_error::invalid));
  BOOST_TEST((r[1].rc == commit_error::none));
  BOOST_TEST((read_candidate(*f.db, "acme", forged).status == read_status::failed));
  const auto h = load_history(*f.db, "acme", "victim");
  BOOST_REQUIRE(h.size() == 1u);
  BOOST_TEST(h[0].detail == "real");
}

BOOST_AUTO_TEST_SUITE_END()
