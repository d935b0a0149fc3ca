// Templates: validation, CRUD and the dry-run match.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

// -- templates ---------------------------------------------------------------------------

/// More referees than this in one entry is a typo (4e9 was accepted once), not a request.
constexpr int64_t max_references_per_entry = 20;

/// One address: local@domain, no whitespace or control characters, at most 254 bytes.
bool plausible_email(const std::string& e) {
  if (e.size() > 254) return false;
  const auto at = e.find('@');
  if (at == 0 || at == std::string::npos || at + 1 >= e.size() ||
      e.find('@', at + 1) != std::string::npos)
    return false;
  for (char ch : e) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',') return false;
  }
  return true;
}

/// Validates a template body (docs/reference.md#templates) and returns it normalised: every
/// field present, defaults filled in, no unknown fields. "id" is left out; the caller adds
/// the stored one. `id` in the body is accepted when it equals `expected_id` (a GET result
/// sent back).
core::result<json> normalise_template(const json& body, const std::string& expected_id) {
  object_reader t(body, "",
                  {"id", "name", "ats_tag", "priority", "is_default", "description", "request",
                   "hiring_manager", "notifications"});
  if (auto st = t.status(); !st.ok()) return st.error();
  if (const json* id = t.find("id")) {
    if (!id->is_string() || id->get<std::string>() != expected_id)
      return bad("id", expected_id.empty() ? "assigned by the server; leave it out"
                                           : "does not match the template id in the path");
  }
  json out = {{"name", t.nonempty_str("name")},
              {"ats_tag", t.str("ats_tag")},
              {"priority", t.integer("priority", 0)},
              {"is_default", t.boolean("is_default", false)},
              {"description", t.str("description")}};
  if (auto st = t.status(); !st.ok()) return st.error();

  // The request is what the platform sends to referees: without it (or without anyone to
  // ask) a reference request cannot be made, so the template is refused here, not later.
  json request = {{"position", ""}, {"survey_id", ""}, {"references", json::array()}};
  const json* r = t.find("request");
  if (!r) return bad("request", "required: {\"position\", \"survey_id\", \"references\": [...]}");
  object_reader rq(*r, "request", {"position", "survey_id", "references"});
  if (auto st = rq.status(); !st.ok()) return st.error();
  request["position"] = rq.str("position");
  request["survey_id"] = rq.str("survey_id");
  const json* refs = rq.find("references");
  if (!refs || !refs->is_array() || refs->empty())
    return bad("request.references", "expected a non-empty array of {relationship, count, note}");
  for (std::size_t i = 0; i < refs->size(); ++i) {
    const std::string where = "request.references[" + std::to_string(i) + "]";
    object_reader ref((*refs)[i], where, {"relationship", "count", "note"});
    const auto count = ref.integer("count", 1, 1);
    if (count > max_references_per_entry)
      ref.fail(where + ".count",
               "expected an integer from 1 to " + std::to_string(max_references_per_entry));
    request["references"].push_back({{"relationship", ref.nonempty_str("relationship")},
                                     {"count", count},
                                     {"note", ref.str("note")}});
    if (auto st = ref.status(); !st.ok()) return st.error();
  }
  if (auto st = rq.status(); !st.ok()) return st.error();
  out["request"] = std::move(request);

  json manager = {{"name", ""}, {"email", ""}};
  if (const json* m = t.find("hiring_manager")) {
    object_reader hm(*m, "hiring_manager", {"name", "email"});
    const std::string email = hm.str("email");
    // It goes into mail headers: one line, one address.
    if (!email.empty() && !plausible_email(email))
      hm.fail("hiring_manager.email",
              "expected one email address (name@domain), without spaces "
              "or line breaks");
    if (hm.str("name").find_first_of("\r\n") != std::string::npos)
      hm.fail("hiring_manager.name", "expected one line");
    manager = {{"name", hm.str("name")}, {"email", email}};
    if (auto st = hm.status(); !st.ok()) return st.error();
  }
  out["hiring_manager"] = std::move(manager);

  json notes = {{"email_subject", ""}, {"email_body", ""}, {"sms_text", ""}};
  if (const json* n = t.find("notifications")) {
    object_reader nr(*n, "notifications", {"email_subject", "email_body", "sms_text"});
    notes = {{"email_subject", nr.str("email_subject")},
             {"email_body", nr.str("email_body")},
             {"sms_text", nr.str("sms_text")}};
    if (auto st = nr.status(); !st.ok()) return st.error();
  }
  out["notifications"] = std::move(notes);
  if (auto st = t.status(); !st.ok()) return st.error();
  return out;
}

core::template_record template_from(const json& normalised, std::string id, uint64_t seq) {
  core::template_record t;
  t.id = std::move(id);
  t.created_seq = seq;
  t.name = normalised.at("name").get<std::string>();
  t.ats_tag = normalised.at("ats_tag").get<std::string>();
  t.priority = normalised.at("priority").get<int64_t>();
  t.is_default = normalised.at("is_default").get<bool>();
  json body = normalised;
  body["id"] = t.id;
  t.body_json = dump(body);
  return t;
}

json render_template(const core::template_record& t) {
  json j = json::parse(t.body_json, nullptr, false);
  if (!j.is_object()) {  // not written by this API; show what matching uses
    j = {{"name", t.name},
         {"ats_tag", t.ats_tag},
         {"priority", t.priority},
         {"is_default", t.is_default}};
  }
  j["id"] = t.id;
  return j;
}

}  // namespace

// -- templates ---------------------------------------------------------------------------------

void admin_api::impl::list_templates(const std::string& org, const call& c, const answer& a) {
  const auto paging = parse_paging(c.query);
  if (!paging) return a.invalid(paging.error());
  const page_request& page = *paging;
  auto list = storage::list_templates(*ctx.db, org);
  std::sort(list.begin(), list.end(),
            [](const auto& x, const auto& y) { return x.created_seq < y.created_seq; });
  a.json_body(
      200, page_of(
               list, page,
               [](const core::template_record& t) { return fixed20(t.created_seq) + '\0' + t.id; },
               render_template));
}

void admin_api::impl::create_template(const std::string& org, const call& c, const answer& a) {
  const auto body = parse_body_object(c.body);
  if (!body) return a.invalid(body.error());
  const auto normalised = normalise_template(*body, {});
  if (!normalised) return a.invalid(normalised.error());
  const json& t = *normalised;
  exclusive(
      [this, org, t, a](slot_ptr slot) {
        auto rec = storage::load_org(*ctx.db, org);
        if (!rec) return a.not_found("no org " + org);
        const uint64_t seq = ++rec->template_seq;  // ids never repeat, even after a delete
        auto tpl = template_from(t, "tpl-" + std::to_string(seq), seq);
        storage::write_set ws;
        storage::put_org(ws, *rec);
        storage::put_template(ws, org, tpl);
        commit(std::move(ws), org, a, slot, 201, render_template(tpl));
      },
      a);
}

void admin_api::impl::get_template(const std::string& org, const std::string& id, const answer& a) {
  auto t = storage::load_template(*ctx.db, org, id);
  if (!t) return a.not_found("no template " + id + " in org " + org);
  a.json_body(200, render_template(*t));
}

void admin_api::impl::put_template(const std::string& org, const std::string& id, const call& c,
                                   const answer& a) {
  const auto body = parse_body_object(c.body);
  if (!body) return a.invalid(body.error());
  const auto normalised = normalise_template(*body, id);
  if (!normalised) return a.invalid(normalised.error());
  const json& t = *normalised;
  exclusive(
      [this, org, id, t, a](slot_ptr slot) {
        auto cur = storage::load_template(*ctx.db, org, id);
        if (!cur) return a.not_found("no template " + id + " in org " + org);
        auto tpl = template_from(t, id, cur->created_seq);
        storage::write_set ws;
        storage::put_template(ws, org, tpl);
        commit(std::move(ws), org, a, slot, 200, render_template(tpl));
      },
      a);
}

void admin_api::impl::delete_template(const std::string& org, const std::string& id,
                                      const answer& a) {
  exclusive(
      [this, org, id, a](slot_ptr slot) {
        if (!storage::load_template(*ctx.db, org, id))
          return a.not_found("no template " + id + " in org " + org);
        storage::write_set ws;
        storage::del_template(ws, org, id);
        commit(std::move(ws), org, a, slot, 200, {{"id", id}, {"deleted", true}});
      },
      a);
}

void admin_api::impl::match_template(const std::string& org, const call& c, const answer& a) {
  const auto posting = c.query.find("posting");
  const auto tags = c.query.find("tags");
  const bool has_posting = posting != c.query.end();
  if (has_posting == (tags != c.query.end()))
    return a.invalid(bad("posting", "give exactly one of ?posting=ID or ?tags=a,b"));
  if (!has_posting) {
    std::vector<std::string> list;
    std::stringstream in(tags->second);
    for (std::string t; std::getline(in, t, ',');) {
      const auto b = t.find_first_not_of(" \t");
      const auto e = t.find_last_not_of(" \t");
      if (b != std::string::npos) list.push_back(t.substr(b, e - b + 1));
    }
    return answer_match(org, list, nullptr, a);
  }
  const std::string id = posting->second;
  if (id.empty()) return a.invalid(bad("posting", "expected a Lever posting id"));
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (!view || !view->rec.connected || view->api_key.empty())
    return a.error(409, "not_connected",
                   "org " + org + " has no Lever API key to read posting " + id + " with");
  net::client_request req;
  req.url = strip_trailing_slashes(view->lever_base_url) + "/postings/" + net::url_encode(id);
  req.timeout = ctx.cfg.lever.timeout;
  req.basic_user = view->api_key;
  req.headers.emplace_back("Accept", "application/json");
  auto self = shared_from_this();
  // Answered from the client's thread, like the stage list.
  lever_call(std::move(req), [self, org, id, a](net::client_response res) {
    try {
      if (res.status == 0) return a.error(502, "lever_error", "Lever unreachable: " + res.error);
      json body = json::parse(res.body, nullptr, false);
      if (res.status < 200 || res.status >= 300) {
        std::string msg =
            "Lever answered HTTP " + std::to_string(res.status) + " for posting " + id;
        if (body.is_object() && body.contains("message") && body["message"].is_string())
          msg += ": " + body["message"].get<std::string>();
        return a.error(502, "lever_error", msg);
      }
      if (!body.is_object() || !body.contains("data") || !body["data"].is_object())
        return a.error(502, "lever_error", "Lever answered a posting without \"data\"");
      const json& d = body["data"];
      std::vector<std::string> list;
      if (d.contains("tags") && d["tags"].is_array())
        for (const auto& t : d["tags"])
          if (t.is_string()) list.push_back(t.get<std::string>());
      json posting = {
          {"id", id},
          {"title", d.contains("text") && d["text"].is_string() ? d["text"] : json("")}};
      self->answer_match(org, list, std::move(posting), a);
    } catch (const std::exception& e) {
      a.error(502, "lever_error", e.what());
    }
  });
}

void admin_api::impl::answer_match(const std::string& org, const std::vector<std::string>& tags,
                                   json posting, const answer& a) {
  // The stored templates, exactly as the engine's org view matches them.
  auto list = storage::list_templates(*ctx.db, org);
  std::vector<core::template_ref> refs;
  for (const auto& t : list)
    refs.push_back({t.id, t.ats_tag, t.priority, t.is_default, t.created_seq});
  const core::template_choice choice = core::choose_template(tags, refs);
  json chosen = nullptr;
  if (choice.id)
    for (const auto& t : list)
      if (t.id == *choice.id)
        chosen = {{"id", t.id},
                  {"name", t.name},
                  {"ats_tag", t.ats_tag},
                  {"priority", t.priority},
                  {"is_default", t.is_default}};
  json body = {{"template", std::move(chosen)}, {"why", choice.why}, {"tags", tags}};
  if (!posting.is_null()) body["posting"] = std::move(posting);
  a.json_body(200, body);
}

}  // namespace vouch::engine
