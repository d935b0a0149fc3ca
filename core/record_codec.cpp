#include "core/record_codec.hpp"

#include "core/bytes.hpp"

namespace vouch::core {
namespace {

// Version history, newest last. Add a version when a field is added; keep the decoder
// of every older version working (tests/core/test_record_codec.cpp holds old bytes).
constexpr uint8_t candidate_v1 = 1;
constexpr uint8_t candidate_v2 = 2;  // + hired_source after hired_at
constexpr uint8_t history_v1 = 1;
constexpr uint8_t command_v1 = 1;
constexpr uint8_t command_v2 = 2;  // + failing_since at the end
constexpr uint8_t org_v1 = 1;
constexpr uint8_t template_v1 = 1;
constexpr uint8_t prospect_v1 = 1;
constexpr uint8_t export_v1 = 1;

void put_person(byte_writer& w, const person& p) {
  w.str(p.id);
  w.str(p.name);
  w.str(p.email);
}

bool get_person(byte_reader& r, person& p) {
  return r.str(p.id) && r.str(p.name) && r.str(p.email);
}

template <class Enum>
bool get_enum(byte_reader& r, Enum& e, uint8_t max) {
  uint8_t v = 0;
  if (!r.u8(v) || v > max) return false;
  e = static_cast<Enum>(v);
  return true;
}

}  // namespace

std::string encode(const candidate_record& c) {
  byte_writer w;
  w.u8(candidate_v2);
  w.str(c.org);
  w.str(c.opp);
  w.u8(static_cast<uint8_t>(c.state));
  w.str(c.reason);
  w.boolean(c.hired);
  w.i64(c.hired_at);
  w.str(c.hired_source);
  w.str(c.request_id);
  w.str(c.report_url);
  w.str(c.template_id);
  put_person(w, c.owner);
  w.str(c.name);
  w.str(c.email);
  w.str(c.phone);
  w.str(c.posting_id);
  w.str(c.posting_title);
  w.strs(c.posting_tags);
  w.i64(c.created_at);
  w.i64(c.updated_at);
  w.i64(c.last_stage_at);
  w.u64(c.next_seq);
  w.u32(c.generation);
  w.u8(static_cast<uint8_t>(c.resume_state));
  w.u32(static_cast<uint32_t>(c.timers.size()));
  for (const auto& t : c.timers) {
    w.u8(static_cast<uint8_t>(t.kind));
    w.i64(t.due);
  }
  w.u32(static_cast<uint32_t>(c.dead_commands.size()));
  for (auto id : c.dead_commands) w.u64(id);
  return w.take();
}

std::optional<candidate_record> decode_candidate(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  if (!r.u8(version) || (version != candidate_v1 && version != candidate_v2)) return std::nullopt;
  candidate_record c;
  constexpr auto max_state = static_cast<uint8_t>(cand_state::needs_attention);
  bool ok = r.str(c.org) && r.str(c.opp) && get_enum(r, c.state, max_state) && r.str(c.reason) &&
            r.boolean(c.hired) && r.i64(c.hired_at) &&
            (version < candidate_v2 || r.str(c.hired_source)) && r.str(c.request_id) &&
            r.str(c.report_url) && r.str(c.template_id) && get_person(r, c.owner) &&
            r.str(c.name) && r.str(c.email) && r.str(c.phone) && r.str(c.posting_id) &&
            r.str(c.posting_title) && r.strs(c.posting_tags) && r.i64(c.created_at) &&
            r.i64(c.updated_at) && r.i64(c.last_stage_at) && r.u64(c.next_seq) &&
            r.u32(c.generation) && get_enum(r, c.resume_state, max_state);
  uint32_t n = 0;
  if (!ok || !r.u32(n)) return std::nullopt;
  for (uint32_t i = 0; i < n; ++i) {
    timer_entry t;
    if (!get_enum(r, t.kind, static_cast<uint8_t>(timer_kind::followup)) || !r.i64(t.due))
      return std::nullopt;
    c.timers.push_back(t);
  }
  if (!r.u32(n)) return std::nullopt;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t id = 0;
    if (!r.u64(id)) return std::nullopt;
    c.dead_commands.push_back(id);
  }
  if (!r.at_end()) return std::nullopt;
  return c;
}

std::string encode(const history_entry& h) {
  byte_writer w;
  w.u8(history_v1);
  w.u64(h.seq);
  w.i64(h.at);
  w.str(h.event);
  w.str(h.from);
  w.str(h.to);
  w.str(h.detail);
  return w.take();
}

std::optional<history_entry> decode_history(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  history_entry h;
  if (!r.u8(version) || version != history_v1) return std::nullopt;
  if (!(r.u64(h.seq) && r.i64(h.at) && r.str(h.event) && r.str(h.from) && r.str(h.to) &&
        r.str(h.detail) && r.at_end()))
    return std::nullopt;
  return h;
}

std::string encode(const command& c) {
  byte_writer w;
  w.u8(command_v2);
  w.u64(c.id);
  w.str(c.org);
  w.str(c.opp);
  w.u8(static_cast<uint8_t>(c.kind));
  w.str(c.payload);
  w.str(c.idem_key);
  w.u32(c.generation);
  w.u32(static_cast<uint32_t>(c.attempts));
  w.i64(c.created_at);
  w.i64(c.next_at);
  w.u8(static_cast<uint8_t>(c.status));
  w.str(c.last_error);
  w.i64(c.failing_since);
  return w.take();
}

std::optional<command> decode_command(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  command c;
  uint32_t attempts = 0;
  if (!r.u8(version) || (version != command_v1 && version != command_v2)) return std::nullopt;
  if (!(r.u64(c.id) && r.str(c.org) && r.str(c.opp) &&
        get_enum(r, c.kind, static_cast<uint8_t>(command_kind::prospect_export)) &&
        r.str(c.payload) && r.str(c.idem_key) && r.u32(c.generation) && r.u32(attempts) &&
        r.i64(c.created_at) && r.i64(c.next_at) &&
        get_enum(r, c.status, static_cast<uint8_t>(command_status::dead)) && r.str(c.last_error)))
    return std::nullopt;
  if (version >= command_v2 && !r.i64(c.failing_since)) return std::nullopt;
  if (!r.at_end()) return std::nullopt;
  c.attempts = static_cast<int32_t>(attempts);
  // A v1 command that had failed before knew no start of its failures: its creation is the
  // earliest it can have been, so retry_for never runs longer than configured.
  if (version == command_v1 && c.attempts > 0) c.failing_since = c.created_at;
  return c;
}

std::string encode(const org_record& o) {
  byte_writer w;
  w.u8(org_v1);
  w.str(o.id);
  w.str(o.name);
  w.i64(o.created_at);
  w.i64(o.updated_at);
  w.boolean(o.connected);
  w.str(o.conn.api_key_sealed);
  w.str(o.conn.stage_token_sealed);
  w.str(o.conn.hired_token_sealed);
  w.strs(o.conn.trigger_stage_ids);
  w.str(o.conn.perform_as);
  w.str(o.conn.hired_archive_reason_id);
  w.boolean(o.conn.export_existing_prospects);
  w.boolean(o.conn.auto_export_new_prospects);
  w.str(o.conn.base_url);
  w.u64(o.template_seq);
  return w.take();
}

std::optional<org_record> decode_org(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  org_record o;
  if (!r.u8(version) || version != org_v1) return std::nullopt;
  if (!(r.str(o.id) && r.str(o.name) && r.i64(o.created_at) && r.i64(o.updated_at) &&
        r.boolean(o.connected) && r.str(o.conn.api_key_sealed) &&
        r.str(o.conn.stage_token_sealed) && r.str(o.conn.hired_token_sealed) &&
        r.strs(o.conn.trigger_stage_ids) && r.str(o.conn.perform_as) &&
        r.str(o.conn.hired_archive_reason_id) && r.boolean(o.conn.export_existing_prospects) &&
        r.boolean(o.conn.auto_export_new_prospects) && r.str(o.conn.base_url) &&
        r.u64(o.template_seq) && r.at_end()))
    return std::nullopt;
  return o;
}

std::string encode(const template_record& t) {
  byte_writer w;
  w.u8(template_v1);
  w.str(t.id);
  w.u64(t.created_seq);
  w.str(t.name);
  w.str(t.ats_tag);
  w.i64(t.priority);
  w.boolean(t.is_default);
  w.str(t.body_json);
  return w.take();
}

std::optional<template_record> decode_template(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  template_record t;
  if (!r.u8(version) || version != template_v1) return std::nullopt;
  if (!(r.str(t.id) && r.u64(t.created_seq) && r.str(t.name) && r.str(t.ats_tag) &&
        r.i64(t.priority) && r.boolean(t.is_default) && r.str(t.body_json) && r.at_end()))
    return std::nullopt;
  return t;
}

std::string encode(const prospect_record& p) {
  byte_writer w;
  w.u8(prospect_v1);
  w.str(p.org);
  w.str(p.id);
  w.str(p.name);
  w.str(p.headline);
  w.strs(p.emails);
  w.strs(p.phones);
  w.u8(static_cast<uint8_t>(p.status));
  w.str(p.lever_opportunity_id);
  w.str(p.reason);
  w.i64(p.created_at);
  w.i64(p.updated_at);
  return w.take();
}

std::optional<prospect_record> decode_prospect(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  prospect_record p;
  if (!r.u8(version) || version != prospect_v1) return std::nullopt;
  if (!(r.str(p.org) && r.str(p.id) && r.str(p.name) && r.str(p.headline) && r.strs(p.emails) &&
        r.strs(p.phones) &&
        get_enum(r, p.status, static_cast<uint8_t>(prospect_status::not_exportable)) &&
        r.str(p.lever_opportunity_id) && r.str(p.reason) && r.i64(p.created_at) &&
        r.i64(p.updated_at) && r.at_end()))
    return std::nullopt;
  return p;
}

std::string encode(const export_record& e) {
  byte_writer w;
  w.u8(export_v1);
  w.str(e.id);
  w.str(e.org);
  w.u8(static_cast<uint8_t>(e.state));
  w.u64(e.total);
  w.u64(e.done);
  w.u64(e.failed);
  w.u64(e.skipped);
  w.i64(e.created_at);
  w.i64(e.updated_at);
  w.strs(e.failures);
  return w.take();
}

std::optional<export_record> decode_export(std::string_view bytes) {
  byte_reader r(bytes);
  uint8_t version = 0;
  export_record e;
  if (!r.u8(version) || version != export_v1) return std::nullopt;
  if (!(r.str(e.id) && r.str(e.org) &&
        get_enum(r, e.state, static_cast<uint8_t>(export_state::cancelled)) && r.u64(e.total) &&
        r.u64(e.done) && r.u64(e.failed) && r.u64(e.skipped) && r.i64(e.created_at) &&
        r.i64(e.updated_at) && r.strs(e.failures) && r.at_end()))
    return std::nullopt;
  return e;
}

}  // namespace vouch::core
