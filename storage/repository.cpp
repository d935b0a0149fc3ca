#include "storage/repository.hpp"

#include <algorithm>

#include "core/bytes.hpp"
#include "core/record_codec.hpp"

namespace vouch::storage {

using namespace vouch::core;

namespace {
constexpr char sep = '\0';
const std::string max_command_id_key = "max_command_id";

/// Key parts are joined with NUL, so a part holding a NUL could reach into another record's
/// keys. The edge refuses such ids (core::external_id_problem); this is storage's own guard:
/// such a key comes out empty, which LMDB refuses, so a write fails alone and a read fails
/// (never "absent", never someone else's record).
bool clean(std::string_view part) {
  return part.find(sep) == std::string_view::npos;
}

std::string join(std::string_view a, std::string_view b) {
  if (!clean(a) || !clean(b)) return {};
  std::string k(a);
  k.push_back(sep);
  k.append(b);
  return k;
}
}  // namespace

std::string candidate_key(std::string_view org, std::string_view opp) {
  return join(org, opp);
}

std::string history_key(std::string_view org, std::string_view opp, uint64_t seq) {
  auto k = join(org, opp);
  if (k.empty()) return k;
  k.push_back(sep);
  k += be64(seq);
  return k;
}

std::string template_key(std::string_view org, std::string_view id) {
  return join(org, id);
}

std::string timer_key(int64_t due, std::string_view org, std::string_view opp, timer_kind kind) {
  if (!clean(org) || !clean(opp)) return {};
  auto k = be64(static_cast<uint64_t>(due));
  k += join(org, opp);
  k.push_back(sep);
  k.push_back(static_cast<char>(kind));
  return k;
}

std::string outbox_key(uint64_t id) {
  return be64(id);
}

std::optional<stored_timer> parse_timer_key(std::string_view key) {
  // due, then org NUL opp NUL kind: the shortest key timer_key writes has empty parts.
  if (key.size() < 8 + 3) return std::nullopt;
  stored_timer t;
  t.timer.due = static_cast<int64_t>(from_be64(key));
  auto rest = key.substr(8);
  auto a = rest.find(sep);
  if (a == std::string_view::npos) return std::nullopt;
  auto b = rest.find(sep, a + 1);
  if (b == std::string_view::npos || b + 2 != rest.size()) return std::nullopt;
  t.org = std::string(rest.substr(0, a));
  t.opp = std::string(rest.substr(a + 1, b - a - 1));
  auto kind = static_cast<uint8_t>(rest[b + 1]);
  if (kind > static_cast<uint8_t>(timer_kind::followup)) return std::nullopt;
  t.timer.kind = static_cast<timer_kind>(kind);
  return t;
}

std::string change_key(const candidate_record& c) {
  if (!clean(c.org) || !clean(c.opp)) return {};
  // Inverted time: ascending key order is the newest change first.
  const auto inv = ~static_cast<uint64_t>(std::max<int64_t>(c.updated_at, 0));
  std::string k = c.org;
  k.push_back('\0');
  k += be64(inv);
  k.push_back('\0');
  k += c.opp;
  return k;
}

std::string opp_of_change_key(std::string_view key) {
  const auto org_end = key.find('\0');
  if (org_end == std::string_view::npos || key.size() < org_end + 10) return {};
  return std::string(key.substr(org_end + 10));
}

void put_candidate(write_set& ws, const candidate_record& c, const candidate_record* before) {
  ws.put(table::candidates, candidate_key(c.org, c.opp), encode(c));
  if (before && before->updated_at == c.updated_at && before->state == c.state) return;
  if (before) ws.del(table::by_change, change_key(*before));
  ws.put(table::by_change, change_key(c), std::string(1, static_cast<char>(c.state)));
}

uint64_t build_change_index(database& db, std::size_t slice) {
  if (db.count(table::by_change) > 0 || db.count(table::candidates) == 0) return 0;
  uint64_t written = 0;
  std::string from;
  for (;;) {
    write_set ws;
    std::string last;
    std::size_t seen = 0;
    db.scan(table::candidates, {}, from, [&](std::string_view k, std::string_view v) {
      if (!from.empty() && k == from) return true;
      if (seen == slice) return false;
      ++seen;
      last = std::string(k);
      if (auto c = decode_candidate(v))
        ws.put(table::by_change, change_key(*c), std::string(1, static_cast<char>(c->state)));
      return true;
    });
    if (!ws.empty()) {
      std::string err;
      if (db.commit(ws, err) != commit_error::none) return written;
      written += ws.ops.size();
    }
    if (seen < slice) return written;
    from = last;
  }
}
void put_history(write_set& ws, const std::string& org, const std::string& opp,
                 const history_entry& h) {
  ws.put(table::history, history_key(org, opp, h.seq), encode(h));
}
void put_command(write_set& ws, const command& c) {
  ws.put(table::outbox, outbox_key(c.id), encode(c));
}
void del_command(write_set& ws, uint64_t id) {
  ws.del(table::outbox, outbox_key(id));
}
void put_timer(write_set& ws, const std::string& org, const std::string& opp,
               const timer_entry& t) {
  ws.put(table::timers, timer_key(t.due, org, opp, t.kind), {});
}
void del_timer(write_set& ws, const std::string& org, const std::string& opp,
               const timer_entry& t) {
  ws.del(table::timers, timer_key(t.due, org, opp, t.kind));
}
void put_dedupe(write_set& ws, const std::string& key, int64_t now_ms, const std::string& digest) {
  ws.put_new(table::dedupe, key, be64(static_cast<uint64_t>(now_ms)) + digest);
}
void put_org(write_set& ws, const org_record& o) {
  ws.put(table::orgs, o.id, encode(o));
}
void put_reconcile(write_set& ws, const reconcile_record& r) {
  ws.put(table::reconcile, r.org, encode(r));
}
void put_template(write_set& ws, const std::string& org, const template_record& t) {
  ws.put(table::templates, template_key(org, t.id), encode(t));
}
void del_template(write_set& ws, const std::string& org, const std::string& id) {
  ws.del(table::templates, template_key(org, id));
}

candidate_read read_candidate(const database& db, std::string_view org, std::string_view opp) {
  candidate_read out;
  auto r = db.read(table::candidates, candidate_key(org, opp));
  out.status = r.status;
  out.error = std::move(r.error);
  if (r.status != read_status::found) return out;
  auto rec = decode_candidate(r.value);
  if (!rec) {
    out.status = read_status::failed;
    out.error = "candidate " + std::string(org) + "/" + std::string(opp) +
                ": the stored record does not decode (" + rec.error().message +
                "; written by a newer vouchd?)";
    return out;
  }
  out.rec = std::move(*rec);
  return out;
}

std::optional<candidate_record> load_candidate(const database& db, std::string_view org,
                                               std::string_view opp) {
  auto r = read_candidate(db, org, opp);
  if (r.status != read_status::found) return std::nullopt;
  return std::move(r.rec);
}

std::vector<history_entry> load_history(const database& db, std::string_view org,
                                        std::string_view opp) {
  std::vector<history_entry> out;
  auto prefix = join(org, opp);
  prefix.push_back(sep);
  db.scan(table::history, prefix, {}, [&](std::string_view, std::string_view v) {
    if (auto h = decode_history(v)) out.push_back(std::move(*h));
    return true;
  });
  return out;
}

std::vector<candidate_record> list_candidates(const database& db, std::string_view org) {
  std::vector<candidate_record> out;
  std::string prefix(org);
  prefix.push_back(sep);
  db.scan(table::candidates, prefix, {}, [&](std::string_view, std::string_view v) {
    if (auto c = decode_candidate(v)) out.push_back(std::move(*c));
    return true;
  });
  return out;
}

std::optional<org_record> load_org(const database& db, std::string_view org) {
  auto v = db.get(table::orgs, org);
  if (!v) return std::nullopt;
  return decode_org(*v);
}

std::optional<reconcile_record> load_reconcile(const database& db, std::string_view org) {
  auto v = db.get(table::reconcile, org);
  if (!v) return std::nullopt;
  return decode_reconcile(*v);
}

std::vector<org_record> list_orgs(const database& db) {
  std::vector<org_record> out;
  db.scan(table::orgs, {}, {}, [&](std::string_view, std::string_view v) {
    if (auto o = decode_org(v)) out.push_back(std::move(*o));
    return true;
  });
  return out;
}

std::vector<template_record> list_templates(const database& db, std::string_view org) {
  std::vector<template_record> out;
  std::string prefix(org);
  prefix.push_back(sep);
  db.scan(table::templates, prefix, {}, [&](std::string_view, std::string_view v) {
    if (auto t = decode_template(v)) out.push_back(std::move(*t));
    return true;
  });
  return out;
}

std::optional<template_record> load_template(const database& db, std::string_view org,
                                             std::string_view id) {
  auto v = db.get(table::templates, template_key(org, id));
  if (!v) return std::nullopt;
  return decode_template(*v);
}

std::optional<command> load_command(const database& db, uint64_t id) {
  auto v = db.get(table::outbox, outbox_key(id));
  if (!v) return std::nullopt;
  return decode_command(*v);
}

std::vector<command> list_commands(const database& db) {
  std::vector<command> out;
  db.scan(table::outbox, {}, {}, [&](std::string_view, std::string_view v) {
    if (auto c = decode_command(v)) out.push_back(std::move(*c));
    return true;
  });
  return out;
}

std::vector<stored_timer> list_timers(const database& db) {
  std::vector<stored_timer> out;
  db.scan(table::timers, {}, {}, [&](std::string_view k, std::string_view) {
    if (auto t = parse_timer_key(k)) out.push_back(std::move(*t));
    return true;
  });
  return out;
}

std::vector<stored_timer> list_timers_due(const database& db, int64_t from, int64_t before) {
  std::vector<stored_timer> out;
  if (from >= before) return out;
  db.scan(table::timers, {}, be64(static_cast<uint64_t>(std::max<int64_t>(from, 0))),
          [&](std::string_view k, std::string_view) {
            auto t = parse_timer_key(k);
            if (!t) return true;  // a key that does not parse is skipped, as in list_timers
            if (t->timer.due >= before) return false;
            out.push_back(std::move(*t));
            return true;
          });
  return out;
}

dedupe_read read_dedupe(const database& db, const std::string& key) {
  dedupe_read out;
  auto r = db.read(table::dedupe, key);
  out.status = r.status;
  out.error = std::move(r.error);
  if (r.status != read_status::found) return out;
  if (r.value.size() < 8) {
    out.status = read_status::failed;
    out.error = "dedupe entry of " + std::to_string(r.value.size()) + " bytes does not decode";
    return out;
  }
  out.first_seen = static_cast<int64_t>(from_be64(std::string_view(r.value).substr(0, 8)));
  out.digest = r.value.substr(8);
  return out;
}

uint64_t max_command_id(const database& db) {
  uint64_t best = 0;
  auto last = db.last_key(table::outbox);
  if (last.size() == 8) best = from_be64(last);
  if (auto v = db.get(table::meta, max_command_id_key); v && v->size() == 8)
    best = std::max(best, from_be64(*v));
  return best;
}

void put_prospect(write_set& ws, const prospect_record& p) {
  ws.put(table::prospects, join(p.org, p.id), encode(p));
}

std::optional<prospect_record> load_prospect(const database& db, std::string_view org,
                                             std::string_view id) {
  auto v = db.get(table::prospects, join(org, id));
  if (!v) return std::nullopt;
  return decode_prospect(*v);
}

std::vector<prospect_record> list_prospects(const database& db, std::string_view org) {
  std::vector<prospect_record> out;
  std::string prefix(org);
  prefix.push_back(sep);
  db.scan(table::prospects, prefix, {}, [&](std::string_view, std::string_view v) {
    if (auto p = decode_prospect(v)) out.push_back(std::move(*p));
    return true;
  });
  return out;
}

void put_export(write_set& ws, const export_record& e) {
  ws.put(table::exports, e.id, encode(e));
}

std::optional<export_record> load_export(const database& db, std::string_view id) {
  auto v = db.get(table::exports, id);
  if (!v) return std::nullopt;
  return decode_export(*v);
}

std::vector<export_record> list_exports(const database& db) {
  std::vector<export_record> out;
  db.scan(table::exports, {}, {}, [&](std::string_view, std::string_view v) {
    if (auto e = decode_export(v)) out.push_back(std::move(*e));
    return true;
  });
  return out;
}

void put_max_command_id(write_set& ws, uint64_t id) {
  ws.put(table::meta, max_command_id_key, be64(id));
}

}  // namespace vouch::storage
