#include "core/record_codec.hpp"

#include "core/bytes.hpp"

namespace vouch::core {
namespace {

// Version history, newest last. Add a version when a field is added; keep the decoder
// of every older version working (tests/storage holds the bytes of the first versions).
constexpr uint8_t candidate_v1 = 1;
constexpr uint8_t candidate_v2 = 2;  // + hired_source after hired_at
constexpr uint8_t candidate_v3 = 3;  // + last_stage after last_stage_at
constexpr uint8_t candidate_v4 = 4;  // + held_report_request, held_report_url at the end
constexpr uint8_t history_v1 = 1;
constexpr uint8_t command_v1 = 1;
constexpr uint8_t command_v2 = 2;  // + failing_since at the end
constexpr uint8_t command_v3 = 3;  // + recent_attempts at the end
constexpr uint8_t org_v1 = 1;
constexpr uint8_t template_v1 = 1;
constexpr uint8_t prospect_v1 = 1;
constexpr uint8_t export_v1 = 1;
constexpr uint8_t reconcile_v1 = 1;

// -- the two directions ---------------------------------------------------------------------
// Each record has ONE field list (below), a template over the direction: `write_io` reads
// the record's fields into bytes, `read_io` fills them from bytes. So encode and decode
// cannot disagree on order or width (CAF's `inspect` idea, without CAF).

class write_io {
 public:
  explicit write_io(byte_writer& w) : w_(w) {}
  bool str(const std::string& v) { return w_.str(v), true; }
  bool strs(const std::vector<std::string>& v) { return w_.strs(v), true; }
  bool i64(const int64_t& v) { return w_.i64(v), true; }
  bool u64(const uint64_t& v) { return w_.u64(v), true; }
  bool u32(const uint32_t& v) { return w_.u32(v), true; }
  bool i32(const int32_t& v) { return w_.u32(static_cast<uint32_t>(v)), true; }
  bool boolean(const bool& v) { return w_.boolean(v), true; }
  template <class Enum>
  bool enum8(const Enum& e, Enum /*last*/) {
    return w_.u8(static_cast<uint8_t>(e)), true;
  }
  /// A count, then each element through `each(io, element)`.
  template <class T, class Each>
  bool list(const std::vector<T>& v, Each each) {
    w_.u32(static_cast<uint32_t>(v.size()));
    for (const auto& x : v)
      if (!each(*this, x)) return false;
    return true;
  }

 private:
  byte_writer& w_;
};

class read_io {
 public:
  explicit read_io(byte_reader& r) : r_(r) {}
  bool str(std::string& v) { return r_.str(v); }
  bool strs(std::vector<std::string>& v) { return r_.strs(v); }
  bool i64(int64_t& v) { return r_.i64(v); }
  bool u64(uint64_t& v) { return r_.u64(v); }
  bool u32(uint32_t& v) { return r_.u32(v); }
  bool i32(int32_t& v) {
    uint32_t u = 0;
    if (!r_.u32(u)) return false;
    v = static_cast<int32_t>(u);
    return true;
  }
  bool boolean(bool& v) { return r_.boolean(v); }
  /// An enum byte; anything past `last` (a value this build does not know) fails.
  template <class Enum>
  bool enum8(Enum& e, Enum last) {
    uint8_t v = 0;
    if (!r_.u8(v) || v > static_cast<uint8_t>(last)) return false;
    e = static_cast<Enum>(v);
    return true;
  }
  template <class T, class Each>
  bool list(std::vector<T>& v, Each each) {
    uint32_t n = 0;
    if (!r_.u32(n)) return false;
    v.clear();
    for (uint32_t i = 0; i < n; ++i) {
      T x{};
      if (!each(*this, x)) return false;
      v.push_back(std::move(x));
    }
    return true;
  }

 private:
  byte_reader& r_;
};

// -- one field list per record, in stored order -----------------------------------------------

template <class IO, class P>
bool person_fields(IO& io, P& p) {
  return io.str(p.id) && io.str(p.name) && io.str(p.email);
}

template <class IO, class C>
bool candidate_fields(IO& io, C& c, uint8_t version) {
  return io.str(c.org) && io.str(c.opp) && io.enum8(c.state, cand_state::needs_attention) &&
         io.str(c.reason) && io.boolean(c.hired) && io.i64(c.hired_at) &&
         (version < candidate_v2 || io.str(c.hired_source)) && io.str(c.request_id) &&
         io.str(c.report_url) && io.str(c.template_id) && person_fields(io, c.owner) &&
         io.str(c.name) && io.str(c.email) && io.str(c.phone) && io.str(c.posting_id) &&
         io.str(c.posting_title) && io.strs(c.posting_tags) && io.i64(c.created_at) &&
         io.i64(c.updated_at) && io.i64(c.last_stage_at) &&
         (version < candidate_v3 || io.str(c.last_stage)) && io.u64(c.next_seq) &&
         io.u32(c.generation) && io.enum8(c.resume_state, cand_state::needs_attention) &&
         io.list(c.timers,
                 [](auto& in, auto& t) {
                   return in.enum8(t.kind, timer_kind::followup) && in.i64(t.due);
                 }) &&
         io.list(c.dead_commands, [](auto& in, auto& id) { return in.u64(id); }) &&
         (version < candidate_v4 || (io.str(c.held_report_request) && io.str(c.held_report_url)));
}

template <class IO, class H>
bool history_fields(IO& io, H& h, uint8_t /*version*/) {
  return io.u64(h.seq) && io.i64(h.at) && io.str(h.event) && io.str(h.from) && io.str(h.to) &&
         io.str(h.detail);
}

template <class IO, class C>
bool command_fields(IO& io, C& c, uint8_t version) {
  return io.u64(c.id) && io.str(c.org) && io.str(c.opp) &&
         io.enum8(c.kind, command_kind::prospect_export) && io.str(c.payload) &&
         io.str(c.idem_key) && io.u32(c.generation) && io.i32(c.attempts) && io.i64(c.created_at) &&
         io.i64(c.next_at) && io.enum8(c.status, command_status::dead) && io.str(c.last_error) &&
         (version < command_v2 || io.i64(c.failing_since)) &&
         (version < command_v3 || io.list(c.recent_attempts, [](auto& in, auto& a) {
           return in.i64(a.at) && in.i32(a.http_status) && in.str(a.outcome) && in.str(a.error);
         }));
}

template <class IO, class O>
bool org_fields(IO& io, O& o, uint8_t /*version*/) {
  return io.str(o.id) && io.str(o.name) && io.i64(o.created_at) && io.i64(o.updated_at) &&
         io.boolean(o.connected) && io.str(o.conn.api_key_sealed) &&
         io.str(o.conn.stage_token_sealed) && io.str(o.conn.hired_token_sealed) &&
         io.strs(o.conn.trigger_stage_ids) && io.str(o.conn.perform_as) &&
         io.str(o.conn.hired_archive_reason_id) && io.boolean(o.conn.export_existing_prospects) &&
         io.boolean(o.conn.auto_export_new_prospects) && io.str(o.conn.base_url) &&
         io.u64(o.template_seq);
}

template <class IO, class T>
bool template_fields(IO& io, T& t, uint8_t /*version*/) {
  return io.str(t.id) && io.u64(t.created_seq) && io.str(t.name) && io.str(t.ats_tag) &&
         io.i64(t.priority) && io.boolean(t.is_default) && io.str(t.body_json);
}

template <class IO, class P>
bool prospect_fields(IO& io, P& p, uint8_t /*version*/) {
  return io.str(p.org) && io.str(p.id) && io.str(p.name) && io.str(p.headline) &&
         io.strs(p.emails) && io.strs(p.phones) &&
         io.enum8(p.status, prospect_status::not_exportable) && io.str(p.lever_opportunity_id) &&
         io.str(p.reason) && io.i64(p.created_at) && io.i64(p.updated_at);
}

template <class IO, class E>
bool export_fields(IO& io, E& e, uint8_t /*version*/) {
  return io.str(e.id) && io.str(e.org) && io.enum8(e.state, export_state::cancelled) &&
         io.u64(e.total) && io.u64(e.done) && io.u64(e.failed) && io.u64(e.skipped) &&
         io.i64(e.created_at) && io.i64(e.updated_at) && io.strs(e.failures);
}

template <class IO, class R>
bool reconcile_fields(IO& io, R& r, uint8_t /*version*/) {
  return io.str(r.org) && io.i64(r.started_at) && io.i64(r.cursor) && io.i64(r.last_pass_at) &&
         io.boolean(r.last_pass_ok) && io.str(r.last_error) && io.u64(r.found_total) &&
         io.u64(r.last_found) && io.i64(r.last_found_at) && io.i64(r.last_duration_ms);
}

/// The current version's bytes of `rec`.
template <class Rec, class Fields>
std::string encode_with(const Rec& rec, uint8_t version, Fields fields) {
  byte_writer w;
  w.u8(version);
  write_io io(w);
  fields(io, rec, version);
  return w.take();
}

/// A record from bytes of any version in [oldest, newest], or a `corrupt` error saying
/// why not: a version this build does not know, a truncated or padded input, or a field
/// that does not read (an unknown enum value, a length past the end).
template <class Rec, class Fields>
result<Rec> decode_with(std::string_view bytes, uint8_t oldest, uint8_t newest, Fields fields) {
  byte_reader r(bytes);
  uint8_t version = 0;
  if (!r.u8(version)) return {errc::corrupt, "empty record"};
  if (version < oldest || version > newest)
    return {errc::corrupt, "schema version " + std::to_string(version) + " is not one of " +
                               std::to_string(oldest) + ".." + std::to_string(newest)};
  read_io io(r);
  Rec rec{};
  if (!fields(io, rec, version))
    return {errc::corrupt, "a field of version " + std::to_string(version) + " does not read"};
  if (!r.at_end()) return {errc::corrupt, "bytes after the last field"};
  return rec;
}

#define VOUCH_FIELDS(fn) [](auto& io, auto& rec, uint8_t version) { return fn(io, rec, version); }

}  // namespace

std::string encode(const candidate_record& c) {
  return encode_with(c, candidate_v4, VOUCH_FIELDS(candidate_fields));
}
result<candidate_record> decode_candidate(std::string_view bytes) {
  return decode_with<candidate_record>(bytes, candidate_v1, candidate_v4,
                                       VOUCH_FIELDS(candidate_fields));
}

std::string encode(const history_entry& h) {
  return encode_with(h, history_v1, VOUCH_FIELDS(history_fields));
}
result<history_entry> decode_history(std::string_view bytes) {
  return decode_with<history_entry>(bytes, history_v1, history_v1, VOUCH_FIELDS(history_fields));
}

std::string encode(const command& c) {
  return encode_with(c, command_v3, VOUCH_FIELDS(command_fields));
}
result<command> decode_command(std::string_view bytes) {
  auto c = decode_with<command>(bytes, command_v1, command_v3, VOUCH_FIELDS(command_fields));
  // A v1 command that had failed knew no start of its failures: its creation is the
  // earliest it can have been, so retry_for never runs longer than configured.
  if (c && bytes[0] == command_v1 && c->attempts > 0) c->failing_since = c->created_at;
  return c;
}

std::string encode(const org_record& o) {
  return encode_with(o, org_v1, VOUCH_FIELDS(org_fields));
}
result<org_record> decode_org(std::string_view bytes) {
  return decode_with<org_record>(bytes, org_v1, org_v1, VOUCH_FIELDS(org_fields));
}

std::string encode(const template_record& t) {
  return encode_with(t, template_v1, VOUCH_FIELDS(template_fields));
}
result<template_record> decode_template(std::string_view bytes) {
  return decode_with<template_record>(bytes, template_v1, template_v1,
                                      VOUCH_FIELDS(template_fields));
}

std::string encode(const prospect_record& p) {
  return encode_with(p, prospect_v1, VOUCH_FIELDS(prospect_fields));
}
result<prospect_record> decode_prospect(std::string_view bytes) {
  return decode_with<prospect_record>(bytes, prospect_v1, prospect_v1,
                                      VOUCH_FIELDS(prospect_fields));
}

std::string encode(const export_record& e) {
  return encode_with(e, export_v1, VOUCH_FIELDS(export_fields));
}
result<export_record> decode_export(std::string_view bytes) {
  return decode_with<export_record>(bytes, export_v1, export_v1, VOUCH_FIELDS(export_fields));
}

std::string encode(const reconcile_record& r) {
  return encode_with(r, reconcile_v1, VOUCH_FIELDS(reconcile_fields));
}
result<reconcile_record> decode_reconcile(std::string_view bytes) {
  return decode_with<reconcile_record>(bytes, reconcile_v1, reconcile_v1,
                                       VOUCH_FIELDS(reconcile_fields));
}

}  // namespace vouch::core
