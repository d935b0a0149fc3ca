// The write-ahead journal (storage/journal.hpp, storage/journal_path.cpp, storage/overlay.hpp):
// the record codec cut and damaged at every byte, segment files recovered after a torn write,
// and the database's journal write path (answered sets read back at once, put_new claims, a
// random model, kill -9). Every test gets its own temporary directory, removed after. Random
// data comes from fixed seeds, so a failure repeats.
#define BOOST_TEST_MODULE vouch journal
#include <boost/test/unit_test.hpp>

#include "storage/database.hpp"
#include "storage/journal.hpp"
#include "storage/overlay.hpp"
#include "tests/support/temp_dir.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace vouch::storage;

namespace {

// -- temporary directories -------------------------------------------------------------------

using vouch::test::temp_dir;

constexpr uint64_t roomy = 64ull << 20;
/// A map too small for one 1 MiB value: a batch holding one is journaled (answered) but LMDB
/// refuses it, so it stays pending in the overlay for as long as the test needs.
constexpr uint64_t tiny = 256 * 1024;
const std::string one_mib(std::size_t{1} << 20, 'B');

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// "" when the file at `p` holds exactly `want`, else where it differs.
std::string file_differs(const fs::path& p, std::string_view want) {
  const std::string got = slurp(p);
  const auto diff = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
  if (diff.first == got.end() && diff.second == want.end()) return {};
  return p.filename().string() + " holds " + std::to_string(got.size()) + " bytes, want " +
         std::to_string(want.size()) + "; they differ from byte " +
         std::to_string(diff.first - got.begin());
}

void spit(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

/// Makes `p` hold `bytes`, written over what is there without first truncating it to zero
/// (ext4 flushes a file truncated to zero and rewritten when it is closed: slow in a loop).
void overwrite(const fs::path& p, std::string_view bytes) {
  {
    std::fstream out(p, std::ios::binary | std::ios::in | std::ios::out);
    BOOST_REQUIRE(out.is_open());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    BOOST_REQUIRE(out.good());
  }
  fs::resize_file(p, bytes.size());
}

/// A segment's file name: its first record's number in 16 hex digits.
std::string segment_file(uint64_t first) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx.log", static_cast<unsigned long long>(first));
  return buf;
}

/// Bytes as text for a failure message: non-printable bytes as \xNN, long ones shortened.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() > 48) return out + "...(" + std::to_string(s.size()) + " bytes)";
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// -- write sets and journal records ----------------------------------------------------------

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

/// A set shaped like an event's: three ops, keys with NUL separators, values of
/// `min_value` to `max_value` arbitrary bytes.
write_set event_set(std::mt19937_64& rng, uint64_t n, std::size_t min_value = 100,
                    std::size_t max_value = 300) {
  auto value = [&] { return random_bytes(rng, min_value + rng() % (max_value - min_value + 1)); };
  write_set ws;
  const std::string opp = std::string("acme\0opp-", 9) + std::to_string(n);
  ws.put(table::candidates, opp, value());
  ws.put_new(table::history, opp + '\0' + std::to_string(n), value());
  if (n % 3 == 0) {
    ws.del(table::timers, "due-" + std::to_string(n));
  } else {
    ws.put(table::outbox, "cmd-" + std::to_string(n), value());
  }
  return ws;
}

/// Records numbered first, first+1, ... holding event sets.
std::vector<journal_record> event_records(std::mt19937_64& rng, uint64_t first, std::size_t n,
                                          std::size_t min_value = 100,
                                          std::size_t max_value = 300) {
  std::vector<journal_record> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = {first + i, event_set(rng, first + i, min_value, max_value)};
  return out;
}

/// The records [from, to) of `recs` as the journal writes them; `ends` gets where each ends.
std::string encode(const std::vector<journal_record>& recs, std::size_t from, std::size_t to,
                   std::vector<std::size_t>* ends = nullptr) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    append_record(out, recs[i].seq, recs[i].ws);
    if (ends) ends->push_back(out.size());
  }
  return out;
}
std::string encode(const std::vector<journal_record>& recs,
                   std::vector<std::size_t>* ends = nullptr) {
  return encode(recs, 0, recs.size(), ends);
}

std::string describe(const write_op& op) {
  static const char* const kinds[] = {"put", "del", "put_new"};
  return std::string(op.kind <= write_op::put_new ? kinds[op.kind] : "?") + " " +
         table_name(op.tbl) + " " + printable(op.key) + " = " + printable(op.value);
}

/// "" when the two sets hold the same ops, else the first difference.
std::string ops_differ(const write_set& got, const write_set& want) {
  if (got.ops.size() != want.ops.size())
    return std::to_string(got.ops.size()) + " ops, want " + std::to_string(want.ops.size());
  for (std::size_t i = 0; i < got.ops.size(); ++i) {
    const auto &g = got.ops[i], &w = want.ops[i];
    if (g.kind != w.kind || g.tbl != w.tbl || g.key != w.key || g.value != w.value)
      return "op " + std::to_string(i) + " is " + describe(g) + ", want " + describe(w);
  }
  return {};
}

/// "" when `got` is exactly the records [from, to) of `want` (numbers and contents), else
/// the first difference.
std::string records_differ(const std::vector<journal_record>& got,
                           const std::vector<journal_record>& want, std::size_t from,
                           std::size_t to) {
  if (got.size() != to - from) {
    std::string s = "got " + std::to_string(got.size()) + " records";
    if (!got.empty())
      s += " (" + std::to_string(got.front().seq) + " to " + std::to_string(got.back().seq) + ")";
    s += ", want " + std::to_string(to - from);
    if (to > from)
      s += " (" + std::to_string(want[from].seq) + " to " + std::to_string(want[to - 1].seq) + ")";
    return s;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].seq != want[from + i].seq)
      return "record " + std::to_string(i) + " is number " + std::to_string(got[i].seq) +
             ", want " + std::to_string(want[from + i].seq);
    if (auto d = ops_differ(got[i].ws, want[from + i].ws); !d.empty())
      return "record number " + std::to_string(got[i].seq) + ": " + d;
  }
  return {};
}

/// A record holding `payload` as is, with a length and CRC that match it: only the payload's
/// parse can refuse it.
std::string sealed(uint64_t seq, std::string_view payload) {
  std::string head;
  auto le = [&](uint64_t v, int n) {
    for (int i = 0; i < n; ++i) head.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  le(payload.size(), 4);
  le(0, 4);  // the CRC, below
  le(seq, 8);
  uint32_t crc = crc32c(std::string_view(head).substr(0, 4));
  crc = crc32c(std::string_view(head).substr(8, 8), crc);
  crc = crc32c(payload, crc);
  for (int i = 0; i < 4; ++i) head[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return head + std::string(payload);
}

/// A set of one put whose record payload is exactly `payload` bytes (u32 op count, then
/// kind, table, u32 key length, key, u32 value length, value).
write_set set_with_payload(std::size_t payload) {
  write_set ws;
  ws.put(table::exports, "big", std::string(payload - 4 - 2 - 4 - 3 - 4, 'P'));
  return ws;
}

/// The index of the record holding byte `at` (`ends` as encode() gives them).
std::size_t record_at(const std::vector<std::size_t>& ends, std::size_t at) {
  return static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), at) - ends.begin());
}

// -- segment files ---------------------------------------------------------------------------

std::unique_ptr<journal> open_segments(const fs::path& dir, uint64_t applied,
                                       journal::recovered& rec) {
  std::string err;
  auto j = journal::open(dir.string(), applied, rec, err);
  BOOST_REQUIRE_MESSAGE(j != nullptr, err);
  return j;
}

/// One append (one sync) of the records [from, to).
void append_records(journal& j, const std::vector<journal_record>& recs, std::size_t from,
                    std::size_t to) {
  std::string err;
  BOOST_REQUIRE_MESSAGE(
      j.append(encode(recs, from, to), recs[from].seq, recs[to - 1].seq, err) == commit_error::none,
      err);
}

/// Flips `mask` in byte `at` of `bytes` (a copy).
std::string flipped(std::string bytes, std::size_t at, unsigned char mask) {
  bytes[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ mask);
  return bytes;
}

/// The bits flipped at byte `at`: one bit (which one moves with the offset) and all eight.
std::array<unsigned char, 2> masks_for(std::size_t at) {
  return {static_cast<unsigned char>(1u << (at % 8)), 0xff};
}

// -- the database and a model of it ----------------------------------------------------------

/// An LMDB environment in a temporary directory, its journal in `journal` inside it.
struct journal_db {
  temp_dir dir;
  std::unique_ptr<database> db;
  std::string note;  ///< what open_journal said
  explicit journal_db(uint64_t map_size = roomy) { reopen(map_size); }
  std::string journal_dir() const { return (dir.path / "journal").string(); }
  /// LMDB alone, the journal off: what LMDB itself holds.
  void open_lmdb(uint64_t map_size = roomy) {
    db.reset();
    std::string err;
    db = database::open(dir.path.string(), map_size, err);
    BOOST_REQUIRE_MESSAGE(db != nullptr, err);
  }
  void reopen(uint64_t map_size = roomy) {
    open_lmdb(map_size);
    std::string err;
    note.clear();
    BOOST_REQUIRE_MESSAGE(db->open_journal(journal_dir(), err, note), err);
  }
  void commit(const write_set& ws) {
    const auto r = db->commit_each({&ws});
    BOOST_REQUIRE_MESSAGE(r.at(0).rc == commit_error::none, r.at(0).err);
  }
};

std::vector<const write_set*> pointers(const std::vector<write_set>& sets) {
  std::vector<const write_set*> out;
  for (const auto& s : sets) out.push_back(&s);
  return out;
}

using table_model = std::map<std::string, std::string>;
using rows = std::vector<std::pair<std::string, std::string>>;

/// What the database should hold: each table as a sorted map.
struct model {
  std::map<table, table_model> tables;
  /// The answer the database gives `ws` as the next set, applying it when accepted: a set
  /// with an empty key is invalid, one claiming (put_new) a present key conflicts.
  commit_error apply(const write_set& ws) {
    for (const auto& op : ws.ops)
      if (op.key.empty()) return commit_error::invalid;
    for (const auto& op : ws.ops)
      if (op.kind == write_op::put_new && tables[op.tbl].count(op.key))
        return commit_error::conflict;
    for (const auto& op : ws.ops) {
      if (op.kind == write_op::del) {
        tables[op.tbl].erase(op.key);
      } else {
        tables[op.tbl][op.key] = op.value;
      }
    }
    return commit_error::none;
  }
};

rows scanned(const database& db, table t, std::string_view prefix = {}, std::string_view start = {},
             std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  rows out;
  db.scan(t, prefix, start, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return out.size() < limit;
  });
  return out;
}

/// What scan() gives for the model: keys from `start` (or `prefix`) on, while they start
/// with `prefix`, at most `limit`.
rows expected_scan(const table_model& m, std::string_view prefix = {}, std::string_view start = {},
                   std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  rows out;
  for (auto it = m.lower_bound(std::string(start.empty() ? prefix : start));
       it != m.end() && out.size() < limit; ++it) {
    if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
    out.emplace_back(*it);
  }
  return out;
}

std::string rows_differ(const rows& got, const rows& want) {
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i)
    if (got[i] != want[i])
      return "row " + std::to_string(i) + " is " + printable(got[i].first) + " = " +
             printable(got[i].second) + ", want " + printable(want[i].first) + " = " +
             printable(want[i].second);
  if (got.size() != want.size())
    return std::to_string(got.size()) + " rows, want " + std::to_string(want.size()) +
           (got.size() > want.size() ? " (extra " + printable(got[want.size()].first) + ")"
                                     : " (missing " + printable(want[got.size()].first) + ")");
  return {};
}

/// "" when everything the database shows of `t` (a whole scan, count, last_key, and a read
/// of each key in `probe`) is what `m` holds, else the first difference.
std::string table_differs(const database& db, table t, const table_model& m,
                          const std::vector<std::string>& probe = {}) {
  const std::string name = table_name(t);
  if (auto d = rows_differ(scanned(db, t), expected_scan(m)); !d.empty())
    return name + " scan: " + d;
  if (db.count(t) != m.size())
    return name + " count " + std::to_string(db.count(t)) + ", want " + std::to_string(m.size());
  const std::string last = m.empty() ? "" : m.rbegin()->first;
  if (db.last_key(t) != last)
    return name + " last_key " + printable(db.last_key(t)) + ", want " + printable(last);
  for (const auto& k : probe) {
    const auto r = db.read(t, k);
    const auto it = m.find(k);
    if (r.status == read_status::failed) return name + " read " + printable(k) + ": " + r.error;
    if ((r.status == read_status::found) != (it != m.end()))
      return name + " read " + printable(k) +
             (it != m.end() ? " not found, want found" : " found, want absent");
    if (it != m.end() && r.value != it->second)
      return name + " read " + printable(k) + " = " + printable(r.value) + ", want " +
             printable(it->second);
    if (db.exists(t, k) != (it != m.end())) return name + " exists " + printable(k) + " wrong";
  }
  return {};
}

// -- the kill -9 test's child ----------------------------------------------------------------

/// Set number i of the kill -9 test: a value of its own, a claim and a shared counter.
write_set numbered_set(uint32_t i) {
  const std::string n = std::to_string(i);
  write_set ws;
  ws.put(table::history, "h/" + n,
         n + std::string(100 + (i * 37) % 200, static_cast<char>('a' + i % 26)));
  ws.put_new(table::dedupe, "d/" + n, n);
  ws.put(table::outbox, "counter", n);
  return ws;
}

/// The child of the kill -9 test: commits sets 0, 1, ... in batches of 1-8 and after each
/// batch writes to `fd` how many are answered, until it is killed.
[[noreturn]] void commit_until_killed(const std::string& dir, int fd, uint64_t seed) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a failed test
  std::string err, note;
  auto db = database::open(dir, roomy, err);
  if (!db || !db->open_journal(dir + "/journal", err, note)) _exit(2);
  std::mt19937_64 rng(seed);
  uint32_t answered = 0;
  for (;;) {
    std::vector<write_set> batch;
    const auto n = static_cast<uint32_t>(1 + rng() % 8);
    for (uint32_t k = 0; k < n; ++k) batch.push_back(numbered_set(answered + k));
    for (const auto& r : db->commit_each(pointers(batch)))
      if (r.rc != commit_error::none) _exit(3);
    answered += n;
    if (write(fd, &answered, sizeof answered) != sizeof answered) _exit(4);
  }
}

bool read_u32(int fd, uint32_t& v) {
  std::size_t got = 0;
  while (got < sizeof v) {
    const auto n = read(fd, reinterpret_cast<char*>(&v) + got, sizeof v - got);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(record_codec)

BOOST_AUTO_TEST_CASE(crc32c_gives_the_castagnoli_check_value_and_continues_across_calls) {
  BOOST_TEST(crc32c("123456789") == 0xE3069283u);
  BOOST_TEST(crc32c("") == 0u);
  BOOST_TEST(crc32c("6789", crc32c("12345")) == 0xE3069283u);
  BOOST_TEST(crc32c(std::string(32, '\0')) == 0x8A9136AAu);  // RFC 3720, B.4
  BOOST_TEST(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
}

BOOST_AUTO_TEST_CASE(every_kind_of_write_set_decodes_back_to_exactly_what_was_written) {
  std::mt19937_64 rng(1);
  std::vector<write_set> sets;
  {
    write_set ws;  // each kind of op
    ws.put(table::orgs, "acme", "Acme Corp");
    ws.del(table::templates, std::string("acme\0t-eng", 10));
    ws.put_new(table::dedupe, "delivery-7", "first");
    sets.push_back(ws);
  }
  {
    write_set ws;  // every table, each with a put, a claim and a delete
    for (int t = 0; t < table_count; ++t) {
      const auto tbl = static_cast<table>(t);
      ws.put(tbl, table_name(tbl), std::string("v-") + table_name(tbl));
      ws.put_new(tbl, std::string("new-") + table_name(tbl), "n");
      ws.del(tbl, std::string("gone-") + table_name(tbl));
    }
    sets.push_back(ws);
  }
  {
    write_set ws;  // empty values, binary keys and values with NUL and 0xff bytes
    ws.put(table::meta, "empty", "");
    ws.put_new(table::exports, "empty-claim", "");
    ws.put(table::candidates, std::string("\0\xff\0a\xff", 5), std::string("\xff\0\xff", 3));
    ws.put(table::history, std::string(511, '\xff'), std::string(1, '\0'));
    ws.del(table::timers, std::string(1, '\0'));
    sets.push_back(ws);
  }
  {
    write_set ws;  // a large value
    ws.put(table::outbox, "big", random_bytes(rng, std::size_t{1} << 20));
    ws.put(table::outbox, "after-big", "x");
    sets.push_back(ws);
  }
  sets.push_back(write_set{});  // no ops at all
  for (int i = 0; i < 5; ++i) sets.push_back(event_set(rng, static_cast<uint64_t>(i)));

  const uint64_t first = 41;
  std::vector<journal_record> recs;
  for (std::size_t i = 0; i < sets.size(); ++i) recs.push_back({first + i, sets[i]});
  std::vector<std::size_t> ends;
  const std::string bytes = encode(recs, &ends);

  const auto d = decode_records(bytes, first);
  BOOST_TEST(records_differ(d.records, recs, 0, recs.size()) == "");
  BOOST_TEST(d.valid_bytes == bytes.size());
  BOOST_TEST(d.stop == "");
  // The header: u32 payload length, u32 CRC, u64 number, little-endian.
  auto le = [&](std::size_t at, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  BOOST_TEST(le(0, 4) == ends[0] - journal_header_bytes);
  BOOST_TEST(le(8, 8) == first);
  BOOST_TEST(le(ends[0] + 8, 8) == first + 1);
  // Decoding expects the numbers to continue from `first_seq`: another start is damage.
  const auto wrong = decode_records(bytes, first + 1);
  BOOST_TEST(wrong.records.empty());
  BOOST_TEST(wrong.valid_bytes == 0u);
  BOOST_TEST(wrong.stop.find("record number 41 where 42 was due") != std::string::npos, wrong.stop);
  // Nothing is nothing.
  const auto none = decode_records({}, 1);
  BOOST_TEST(none.records.empty());
  BOOST_TEST(none.stop == "");
}

BOOST_AUTO_TEST_CASE(
    a_journal_cut_at_any_byte_of_its_tail_yields_every_answered_record_and_no_partial_one) {
  // 20 answered records, then the write of 3 more that a crash cut at some byte.
  std::mt19937_64 rng(2);
  const auto all = event_records(rng, 1, 23);
  std::vector<std::size_t> ends;
  const std::string bytes = encode(all, &ends);
  const std::size_t answered_end = ends[19];
  for (std::size_t cut = answered_end; cut <= bytes.size(); ++cut) {
    const auto d = decode_records(std::string_view(bytes).substr(0, cut), 1);
    const std::size_t complete = record_at(ends, cut);  // the records that end by `cut`
    const std::size_t valid = ends[complete - 1];
    BOOST_TEST_INFO("cut at byte " << cut << " of " << bytes.size());
    BOOST_TEST_REQUIRE(records_differ(d.records, all, 0, complete) == "");
    BOOST_TEST_REQUIRE(d.valid_bytes == valid);
    BOOST_TEST_REQUIRE(d.stop.empty() == (cut == valid), d.stop);
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_byte_in_the_unanswered_tail_never_yields_a_wrong_record) {
  std::mt19937_64 rng(3);
  const auto all = event_records(rng, 1, 23);
  std::vector<std::size_t> ends;
  const std::string bytes = encode(all, &ends);
  for (std::size_t at = ends[19]; at < bytes.size(); ++at)
    for (unsigned char mask : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff}) {
      const auto d = decode_records(flipped(bytes, at, mask), 1);
      const std::size_t r = record_at(ends, at);  // the damaged record
      BOOST_TEST_INFO("byte " << at << " (record " << r + 1 << ") ^ " << int{mask});
      // Every answered record, the unanswered ones before the damage, and nothing else:
      // never a damaged record, nor anything after it.
      BOOST_TEST_REQUIRE(records_differ(d.records, all, 0, r) == "");
      BOOST_TEST_REQUIRE(d.valid_bytes == ends[r - 1]);
      BOOST_TEST_REQUIRE(d.stop != "");
    }
}

BOOST_AUTO_TEST_CASE(zeros_or_garbage_after_the_last_record_are_a_torn_tail_not_records) {
  // What a crash can leave after the last synced write: the file grown but its bytes never
  // written (zeros), or stale bytes.
  std::mt19937_64 rng(14);
  const auto all = event_records(rng, 1, 5);
  const std::string bytes = encode(all);
  for (std::size_t n = 1; n <= 256; ++n)
    for (const std::string& tail : {std::string(n, '\0'), random_bytes(rng, n)}) {
      const auto d = decode_records(bytes + tail, 1);
      BOOST_TEST_INFO(n << " bytes of " << (tail[0] == '\0' ? "zeros" : "garbage"));
      BOOST_TEST_REQUIRE(records_differ(d.records, all, 0, 5) == "");
      BOOST_TEST_REQUIRE(d.valid_bytes == bytes.size());
      BOOST_TEST_REQUIRE(d.stop != "");
    }
}

BOOST_AUTO_TEST_CASE(a_record_whose_crc_matches_but_whose_payload_does_not_parse_ends_decoding) {
  std::mt19937_64 rng(15);
  const auto all = event_records(rng, 1, 3);
  std::vector<std::size_t> ends;
  const std::string bytes = encode(all, &ends);
  const std::string first = bytes.substr(0, ends[0]);
  const std::string payload =
      bytes.substr(ends[0] + journal_header_bytes, ends[1] - ends[0] - journal_header_bytes);
  const std::string third = bytes.substr(ends[1]);
  // The helper seals a record as append_record does.
  BOOST_REQUIRE(sealed(2, payload) == bytes.substr(ends[0], ends[1] - ends[0]));
  auto with = [&](std::size_t at, std::string_view b) {
    std::string p = payload;
    p.replace(at, b.size(), b);
    return p;
  };
  const std::vector<std::pair<const char*, std::string>> bad = {
      {"a byte after the last op", payload + "x"},
      {"the last byte missing", payload.substr(0, payload.size() - 1)},
      {"an unknown op kind", with(4, "\x03")},
      {"an unknown table", with(5, std::string(1, static_cast<char>(table_count)))},
      {"one op more than it holds", with(0, std::string("\x04\0\0\0", 4))},
      {"a huge op count", with(0, "\xff\xff\xff\xff")},
      {"a key longer than the payload", with(6, "\xff\xff\0\0")},
      {"nothing at all", ""},
  };
  for (const auto& [what, p] : bad) {
    const auto d = decode_records(first + sealed(2, p) + third, 1);
    BOOST_TEST_INFO(what);
    BOOST_TEST(records_differ(d.records, all, 0, 1) == "");
    BOOST_TEST(d.valid_bytes == first.size());
    BOOST_TEST(d.stop.find("does not parse") != std::string::npos, d.stop);
  }
}

BOOST_AUTO_TEST_CASE(
    a_record_as_large_as_the_journal_allows_decodes_and_a_larger_length_is_damage) {
  std::string bytes;
  const auto at_limit = set_with_payload(journal_max_payload);
  append_record(bytes, 1, at_limit);
  BOOST_REQUIRE(bytes.size() == journal_header_bytes + journal_max_payload);
  auto d = decode_records(bytes, 1);
  BOOST_REQUIRE(d.records.size() == 1u);
  BOOST_TEST(ops_differ(d.records[0].ws, at_limit) == "");
  BOOST_TEST(d.stop == "");
  bytes.clear();
  append_record(bytes, 1, set_with_payload(journal_max_payload + 1));
  d = decode_records(bytes, 1);
  BOOST_TEST(d.records.empty());
  BOOST_TEST(d.stop.find("record length") != std::string::npos, d.stop);
}

BOOST_AUTO_TEST_CASE(a_damaged_byte_in_an_answered_record_stops_decoding_at_that_record) {
  // In the newest segment decoding cannot tell damage from a torn write: it keeps what comes
  // before and invents nothing (journal::open refuses the same damage in an older segment).
  std::mt19937_64 rng(4);
  const auto all = event_records(rng, 1, 20);
  std::vector<std::size_t> ends;
  const std::string bytes = encode(all, &ends);
  for (std::size_t at = 0; at < bytes.size(); ++at)
    for (unsigned char mask : masks_for(at)) {
      const auto d = decode_records(flipped(bytes, at, mask), 1);
      const std::size_t r = record_at(ends, at);
      BOOST_TEST_INFO("byte " << at << " (record " << r + 1 << ") ^ " << int{mask});
      BOOST_TEST_REQUIRE(records_differ(d.records, all, 0, r) == "");
      BOOST_TEST_REQUIRE(d.valid_bytes == (r == 0 ? 0 : ends[r - 1]));
      BOOST_TEST_REQUIRE(d.stop != "");
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(segment_files)

BOOST_AUTO_TEST_CASE(segments_hold_exactly_the_records_appended_and_a_new_start_writes_a_new_one) {
  std::mt19937_64 rng(5);
  const auto all = event_records(rng, 1, 20);
  temp_dir tmp;
  const fs::path dir = tmp.path / "journal";
  {
    journal::recovered rec;
    auto j = open_segments(dir, 0, rec);  // creates the directory
    BOOST_TEST(rec.records.empty());
    BOOST_TEST(rec.last_seq == 0u);
    BOOST_TEST(j->segments() == 0u);
    for (std::size_t i = 0; i < 10; ++i) append_records(*j, all, i, i + 1);
    BOOST_TEST(j->segments() == 1u);
    BOOST_TEST(j->bytes() == encode(all, 0, 10).size());
  }
  BOOST_TEST(file_differs(dir / segment_file(1), encode(all, 0, 10)) == "");
  {
    journal::recovered rec;
    auto j = open_segments(dir, 0, rec);
    BOOST_TEST(records_differ(rec.records, all, 0, 10) == "");
    BOOST_TEST(rec.last_seq == 10u);
    BOOST_TEST(rec.tail_note == "");
    append_records(*j, all, 10, 14);
    append_records(*j, all, 14, 20);
    BOOST_TEST(j->segments() == 2u);
    BOOST_TEST(j->bytes() == encode(all).size());
    // Only segments LMDB has applied entirely go, never the one being written.
    j->release_through(9);
    BOOST_TEST(j->segments() == 2u);
    j->release_through(10);
    BOOST_TEST(j->segments() == 1u);
    BOOST_TEST(!fs::exists(dir / segment_file(1)));
    j->release_through(20);
    BOOST_TEST(j->segments() == 1u);
    BOOST_TEST(j->bytes() == encode(all, 10, 20).size());
  }
  BOOST_TEST(file_differs(dir / segment_file(11), encode(all, 10, 20)) == "");
  journal::recovered rec;
  auto j = open_segments(dir, 15, rec);  // LMDB holds up to 15
  BOOST_TEST(records_differ(rec.records, all, 15, 20) == "");
  BOOST_TEST(rec.last_seq == 20u);
  // A recovered segment that is fully applied and not being written goes too.
  j->release_through(20);
  BOOST_TEST(j->segments() == 0u);
  BOOST_TEST(fs::is_empty(dir));
}

BOOST_AUTO_TEST_CASE(a_full_segment_is_followed_by_a_new_one_named_by_its_first_record) {
  temp_dir tmp;
  const fs::path dir = tmp.path / "journal";
  journal::recovered rec;
  auto j = open_segments(dir, 0, rec);
  // 64 records of 1 MiB fill a segment (segment_bytes) in one append; the next starts another.
  std::string bytes;
  write_set big;
  big.put(table::exports, "chunk", one_mib);
  for (uint64_t seq = 1; seq <= 64; ++seq) append_record(bytes, seq, big);
  BOOST_REQUIRE(bytes.size() >= journal::segment_bytes);
  std::string err;
  BOOST_REQUIRE_MESSAGE(j->append(bytes, 1, 64, err) == commit_error::none, err);
  BOOST_TEST(j->segments() == 1u);
  write_set small;
  small.put(table::meta, "next", "65");
  std::string next;
  append_record(next, 65, small);
  BOOST_REQUIRE_MESSAGE(j->append(next, 65, 65, err) == commit_error::none, err);
  BOOST_TEST(j->segments() == 2u);
  BOOST_TEST(j->bytes() == bytes.size() + next.size());
  BOOST_TEST(file_differs(dir / segment_file(65), next) == "");
  j->release_through(64);
  BOOST_TEST(j->segments() == 1u);
  BOOST_TEST(!fs::exists(dir / segment_file(1)));
  j.reset();
  auto again = open_segments(dir, 64, rec);
  BOOST_REQUIRE(rec.records.size() == 1u);
  BOOST_TEST(rec.records[0].seq == 65u);
  BOOST_TEST(ops_differ(rec.records[0].ws, small) == "");
}

BOOST_AUTO_TEST_CASE(a_segment_file_cut_at_any_byte_of_its_tail_recovers_every_answered_record) {
  // Records 1-8 in one segment, 9-20 in the next (appended one by one and in batches), then
  // the append of 21-23 that a crash cut at some byte: a copy of the journal gets the newest
  // segment cut at every offset of that tail, and is opened. (The tail's sets are small: each
  // open syncs the file it cuts.)
  std::mt19937_64 rng(6);
  auto all = event_records(rng, 1, 20);
  for (auto& r : event_records(rng, 21, 3, 8, 40)) all.push_back(std::move(r));
  temp_dir src;
  const fs::path dir = src.path / "journal";
  {
    journal::recovered rec;
    auto j = open_segments(dir, 0, rec);
    for (std::size_t i = 0; i < 8; ++i) append_records(*j, all, i, i + 1);
  }
  {
    journal::recovered rec;
    auto j = open_segments(dir, 0, rec);
    BOOST_REQUIRE(records_differ(rec.records, all, 0, 8) == "");
    append_records(*j, all, 8, 11);
    append_records(*j, all, 11, 15);
    append_records(*j, all, 15, 20);
    append_records(*j, all, 20, 23);
    BOOST_REQUIRE(j->segments() == 2u);
  }
  const std::string newest = segment_file(9), older = segment_file(1);
  std::vector<std::size_t> ends;  // in the newest segment
  const std::string full = encode(all, 8, 23, &ends);
  BOOST_REQUIRE(file_differs(dir / newest, full) == "");
  const std::string older_bytes = slurp(dir / older);
  const std::size_t answered_end = ends[11];  // record 20

  temp_dir work;
  const fs::path copy = work.path / "journal";
  fs::copy(dir, copy);
  for (std::size_t cut = answered_end; cut <= full.size(); ++cut) {
    overwrite(copy / newest, std::string_view(full).substr(0, cut));
    const std::size_t complete = record_at(ends, cut);
    const std::size_t valid = ends[complete - 1];
    const bool torn = cut != valid;
    BOOST_TEST_INFO("newest segment cut at byte " << cut << " of " << full.size());
    {
      journal::recovered rec;
      std::string err;
      auto j = journal::open(copy.string(), 0, rec, err);
      BOOST_TEST_REQUIRE((j != nullptr), err);
      BOOST_TEST_REQUIRE(records_differ(rec.records, all, 0, 8 + complete) == "");
      BOOST_TEST_REQUIRE(rec.last_seq == 8 + complete);
      BOOST_TEST_REQUIRE(rec.tail_note.empty() == !torn, rec.tail_note);
      if (torn) {
        BOOST_TEST_REQUIRE(rec.tail_note.find(newest) != std::string::npos, rec.tail_note);
        BOOST_TEST_REQUIRE(
            rec.tail_note.find("at byte " + std::to_string(valid) + ":") != std::string::npos,
            rec.tail_note);
      }
    }
    // The torn tail is gone from the disk: the next start reads the same and notes nothing.
    BOOST_TEST_REQUIRE(fs::file_size(copy / newest) == valid);
    BOOST_TEST_REQUIRE(file_differs(copy / older, older_bytes) == "");
    journal::recovered rec;
    std::string err;
    auto j = journal::open(copy.string(), 0, rec, err);
    BOOST_TEST_REQUIRE((j != nullptr), err);
    BOOST_TEST_REQUIRE(records_differ(rec.records, all, 0, 8 + complete) == "");
    BOOST_TEST_REQUIRE(rec.tail_note == "");
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_byte_in_an_older_segment_refuses_to_start_naming_file_and_offset) {
  // Records after the damage were answered and cannot be read: starting as if they never
  // were would lose them silently.
  std::mt19937_64 rng(7);
  const auto all = event_records(rng, 1, 20);
  temp_dir tmp;
  const fs::path dir = tmp.path / "journal";
  fs::create_directories(dir);
  std::vector<std::size_t> ends;
  const std::string older = encode(all, 0, 10, &ends), newer = encode(all, 10, 20);
  spit(dir / segment_file(1), older);
  spit(dir / segment_file(11), newer);
  for (std::size_t at = 0; at < older.size(); ++at)
    for (unsigned char mask : masks_for(at)) {
      const std::string damaged = flipped(older, at, mask);
      overwrite(dir / segment_file(1), damaged);
      const std::size_t r = record_at(ends, at);
      const std::size_t start = r == 0 ? 0 : ends[r - 1];
      BOOST_TEST_INFO("older segment byte " << at << " (record " << r + 1 << ") ^ " << int{mask});
      journal::recovered rec;
      std::string err;
      BOOST_TEST_REQUIRE((journal::open(dir.string(), 0, rec, err) == nullptr));
      BOOST_TEST_REQUIRE(err.find((dir / segment_file(1)).string()) != std::string::npos, err);
      BOOST_TEST_REQUIRE(
          err.find("damaged at byte " + std::to_string(start) + " ") != std::string::npos, err);
      // Refusing changes nothing on disk.
      BOOST_TEST_REQUIRE(file_differs(dir / segment_file(1), damaged) == "");
      BOOST_TEST_REQUIRE(file_differs(dir / segment_file(11), newer) == "");
    }
}

BOOST_AUTO_TEST_CASE(
    an_older_segment_lmdb_applied_whole_may_be_damaged_or_gapped_and_start_goes_on) {
  // A power loss can bring back an applied segment whose deletion had not reached the disk
  // while its successor's had: its records are in LMDB, so neither its damage nor the gap
  // after it loses anything. Only what LMDB lacks must be readable.
  std::mt19937_64 rng(9);
  const auto all = event_records(rng, 1, 30);
  temp_dir tmp;
  const fs::path dir = tmp.path / "journal";
  fs::create_directories(dir);
  spit(dir / segment_file(1), flipped(encode(all, 0, 10), 3, 0x10));  // damaged, applied
  spit(dir / segment_file(21), encode(all, 20, 30));                  // 11..20 deleted
  journal::recovered rec;
  std::string err;
  // LMDB holds up to 20: the damage and the gap are behind it.
  auto j = journal::open(dir.string(), 20, rec, err);
  BOOST_TEST_REQUIRE((j != nullptr), err);
  BOOST_TEST_REQUIRE(rec.records.size() == 10u);
  BOOST_TEST(rec.records.front().seq == 21u);
  BOOST_TEST(rec.last_seq == 30u);
  BOOST_TEST(rec.tail_note == "");
  j->release_through(30);
  BOOST_TEST(j->segments() == 0u);  // both applied: nothing left to replay next time
  // LMDB holding only up to 15 leaves 16..20 nowhere: refused.
  spit(dir / segment_file(1), encode(all, 0, 10));
  spit(dir / segment_file(21), encode(all, 20, 30));
  j.reset();
  BOOST_TEST((journal::open(dir.string(), 15, rec, err) == nullptr));
  BOOST_TEST(err.find("missing") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(
    damage_inside_the_newest_segment_keeps_the_records_before_it_and_invents_none) {
  std::mt19937_64 rng(8);
  const auto all = event_records(rng, 1, 20);
  temp_dir tmp;
  const fs::path dir = tmp.path / "journal";
  fs::create_directories(dir);
  std::vector<std::size_t> ends;
  const std::string older = encode(all, 0, 10), newer = encode(all, 10, 20, &ends);
  for (std::size_t at : {std::size_t{0}, std::size_t{5}, ends[3] + 20, ends[8] - 1}) {
    spit(dir / segment_file(1), older);
    spit(dir / segment_file(11), flipped(newer, at, 0x40));
    const std::size_t r = record_at(ends, at);
    BOOST_TEST_INFO("newest segment byte " << at << " (record " << 11 + r << ")");
    journal::recovered rec;
    auto j = open_segments(dir, 0, rec);
    BOOST_TEST(records_differ(rec.records, all, 0, 10 + r) == "");
    BOOST_TEST(rec.tail_note.find(segment_file(11)) != std::string::npos, rec.tail_note);
  }
}

BOOST_AUTO_TEST_CASE(missing_records_between_segments_or_before_the_first_refuse_to_start) {
  std::mt19937_64 rng(9);
  const auto all = event_records(rng, 1, 20);
  std::string err;
  journal::recovered rec;
  {
    // 11 is in no segment.
    temp_dir tmp;
    spit(tmp.path / segment_file(1), encode(all, 0, 10));
    spit(tmp.path / segment_file(12), encode(all, 11, 20));
    BOOST_TEST((journal::open(tmp.path.string(), 0, rec, err) == nullptr));
    BOOST_TEST(err.find("records 11 to 11 are missing") != std::string::npos, err);
    BOOST_TEST(err.find(segment_file(12)) != std::string::npos, err);
    // So is it when LMDB holds everything before the gap: 11 was answered, it is lost.
    err.clear();
    BOOST_TEST((journal::open(tmp.path.string(), 10, rec, err) == nullptr));
    BOOST_TEST(err.find("records 11 to 11 are missing") != std::string::npos, err);
  }
  {
    // An older segment that ends early, cleanly at a record boundary, leaves a gap too.
    temp_dir tmp;
    spit(tmp.path / segment_file(1), encode(all, 0, 8));
    spit(tmp.path / segment_file(11), encode(all, 10, 20));
    err.clear();
    BOOST_TEST((journal::open(tmp.path.string(), 0, rec, err) == nullptr));
    BOOST_TEST(err.find("records 9 to 10 are missing") != std::string::npos, err);
  }
  {
    // The journal starts at 5 while LMDB holds up to 3: record 4 is nowhere.
    temp_dir tmp;
    spit(tmp.path / segment_file(5), encode(all, 4, 10));
    err.clear();
    BOOST_TEST((journal::open(tmp.path.string(), 3, rec, err) == nullptr));
    BOOST_TEST(
        err.find("records 4 to 4 are neither in LMDB nor in the journal") != std::string::npos,
        err);
    err.clear();
    BOOST_TEST((journal::open(tmp.path.string(), 0, rec, err) == nullptr));
    BOOST_TEST(err.find("records 1 to 4") != std::string::npos, err);
    // LMDB holding 4 (or more) closes the gap.
    BOOST_TEST((open_segments(tmp.path, 4, rec) != nullptr));
    BOOST_TEST(records_differ(rec.records, all, 4, 10) == "");
    BOOST_TEST((open_segments(tmp.path, 7, rec) != nullptr));
    BOOST_TEST(records_differ(rec.records, all, 7, 10) == "");
    // Files that are not segments are left alone.
    spit(tmp.path / "notes.txt", "x");
    spit(tmp.path / "0000000000000001.log.tmp", "x");
    BOOST_TEST((open_segments(tmp.path, 4, rec) != nullptr));
    BOOST_TEST(records_differ(rec.records, all, 4, 10) == "");
  }
  {
    // Through the database: a fresh LMDB (nothing applied) and a journal starting at 5.
    temp_dir tmp;
    fs::create_directories(tmp.path / "journal");
    spit(tmp.path / "journal" / segment_file(5), encode(all, 4, 10));
    err.clear();
    auto db = database::open(tmp.path.string(), roomy, err);
    BOOST_REQUIRE_MESSAGE(db != nullptr, err);
    std::string note;
    BOOST_TEST(!db->open_journal((tmp.path / "journal").string(), err, note));
    BOOST_TEST(err.find("records 1 to 4") != std::string::npos, err);
    BOOST_TEST(!db->journaled());
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(overlay_of_pending_writes)

BOOST_AUTO_TEST_CASE(
    a_key_rewritten_by_a_later_set_keeps_the_later_state_when_the_earlier_is_forgotten) {
  overlay o;
  write_set s1, s2, s3;
  s1.put(table::candidates, "k", "v1");
  s1.put(table::candidates, "only-1", "x");
  s1.put(table::history, "k", "h1");
  s2.put(table::candidates, "k", "v2");
  s2.del(table::history, "k");
  s3.put(table::outbox, "twice", "first");
  s3.put(table::outbox, "twice", "second");  // the same key twice in one set: the last wins
  o.add(s1, 1);
  o.add(s2, 2);
  o.add(s3, 3);
  BOOST_TEST(o.keys() == 4u);
  BOOST_TEST(o.find(table::candidates, "k").value().value_or("?") == "v2");
  BOOST_TEST(o.find(table::candidates, "only-1").value().value_or("?") == "x");
  BOOST_TEST(!o.find(table::history, "k").value().has_value());  // pending deletion
  BOOST_TEST(!o.find(table::candidates, "absent").has_value());  // nothing pending
  BOOST_TEST(!o.find(table::orgs, "k").has_value());             // tables are apart
  BOOST_TEST(o.find(table::outbox, "twice").value().value_or("?") == "second");

  o.forget_through(1);  // LMDB holds set 1; the keys set 2 rewrote stay with set 2's state
  BOOST_TEST(o.keys() == 3u);
  BOOST_TEST(!o.find(table::candidates, "only-1").has_value());
  BOOST_TEST(o.find(table::candidates, "k").value().value_or("?") == "v2");
  BOOST_TEST(o.find(table::history, "k").has_value());
  BOOST_TEST(!o.find(table::history, "k").value().has_value());

  o.forget_through(2);
  BOOST_TEST(o.keys() == 1u);
  BOOST_TEST(!o.find(table::candidates, "k").has_value());
  BOOST_TEST(!o.find(table::history, "k").has_value());
  o.forget_through(2);  // again: nothing more goes
  BOOST_TEST(o.keys() == 1u);

  // Written again after it was forgotten: pending again, and kept past the older number.
  write_set s4;
  s4.put(table::candidates, "k", "v4");
  o.add(s4, 4);
  o.forget_through(3);
  BOOST_TEST(o.keys() == 1u);
  BOOST_TEST(o.find(table::candidates, "k").value().value_or("?") == "v4");
  o.forget_through(10);
  BOOST_TEST(o.keys() == 0u);
}

BOOST_AUTO_TEST_CASE(range_stays_inside_its_prefix_from_where_asked) {
  overlay o;
  write_set ws;
  for (const std::string k : {"a/1", "a/3", "ab", "b", "a", "\xff"})
    ws.put(table::candidates, k, "v" + k);
  ws.del(table::candidates, "a/2");
  ws.put(table::history, "a/9", "other table");
  o.add(ws, 1);
  auto keys = [](const std::vector<std::pair<std::string, overlay::pending>>& r) {
    std::vector<std::string> out;
    for (const auto& [k, v] : r) out.push_back(k + (v ? "=" + *v : " deleted"));
    return out;
  };
  using v = std::vector<std::string>;
  BOOST_TEST(
      keys(o.range(table::candidates, "a/", "")) == (v{"a/1=va/1", "a/2 deleted", "a/3=va/3"}),
      boost::test_tools::per_element());
  BOOST_TEST(keys(o.range(table::candidates, "a/", "a/2")) == (v{"a/2 deleted", "a/3=va/3"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys(o.range(table::candidates, "a", "a/3")) == (v{"a/3=va/3", "ab=vab"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys(o.range(table::candidates, "", "ab")) == (v{"ab=vab", "b=vb", "\xff=v\xff"}),
             boost::test_tools::per_element());
  BOOST_TEST(o.range(table::candidates, "c", "").empty());
  BOOST_TEST(o.range(table::candidates, "a/", "a/4").empty());
  BOOST_TEST(o.range(table::orgs, "", "").empty());
  BOOST_TEST(o.all(table::candidates).size() == 7u);
  BOOST_TEST(o.all(table::history).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===========================================================================================

BOOST_AUTO_TEST_SUITE(database_with_journal)

BOOST_AUTO_TEST_CASE(an_answered_set_is_read_back_at_once) {
  journal_db f;
  BOOST_TEST(f.db->journaled());
  BOOST_TEST(f.note == "");
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    write_set ws;
    ws.put(table::candidates, "acme/" + n, "state-" + n);
    ws.put_new(table::dedupe, "delivery-" + n, "");
    if (i > 0) ws.del(table::candidates, "acme/" + std::to_string(i - 1));
    f.commit(ws);
    // Whether or not LMDB has it yet.
    BOOST_TEST_INFO("set " << i);
    BOOST_TEST_REQUIRE(f.db->get(table::candidates, "acme/" + n).value_or("?") == "state-" + n);
    const auto r = f.db->read(table::dedupe, "delivery-" + n);
    BOOST_TEST_REQUIRE((r.status == read_status::found));
    BOOST_TEST_REQUIRE(r.value == "");
    BOOST_TEST_REQUIRE(f.db->exists(table::dedupe, "delivery-" + n));
    if (i > 0) {
      BOOST_TEST_REQUIRE(!f.db->exists(table::candidates, "acme/" + std::to_string(i - 1)));
      BOOST_TEST_REQUIRE((f.db->read(table::candidates, "acme/" + std::to_string(i - 1)).status ==
                          read_status::not_found));
    }
    BOOST_TEST_REQUIRE(f.db->count(table::candidates) == 1u);
    BOOST_TEST_REQUIRE(f.db->last_key(table::candidates) == "acme/" + n);
  }
}

BOOST_AUTO_TEST_CASE(scan_last_key_and_count_merge_pending_sets_over_lmdb_in_key_order) {
  // LMDB holds the base keys; a batch with a 1 MiB value that a tiny map cannot take stays
  // pending, so every view below merges the overlay over LMDB.
  struct scenario {
    const char* name;
    std::vector<std::vector<std::pair<std::string, const char*>>> sets;  ///< key, value or null
  };
  const std::vector<scenario> scenarios = {
      {"deletes LMDB's last two keys and adds one inside",
       {{{"c", nullptr}, {"b/2", nullptr}}, {{"a/15", "new"}}}},
      {"adds past LMDB's last key and deletes its first",
       {{{"d", "past"}}, {{"a/1", nullptr}, {"a/0", "before"}}}},
      {"deletes every LMDB key and one LMDB never had",
       {{{"a/1", nullptr}, {"a/2", nullptr}, {"a/3", nullptr}},
        {{"b/1", nullptr}, {"b/2", nullptr}, {"c", nullptr}, {"zz", nullptr}}}},
      {"overwrites LMDB keys and deletes a key an earlier pending set added",
       {{{"a/2", "newer"}, {"e", "x"}, {"c", "over"}}, {{"e", nullptr}, {"b/1", "b"}}}},
  };
  for (const auto& sc : scenarios) {
    BOOST_TEST_CONTEXT(sc.name) {
      journal_db f(tiny);
      model m;
      write_set base;
      for (const char* k : {"a/1", "a/2", "a/3", "b/1", "b/2", "c"})
        base.put(table::candidates, k, std::string("lmdb-") + k);
      BOOST_REQUIRE((m.apply(base) == commit_error::none));
      f.commit(base);
      f.db->drain();
      BOOST_REQUIRE(f.db->journal_info().pending_keys == 0u);

      std::vector<write_set> batch;
      for (const auto& ops : sc.sets) {
        write_set ws;
        for (const auto& [k, v] : ops) {
          if (v) {
            ws.put(table::candidates, k, v);
          } else {
            ws.del(table::candidates, k);
          }
        }
        batch.push_back(ws);
      }
      write_set big;
      big.put(table::exports, "big", one_mib);
      batch.push_back(big);
      for (const auto& ws : batch) BOOST_REQUIRE((m.apply(ws) == commit_error::none));
      for (const auto& r : f.db->commit_each(pointers(batch)))
        BOOST_REQUIRE_MESSAGE(r.rc == commit_error::none, r.err);
      f.db->drain();  // returns once LMDB refused the batch
      const auto info = f.db->journal_info();
      BOOST_REQUIRE(info.full);
      BOOST_REQUIRE(info.pending_keys > 0u);

      const auto& c = m.tables[table::candidates];
      BOOST_TEST(table_differs(*f.db, table::candidates, c,
                               {"a/0", "a/1", "a/2", "a/15", "b/2", "c", "d", "e", "zz"}) == "");
      for (const auto& [prefix, start] : std::vector<std::pair<std::string, std::string>>{
               {"a/", ""}, {"a/", "a/15"}, {"a/", "a/2"}, {"b/", ""}, {"", "b/2"}, {"c", ""}})
        for (std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{100}}) {
          BOOST_TEST_INFO("prefix " << prefix << " start " << start << " limit " << limit);
          BOOST_TEST(rows_differ(scanned(*f.db, table::candidates, prefix, start, limit),
                                 expected_scan(c, prefix, start, limit)) == "");
        }
    }
  }
}

BOOST_AUTO_TEST_CASE(
    a_batch_lmdb_refuses_stays_readable_and_is_applied_after_a_restart_with_more_room) {
  journal_db f(tiny);
  write_set a, big, c;
  a.put(table::candidates, "acme/1", "one");
  big.put(table::exports, "big", one_mib);
  c.del(table::candidates, "acme/1");
  c.put(table::candidates, "acme/2", "two");
  const auto r = f.db->commit_each({&a, &big, &c});
  for (const auto& x : r) BOOST_REQUIRE_MESSAGE(x.rc == commit_error::none, x.err);
  f.db->drain();
  auto info = f.db->journal_info();
  BOOST_TEST(info.full);
  BOOST_TEST(info.journaled == 3u);
  BOOST_TEST(info.applied == 0u);
  // Answered, so readable, although only the journal holds it.
  BOOST_TEST((f.db->get(table::exports, "big").value_or("") == one_mib));
  BOOST_TEST(!f.db->exists(table::candidates, "acme/1"));
  BOOST_TEST(f.db->get(table::candidates, "acme/2").value_or("") == "two");
  // New sets are refused, and say why.
  write_set later;
  later.put(table::candidates, "acme/3", "three");
  const auto refused = f.db->commit_each({&later});
  BOOST_TEST((refused.at(0).rc == commit_error::map_full));
  BOOST_TEST(refused.at(0).err.find("map_size") != std::string::npos, refused.at(0).err);
  std::string err;
  BOOST_TEST((f.db->commit(later, err) == commit_error::map_full));
  BOOST_TEST(!f.db->exists(table::candidates, "acme/3"));

  f.db.reset();
  f.reopen(roomy);
  BOOST_TEST(f.note.find("replayed 3 sets (1 to 3) into LMDB") != std::string::npos, f.note);
  info = f.db->journal_info();
  BOOST_TEST(!info.full);
  BOOST_TEST(info.journaled == 3u);
  BOOST_TEST(info.applied == 3u);
  BOOST_TEST(info.pending_keys == 0u);
  f.open_lmdb();  // LMDB itself holds them now
  BOOST_TEST((f.db->get(table::exports, "big").value_or("") == one_mib));
  BOOST_TEST(!f.db->exists(table::candidates, "acme/1"));
  BOOST_TEST(f.db->get(table::candidates, "acme/2").value_or("") == "two");
  BOOST_TEST(!f.db->exists(table::candidates, "acme/3"));
}

BOOST_AUTO_TEST_CASE(
    a_set_too_large_for_the_journal_to_read_back_is_refused_never_answered_and_lost) {
  // Recovery takes a record longer than journal_max_payload for a damaged length: such a set,
  // once answered, would be cut off at the next start with every set after it. The tiny map
  // keeps LMDB from applying the batch, so only the journal holds what was answered.
  journal_db f(tiny);
  write_set before, after;
  before.put(table::candidates, "before", "1");
  after.put(table::candidates, "after", "3");
  const auto at_limit = set_with_payload(journal_max_payload);
  const auto over_limit = set_with_payload(journal_max_payload + 1);
  const std::vector<const write_set*> sets = {&before, &at_limit, &over_limit, &after};
  const auto r = f.db->commit_each(sets);
  BOOST_TEST((r[0].rc == commit_error::none), r[0].err);
  BOOST_TEST((r[1].rc == commit_error::none), r[1].err);
  BOOST_TEST((r[2].rc == commit_error::invalid), r[2].err);
  BOOST_TEST((r[3].rc == commit_error::none), r[3].err);
  std::vector<const write_set*> answered;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (r[i].rc == commit_error::none) answered.push_back(sets[i]);
  f.db->drain();
  BOOST_TEST(f.db->journal_info().full);
  f.db.reset();
  // What the next start reads: every answered set, in order, and no torn tail.
  journal::recovered rec;
  auto j = open_segments(f.journal_dir(), 0, rec);
  BOOST_TEST(rec.tail_note == "");
  BOOST_REQUIRE(rec.records.size() == answered.size());
  for (std::size_t i = 0; i < answered.size(); ++i) {
    BOOST_TEST(rec.records[i].seq == i + 1);
    BOOST_TEST(ops_differ(rec.records[i].ws, *answered[i]) == "", "answered set " << i);
  }
}

BOOST_AUTO_TEST_CASE(a_key_is_claimed_once_against_the_batch_the_pending_sets_and_lmdb) {
  journal_db f;
  write_set lmdb_key;
  lmdb_key.put(table::dedupe, "in-lmdb", "x");
  f.commit(lmdb_key);
  f.db->drain();

  // Two claims in one batch: the first wins; the loser writes nothing.
  write_set one, two, three;
  one.put_new(table::dedupe, "d-1", "first");
  two.put_new(table::dedupe, "d-1", "second");
  two.put(table::candidates, "loser", "must not appear");
  three.put_new(table::dedupe, "in-lmdb", "again");
  const uint64_t before = f.db->journal_info().journaled;
  auto r = f.db->commit_each({&one, &two, &three});
  BOOST_TEST((r[0].rc == commit_error::none));
  BOOST_TEST((r[1].rc == commit_error::conflict));
  BOOST_TEST(r[1].err.find("dedupe") != std::string::npos, r[1].err);
  BOOST_TEST((r[2].rc == commit_error::conflict));
  BOOST_TEST(f.db->get(table::dedupe, "d-1").value_or("") == "first");
  BOOST_TEST(!f.db->exists(table::candidates, "loser"));
  BOOST_TEST(f.db->journal_info().journaled == before + 1);  // refused sets are not journaled

  // A key deleted earlier in the batch may be claimed; one claimed and deleted again too.
  write_set del_it, claim_it, claim_new, del_new, claim_again;
  del_it.del(table::dedupe, "in-lmdb");
  claim_it.put_new(table::dedupe, "in-lmdb", "claimed after delete");
  claim_new.put_new(table::dedupe, "d-2", "a");
  del_new.del(table::dedupe, "d-2");
  claim_again.put_new(table::dedupe, "d-2", "b");
  r = f.db->commit_each({&del_it, &claim_it, &claim_new, &del_new, &claim_again});
  for (std::size_t i = 0; i < r.size(); ++i)
    BOOST_TEST((r[i].rc == commit_error::none), "set " << i << ": " << r[i].err);
  BOOST_TEST(f.db->get(table::dedupe, "in-lmdb").value_or("") == "claimed after delete");
  BOOST_TEST(f.db->get(table::dedupe, "d-2").value_or("") == "b");

  // Claims against sets answered just before (most still pending: the applier is behind).
  for (int i = 0; i < 40; ++i) {
    const std::string k = "pending-" + std::to_string(i);
    write_set put, claim, del, reclaim;
    put.put(table::dedupe, k, "put");
    f.commit(put);
    claim.put_new(table::dedupe, k, "claim");
    BOOST_TEST_REQUIRE((f.db->commit_each({&claim}).at(0).rc == commit_error::conflict), k);
    del.del(table::dedupe, k);
    f.commit(del);
    reclaim.put_new(table::dedupe, k, "reclaim");
    BOOST_TEST_REQUIRE((f.db->commit_each({&reclaim}).at(0).rc == commit_error::none), k);
    BOOST_TEST_REQUIRE(f.db->get(table::dedupe, k).value_or("") == "reclaim");
  }

  // commit(): all or nothing. One refused set refuses the batch.
  write_set ok, taken;
  ok.put(table::candidates, "all-or-nothing", "must not appear");
  taken.put_new(table::dedupe, "d-1", "taken");
  std::string err;
  BOOST_TEST((f.db->commit({&ok, &taken}, err) == commit_error::conflict));
  BOOST_TEST(!f.db->exists(table::candidates, "all-or-nothing"));
  // A key LMDB cannot hold fails its set alone in commit_each, the whole batch in commit().
  write_set empty_key, fine;
  empty_key.put(table::candidates, "", "x");
  fine.put(table::candidates, "fine", "y");
  r = f.db->commit_each({&empty_key, &fine});
  BOOST_TEST((r[0].rc == commit_error::invalid));
  BOOST_TEST((r[1].rc == commit_error::none));
  BOOST_TEST((f.db->commit({&fine, &empty_key}, err) == commit_error::invalid));
  f.db->drain();
  BOOST_TEST(f.db->journal_info().pending_keys == 0u);
  BOOST_TEST(f.db->get(table::dedupe, "d-1").value_or("") == "first");
}

BOOST_AUTO_TEST_CASE(random_sets_in_random_batches_read_like_a_model_before_and_after_a_restart) {
  std::mt19937_64 rng(10);
  const std::array<table, 3> tables = {table::candidates, table::history, table::outbox};
  const std::array<std::string, 4> prefixes = {"a/", "ab/", "b/", std::string("\xff\0", 2)};
  std::vector<std::string> key_space;
  for (const auto& p : prefixes)
    for (int i = 0; i < 15; ++i) key_space.push_back(p + std::to_string(i));
  auto random_set = [&] {
    write_set ws;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      const table t = tables[rng() % tables.size()];
      std::string k = rng() % 150 == 0 ? std::string() : key_space[rng() % key_space.size()];
      std::string v = rng() % 8 == 0 ? std::string() : random_bytes(rng, rng() % 40);
      const auto kind = rng() % 10;
      if (kind < 5) {
        ws.put(t, std::move(k), std::move(v));
      } else if (kind < 8) {
        ws.del(t, std::move(k));
      } else {
        ws.put_new(t, std::move(k), std::move(v));
      }
    }
    return ws;
  };
  const std::array<std::string, 7> scan_prefixes = {"", "a", "a/", "ab/", "b/", "\xff", "c"};
  auto check = [&](const database& db, model& m) {
    for (table t : tables) {
      BOOST_TEST_REQUIRE(table_differs(db, t, m.tables[t], key_space) == "");
      for (int i = 0; i < 3; ++i) {
        const std::string& prefix = scan_prefixes[rng() % scan_prefixes.size()];
        const std::string start = rng() % 2 ? "" : prefix + std::to_string(rng() % 15);
        const std::size_t limit = rng() % 3 == 0 ? 1 + rng() % 4 : 1000;
        BOOST_TEST_INFO("scan " << table_name(t) << " prefix " << printable(prefix) << " start "
                                << printable(start) << " limit " << limit);
        BOOST_TEST_REQUIRE(rows_differ(scanned(db, t, prefix, start, limit),
                                       expected_scan(m.tables[t], prefix, start, limit)) == "");
      }
    }
  };

  journal_db f;
  model m;
  uint64_t accepted = 0, conflicts = 0, invalid = 0, all_or_nothing = 0;
  for (int done = 0, batch_no = 0; done < 2000; ++batch_no) {
    std::vector<write_set> batch;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) batch.push_back(random_set());
    done += n;
    BOOST_TEST_INFO("batch " << batch_no);
    if (rng() % 7 == 0) {
      // commit(): the first refused set refuses them all.
      ++all_or_nothing;
      model trial = m;
      commit_error want = commit_error::none;
      for (const auto& ws : batch)
        if (const auto rc = trial.apply(ws); rc != commit_error::none && want == commit_error::none)
          want = rc;
      std::string err;
      BOOST_TEST_REQUIRE((f.db->commit(pointers(batch), err) == want), err);
      if (want == commit_error::none) {
        m = trial;
        accepted += batch.size();
      }
    } else {
      const auto r = f.db->commit_each(pointers(batch));
      BOOST_TEST_REQUIRE(r.size() == batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto want = m.apply(batch[i]);
        BOOST_TEST_REQUIRE((r[i].rc == want), "set " << i << ": " << r[i].err);
        accepted += want == commit_error::none;
        conflicts += want == commit_error::conflict;
        invalid += want == commit_error::invalid;
      }
    }
    check(*f.db, m);
    BOOST_TEST_REQUIRE(f.db->journal_info().journaled == accepted);
    if (rng() % 6 == 0) {
      f.db->drain();
      const auto info = f.db->journal_info();
      BOOST_TEST_REQUIRE(info.applied == info.journaled);
      BOOST_TEST_REQUIRE(info.pending_keys == 0u);
      check(*f.db, m);
    }
  }
  BOOST_TEST_MESSAGE("model: " << accepted << " sets accepted, " << conflicts << " conflicts, "
                               << invalid << " invalid, " << all_or_nothing
                               << " all-or-nothing batches");
  BOOST_TEST(conflicts > 100u);  // the model exercised the claims
  BOOST_TEST(invalid > 0u);

  // A clean close applies everything: LMDB alone holds the model.
  f.open_lmdb();
  check(*f.db, m);
  // And the journal has nothing left to replay; numbering goes on.
  f.reopen();
  BOOST_TEST(f.note == "");
  BOOST_TEST(f.db->journal_info().journaled == accepted);
  check(*f.db, m);
  write_set more;
  more.put(table::candidates, "a/after-restart", "x");
  BOOST_REQUIRE((m.apply(more) == commit_error::none));
  f.commit(more);
  BOOST_TEST(f.db->journal_info().journaled == accepted + 1);
  check(*f.db, m);
}

BOOST_AUTO_TEST_CASE(sets_in_the_journal_that_lmdb_never_applied_are_replayed_in_order_at_start) {
  // The journal as a crash leaves it: records LMDB never got, then a torn record.
  std::mt19937_64 rng(11);
  journal_db f;
  model m;
  std::vector<journal_record> recs;
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    write_set ws;
    ws.put(table::candidates, "k" + std::to_string(seq % 4), "v" + std::to_string(seq));
    if (seq % 3 == 0) ws.del(table::candidates, "k" + std::to_string((seq + 1) % 4));
    ws.put(table::history, "h" + std::to_string(seq), random_bytes(rng, 50));
    BOOST_REQUIRE((m.apply(ws) == commit_error::none));
    recs.push_back({seq, ws});
  }
  for (const auto& r : recs) f.commit(r.ws);
  f.db.reset();  // applies 1-10
  // 11-15 reached the journal, LMDB never: appended to the segment the run wrote.
  for (uint64_t seq = 11; seq <= 15; ++seq) {
    write_set ws;
    ws.del(table::candidates, "k" + std::to_string(seq % 4));
    ws.put(table::candidates, "k" + std::to_string((seq + 2) % 4), "v" + std::to_string(seq));
    ws.put(table::history, "h" + std::to_string(seq), random_bytes(rng, 50));
    BOOST_REQUIRE((m.apply(ws) == commit_error::none));
    recs.push_back({seq, ws});
  }
  std::string tail = encode(recs, 10, 15);
  write_set torn;
  torn.put(table::candidates, "torn", "never answered");
  std::string torn_bytes;
  append_record(torn_bytes, 16, torn);
  tail += torn_bytes.substr(0, torn_bytes.size() / 2);
  const fs::path segment = fs::path(f.journal_dir()) / segment_file(1);
  BOOST_REQUIRE(file_differs(segment, encode(recs, 0, 10)) == "");
  {
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    out.write(tail.data(), static_cast<std::streamsize>(tail.size()));
  }

  f.reopen();
  BOOST_TEST(f.note.find("cut a torn tail") != std::string::npos, f.note);
  BOOST_TEST(f.note.find("replayed 5 sets (11 to 15) into LMDB") != std::string::npos, f.note);
  const auto info = f.db->journal_info();
  BOOST_TEST(info.journaled == 15u);
  BOOST_TEST(info.applied == 15u);
  BOOST_TEST(info.segments == 0u);  // all applied: released
  for (table t : {table::candidates, table::history})
    BOOST_TEST(table_differs(*f.db, t, m.tables[t], {"torn"}) == "");
  write_set next;
  next.put(table::candidates, "next", "x");
  BOOST_REQUIRE((m.apply(next) == commit_error::none));
  f.commit(next);
  BOOST_TEST(f.db->journal_info().journaled == 16u);  // the torn 16 was never answered
  f.open_lmdb();
  for (table t : {table::candidates, table::history})
    BOOST_TEST(table_differs(*f.db, t, m.tables[t], {"torn"}) == "");
}

BOOST_AUTO_TEST_CASE(every_answered_set_survives_kill_9_at_a_random_moment) {
  std::mt19937_64 rng(12);
  int replays = 0;
  for (uint32_t want : {1u, 7u, 60u, 250u, 600u}) {
    BOOST_TEST_CONTEXT("killed after " << want << " answered sets") {
      temp_dir dir;
      int pipe_fds[2];
      BOOST_REQUIRE(pipe(pipe_fds) == 0);
      const pid_t child = fork();
      BOOST_REQUIRE(child >= 0);
      if (child == 0) {
        close(pipe_fds[0]);
        commit_until_killed(dir.path.string(), pipe_fds[1], want);
      }
      close(pipe_fds[1]);
      uint32_t answered = 0, v = 0;
      while (answered < want && read_u32(pipe_fds[0], v)) answered = v;
      usleep(static_cast<useconds_t>(rng() % 3000));  // mid-append, mid-apply or between
      kill(child, SIGKILL);
      int status = 0;
      waitpid(child, &status, 0);
      while (read_u32(pipe_fds[0], v)) answered = v;  // what it answered before it died
      close(pipe_fds[0]);
      BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                            "the child ended by itself, status " << status);
      BOOST_REQUIRE(answered >= want);

      std::string err, note;
      auto db = database::open(dir.path.string(), roomy, err);
      BOOST_REQUIRE_MESSAGE(db != nullptr, err);
      uint64_t lmdb_had = 0;  // the newest set LMDB applied before the crash
      if (auto a = db->get(table::meta, "journal_applied"); a && a->size() == 8)
        for (unsigned char c : *a) lmdb_had = (lmdb_had << 8) | c;
      BOOST_REQUIRE_MESSAGE(db->open_journal(dir.path.string() + "/journal", err, note), err);
      // Everything journaled is there: every answered set, and perhaps a few journaled
      // just before the kill but not answered yet. Set i is record i + 1.
      const uint64_t journaled = db->journal_info().journaled;
      BOOST_TEST_MESSAGE("answered " << answered << ", journaled " << journaled << ", LMDB had "
                                     << lmdb_had << "; " << note);
      BOOST_REQUIRE(journaled >= answered);
      BOOST_REQUIRE(lmdb_had <= journaled);
      for (uint32_t i = 0; i < journaled; ++i) {
        const auto want_set = numbered_set(i);
        BOOST_TEST_INFO("set " << i);
        BOOST_TEST_REQUIRE(db->get(table::history, "h/" + std::to_string(i)).value_or("") ==
                           want_set.ops[0].value);
        BOOST_TEST_REQUIRE(db->get(table::dedupe, "d/" + std::to_string(i)).value_or("") ==
                           std::to_string(i));
      }
      // And nothing else: no set after the last journaled one.
      BOOST_TEST(db->count(table::history) == journaled);
      BOOST_TEST(db->count(table::dedupe) == journaled);
      BOOST_TEST(db->get(table::outbox, "counter").value_or("") == std::to_string(journaled - 1));
      if (lmdb_had < journaled) {
        ++replays;
        BOOST_TEST(note.find("replayed " + std::to_string(journaled - lmdb_had) + " sets (" +
                             std::to_string(lmdb_had + 1) + " to " + std::to_string(journaled) +
                             ") into LMDB") != std::string::npos,
                   note);
      } else {
        BOOST_TEST(note.find("replayed") == std::string::npos, note);
      }
    }
  }
  BOOST_TEST_MESSAGE(replays << " of 5 runs replayed sets LMDB had not applied");
}

BOOST_AUTO_TEST_CASE(a_backup_holds_every_answered_set_and_drain_brings_lmdb_level) {
  journal_db f;
  for (int i = 0; i < 30; ++i) {
    write_set ws;
    ws.put(table::candidates, "c/" + std::to_string(i), "v" + std::to_string(i));
    f.commit(ws);
  }
  f.db->drain();
  auto info = f.db->journal_info();
  BOOST_TEST(info.applied == info.journaled);
  BOOST_TEST(info.journaled == 30u);
  BOOST_TEST(info.pending_keys == 0u);
  // More sets, then a backup at once: it waits for LMDB to apply them.
  std::vector<write_set> batch(20);
  for (int i = 0; i < 20; ++i) batch[i].put(table::candidates, "d/" + std::to_string(i), "w");
  for (const auto& r : f.db->commit_each(pointers(batch)))
    BOOST_REQUIRE_MESSAGE(r.rc == commit_error::none, r.err);
  temp_dir out;
  const std::string file = (out.path / "vouch.backup").string();
  const auto size = f.db->backup_to(file);
  BOOST_REQUIRE_MESSAGE(size.has_value(), size.error().message);
  info = f.db->journal_info();
  BOOST_TEST(info.applied == info.journaled);
  temp_dir restored;
  fs::copy_file(file, restored.path / "data.mdb");
  std::string err;
  auto copy = database::open(restored.path.string(), roomy, err);
  BOOST_REQUIRE_MESSAGE(copy != nullptr, err);
  BOOST_TEST(copy->count(table::candidates) == 50u);
  for (int i = 0; i < 30; ++i)
    BOOST_TEST(copy->get(table::candidates, "c/" + std::to_string(i)).value_or("") ==
               "v" + std::to_string(i));
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(copy->exists(table::candidates, "d/" + std::to_string(i)));
}

BOOST_AUTO_TEST_CASE(journal_info_counts_appends_bytes_and_segments_and_drain_empties_the_overlay) {
  journal_db f;
  auto info = f.db->journal_info();
  BOOST_TEST(info.journaled == 0u);
  BOOST_TEST(info.applied == 0u);
  BOOST_TEST(info.appends == 0u);
  BOOST_TEST(info.segments == 0u);
  BOOST_TEST(info.bytes == 0u);
  BOOST_TEST(!info.full);

  std::mt19937_64 rng(13);
  std::vector<journal_record> recs;
  uint64_t appends = 0;
  for (int round = 0; round < 5; ++round) {
    // One append (one sync) per batch, whatever its size.
    std::vector<write_set> batch;
    for (int i = 0; i <= round; ++i) {
      batch.push_back(event_set(rng, recs.size() + 1));
      recs.push_back({recs.size() + 1, batch.back()});
    }
    for (const auto& r : f.db->commit_each(pointers(batch)))
      BOOST_REQUIRE_MESSAGE(r.rc == commit_error::none, r.err);
    ++appends;
    info = f.db->journal_info();
    BOOST_TEST(info.journaled == recs.size());
    BOOST_TEST(info.appends == appends);
    BOOST_TEST(info.segments == 1u);
    BOOST_TEST(info.bytes == encode(recs).size());
  }
  f.db->drain();
  info = f.db->journal_info();
  BOOST_TEST(info.applied == info.journaled);
  BOOST_TEST(info.pending_keys == 0u);
  BOOST_TEST(info.applies >= 1u);
  BOOST_TEST(info.largest_apply >= 1u);
  BOOST_TEST(info.largest_apply <= recs.size());
  // Applied, the segment being written stays; it holds exactly the answered sets.
  BOOST_TEST(info.segments == 1u);
  BOOST_TEST(info.bytes == encode(recs).size());
  BOOST_TEST(file_differs(fs::path(f.journal_dir()) / segment_file(1), encode(recs)) == "");
  // A restart finds it all applied and releases it.
  f.db.reset();
  f.reopen();
  info = f.db->journal_info();
  BOOST_TEST(info.journaled == recs.size());
  BOOST_TEST(info.applied == recs.size());
  BOOST_TEST(info.segments == 0u);
  BOOST_TEST(info.bytes == 0u);
  BOOST_TEST(f.note == "");
}

BOOST_AUTO_TEST_SUITE_END()
