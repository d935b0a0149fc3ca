// orgs, connect, webhook-urls, templates, candidates and outbox. export and top (the polling
// views) are in watch.cpp.
#include "tools/vouchctl/commands.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>

#include "core/template_match.hpp"
#include "tools/vouchctl/output.hpp"
#include "tools/vouchctl/table.hpp"

namespace vouch::ctl {

namespace {

std::string str_of(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const std::string api = "/admin/v1";

std::string org_path(const std::string& org) {
  return api + "/orgs/" + seg(org);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// "Name <email> (id)", leaving out what is empty; "-" when all is.
std::string person(const json& p, bool with_id) {
  std::string out = str_of(p, "name");
  const std::string email = str_of(p, "email"), id = str_of(p, "id");
  if (!email.empty()) out += (out.empty() ? "<" : " <") + email + ">";
  if (with_id && !id.empty()) out += (out.empty() ? "(" : " (") + id + ")";
  return out.empty() ? "-" : out;
}

}  // namespace

// -- output helpers (output.hpp) ---------------------------------------------------------

void print_json(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& rows,
                  std::size_t indent) {
  std::size_t w = 0;
  for (const auto& r : rows) w = std::max(w, text_width(r.first));
  for (const auto& r : rows)
    std::cout << std::string(indent, ' ') << r.first << ':'
              << std::string(w - text_width(r.first) + 2, ' ') << r.second << '\n';
}

const json& items_of(const json& list) {
  static const json empty = json::array();
  if (list.is_object() && list.contains("items") && list["items"].is_array()) return list["items"];
  return empty;
}

// -- orgs ----------------------------------------------------------------------------------

int orgs_ls(const global_options& g) {
  admin_client c(g);
  const json all = c.get_all(api + "/orgs");
  if (g.json) return print_json(all), exit_ok;
  if (items_of(all).empty()) return std::cout << "(no orgs)\n", exit_ok;
  table t({"ID", "NAME"});
  for (const auto& o : items_of(all)) t.add({field(o, "id"), field(o, "name")});
  t.print(std::cout);
  return exit_ok;
}

int orgs_show(const global_options& g, const std::string& org) {
  admin_client c(g);
  json o = c.get(org_path(org));
  if (g.json) {
    // The org with its connection block, as the text form shows it (secrets masked).
    o["connection"] = o.value("connected", false) ? c.get(org_path(org) + "/lever") : json(nullptr);
    return print_json(o), exit_ok;
  }
  print_fields({{"id", field(o, "id")},
                {"name", field(o, "name")},
                {"connected", field(o, "connected")},
                {"created", time_of(o.value("created_at", json()))},
                {"updated", time_of(o.value("updated_at", json()))}});
  if (o.value("connected", false)) {
    const json l = c.get(org_path(org) + "/lever");
    std::cout << "lever connection:\n";
    print_fields({{"api_key", field(l, "api_key")},
                  {"stage_change_signature_token", field(l, "stage_change_signature_token")},
                  {"hired_signature_token", field(l, "hired_signature_token")},
                  {"trigger_stage_ids", field(l, "trigger_stage_ids")},
                  {"perform_as", field(l, "perform_as")},
                  {"hired_archive_reason_id", field(l, "hired_archive_reason_id")},
                  {"export_existing_prospects", field(l, "export_existing_prospects")},
                  {"auto_export_new_prospects", field(l, "auto_export_new_prospects")},
                  {"base_url", field(l, "base_url")}},
                 2);
  }
  return exit_ok;
}

int orgs_create(const global_options& g, const std::string& org, const std::string& name) {
  admin_client c(g);
  const json body = {{"name", name}};
  const reply r = c.call("PUT", org_path(org), {}, &body);
  if (g.json) return print_json(r.body), exit_ok;
  std::cout << (r.status == 201 ? "created" : "updated") << " org " << field(r.body, "id") << " ("
            << field(r.body, "name") << ")\n";
  return exit_ok;
}

// -- connect -------------------------------------------------------------------------------

bool looks_like_stage_id(const std::string& s) {
  if (s.empty()) return false;
  bool marker = false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
    marker = marker || c == '-' || c == '_' || std::isdigit(c);
  }
  return marker;
}

int connect(const global_options& g, const connect_options& o) {
  if (o.trigger_stages.empty()) throw usage_error("connect: give at least one --trigger-stage");
  admin_client c(g);
  const std::string base = org_path(o.org);
  const json current = c.get(base + "/lever");  // 404: unknown org
  const bool connected = current.value("connected", false);
  const bool all_ids = std::all_of(o.trigger_stages.begin(), o.trigger_stages.end(),
                                   [](const std::string& s) { return looks_like_stage_id(s); });

  // 1. Store the connection (the stage list needs the API key in place). A bulk export is
  //    only asked for by the final PUT, so it starts once.
  json body = {
      {"api_key", o.api_key},
      {"stage_change_signature_token", o.stage_token},
      {"hired_signature_token", o.hired_token},
      {"perform_as", o.perform_as_set ? json(o.perform_as) : current.value("perform_as", json())},
      {"hired_archive_reason_id", current.value("hired_archive_reason_id", json())},
      {"export_existing_prospects", false},
      {"auto_export_new_prospects", o.auto_export},
      {"base_url", !o.lever_url_set      ? current.value("base_url", json())
                   : o.lever_url.empty() ? json(nullptr)
                                         : json(o.lever_url)}};
  if (!connected) body["trigger_stage_ids"] = all_ids ? json(o.trigger_stages) : json::array();
  const reply saved = c.call("PUT", base + "/lever", {}, &body);

  // The daemon checked the key with one live Lever call: a refused key is stored all the
  // same, but nothing will work until it is replaced, so say so and fail.
  const json health = saved.body.value("health", json::object());
  const std::string status = health.is_object() ? health.value("status", std::string{}) : "";
  const std::string why = health.is_object() && health.value("error", json()).is_string()
                              ? " (" + health["error"].get<std::string>() + ")"
                              : std::string{};
  if (status == "unauthorized")
    throw failure(exit_daemon_error,
                  "Lever refuses the API key" + why +
                      ".\nThe connection is stored, but no call to Lever will work: create a key "
                      "in Lever (Settings > Integrations and API > API credentials) and run "
                      "`vouchctl connect " +
                      o.org + " --api-key NEW_KEY ...` again.");
  if (status == "forbidden")
    throw failure(exit_daemon_error,
                  "Lever accepts the API key but forbids what vouch needs" + why +
                      ".\nThe connection is stored: give the key the opportunities, stages, "
                      "notes and archive permissions (and confidential access if you use "
                      "confidential postings) in Lever, then run `vouchctl connect` again.");
  if (status == "unreachable")
    std::cerr << "warning: Lever could not be reached to check the key" << why
              << "; the connection is stored and the key will be checked by the next call\n";

  // 2. Resolve names to ids through Lever's live stage list.
  std::vector<std::string> ids;
  json stages;
  try {
    stages = items_of(c.get(base + "/lever/stages"));
  } catch (const api_error& e) {
    if (!all_ids) {
      throw failure(
          exit_daemon_error,
          std::string(e.what()) + "\ncannot resolve stage names without Lever's stage " +
              "list; the connection is stored" +
              (connected ? " with its previous trigger stages" : " without trigger stages"));
    }
    std::cerr << "warning: cannot list Lever stages (" << e.what()
              << "); using the given stage ids unchecked\n";
    stages = json::array();
    ids = o.trigger_stages;
  }
  if (ids.empty()) {
    std::vector<std::string> unknown;
    for (const auto& want : o.trigger_stages) {
      std::vector<std::string> hits;
      for (const auto& s : stages)
        if (str_of(s, "id") == want) hits.push_back(want);
      if (hits.empty())
        for (const auto& s : stages)
          if (lower(trim(str_of(s, "text"))) == lower(trim(want))) hits.push_back(str_of(s, "id"));
      if (hits.empty()) {
        unknown.push_back(want);
      } else if (hits.size() > 1) {
        std::string list;
        for (const auto& h : hits) list += " " + h;
        throw failure(
            exit_daemon_error,
            "stage name \"" + want + "\" is ambiguous in Lever; give one of these ids:" + list);
      } else if (std::find(ids.begin(), ids.end(), hits[0]) == ids.end()) {
        ids.push_back(hits[0]);
      }
    }
    if (!unknown.empty()) {
      std::ostringstream msg;
      msg << "unknown trigger stage";
      for (const auto& u : unknown) msg << " \"" << u << "\"";
      msg << "; the stages in Lever are:\n";
      table t({"ID", "TEXT"});
      for (const auto& s : stages) t.add({field(s, "id"), field(s, "text")});
      t.print(msg, 2);
      msg << "the connection is stored"
          << (connected ? " with its previous trigger stages" : " without trigger stages");
      throw failure(exit_daemon_error, msg.str());
    }
  }

  // 3. The final PUT with the resolved ids (secrets omitted: the stored ones stay).
  json final_body = body;
  final_body.erase("api_key");
  final_body.erase("stage_change_signature_token");
  final_body.erase("hired_signature_token");
  final_body["trigger_stage_ids"] = ids;
  final_body["export_existing_prospects"] = o.export_existing;
  const reply r = c.call("PUT", base + "/lever", {}, &final_body);
  if (g.json) return print_json(r.body), exit_ok;

  std::cout << "org " << o.org << " is connected to Lever\ntrigger stages:\n";
  table t({"ID", "TEXT"});
  for (const auto& id : ids) {
    std::string name = "?";
    for (const auto& s : stages)
      if (str_of(s, "id") == id) name = field(s, "text");
    t.add({id, name});
  }
  t.print(std::cout, 2, false);
  if (o.export_existing) {
    const std::string exp = str_of(r.body, "export_id");
    if (exp.empty())
      std::cout << "a bulk export of the org's stored prospects was asked for\n";
    else
      std::cout << "bulk export " << exp << " of the org's stored prospects started; follow it "
                << "with `vouchctl export show " << exp << " --watch`\n";
  }
  try {
    const json urls = c.get(base + "/webhook-urls");
    std::cout << "set these webhooks in Lever (Settings > Integrations > Webhooks):\n";
    print_fields({{"stage change", field(urls, "stage_change")}, {"hired", field(urls, "hired")}},
                 2);
  } catch (const failure&) {
    std::cout << "see `vouchctl webhook-urls " << o.org << "` for the Lever webhook URLs\n";
  }
  return exit_ok;
}

int webhook_urls(const global_options& g, const std::string& org) {
  admin_client c(g);
  const json urls = c.get(org_path(org) + "/webhook-urls");
  if (g.json) return print_json(urls), exit_ok;
  print_fields({{"stage_change", field(urls, "stage_change")}, {"hired", field(urls, "hired")}});
  return exit_ok;
}

// -- templates -----------------------------------------------------------------------------

int templates_ls(const global_options& g, const std::string& org) {
  admin_client c(g);
  const json all = c.get_all(org_path(org) + "/templates");
  if (g.json) return print_json(all), exit_ok;
  if (items_of(all).empty()) return std::cout << "(no templates)\n", exit_ok;
  table t({"ID", "NAME", "ATS_TAG", "PRIORITY", "DEFAULT"});
  for (const auto& x : items_of(all))
    t.add({field(x, "id"), field(x, "name"), field(x, "ats_tag"), field(x, "priority"),
           field(x, "is_default")});
  t.print(std::cout);
  return exit_ok;
}

int templates_show(const global_options& g, const std::string& org, const std::string& id) {
  admin_client c(g);
  const json x = c.get(org_path(org) + "/templates/" + seg(id));
  if (g.json) return print_json(x), exit_ok;
  const json req = x.value("request", json::object());
  const json hm = x.value("hiring_manager", json::object());
  const json notes = x.value("notifications", json::object());
  print_fields({{"id", field(x, "id")},
                {"name", field(x, "name")},
                {"ats_tag", field(x, "ats_tag")},
                {"priority", field(x, "priority")},
                {"default", field(x, "is_default")},
                {"description", field(x, "description")},
                {"position", field(req, "position")},
                {"survey_id", field(req, "survey_id")},
                {"hiring manager", person(hm, false)}});
  std::cout << "references:\n";
  table refs({"RELATIONSHIP", "COUNT", "NOTE"});
  for (const auto& r : req.value("references", json::array()))
    refs.add({field(r, "relationship"), field(r, "count"), field(r, "note")});
  if (refs.empty())
    std::cout << "  (none)\n";
  else
    refs.print(std::cout, 2);
  std::cout << "notifications:\n";
  print_fields({{"email_subject", field(notes, "email_subject")},
                {"email_body", field(notes, "email_body")},
                {"sms_text", field(notes, "sms_text")}},
               2);
  return exit_ok;
}

int templates_apply(const global_options& g, const std::string& org, const std::string& file) {
  std::string text_body;
  if (file == "-") {  // from stdin: `generate | vouchctl templates apply ORG -`
    text_body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw usage_error("cannot read " + file);
    text_body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const json doc = json::parse(text_body, nullptr, false);
  if (doc.is_discarded()) throw usage_error(file + ": not valid JSON");
  std::vector<json> list;
  if (doc.is_array())
    list.assign(doc.begin(), doc.end());
  else
    list.push_back(doc);
  if (list.empty()) throw usage_error(file + ": holds no template");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& t = list[i];
    if (!t.is_object())
      throw usage_error(file + ": template " + std::to_string(i) + " is not a JSON object");
    if (t.contains("id") && !(t["id"].is_string() && !t["id"].get<std::string>().empty()))
      throw usage_error(file + ": template " + std::to_string(i) +
                        " has an \"id\" that is not a non-empty string");
  }

  admin_client c(g);
  json answers = json::array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& t = list[i];
    const bool update = t.contains("id");
    try {
      const reply r =
          update ? c.call("PUT", org_path(org) + "/templates/" + seg(t["id"].get<std::string>()),
                          {}, &t)
                 : c.call("POST", org_path(org) + "/templates", {}, &t);
      answers.push_back(r.body);
      if (!g.json)
        std::cout << (update ? "updated " : "created ") << field(r.body, "id") << "  "
                  << field(r.body, "name") << '\n';
    } catch (const api_error& e) {
      // Say which template failed; the ones before it are applied.
      throw api_error(
          e.status(), e.error_code(),
          "template " + std::to_string(i) +
              (update ? " (" + t["id"].get<std::string>() + ")" : std::string()) + ": " +
              e.message() +
              (i > 0 ? " (the " + std::to_string(i) + " before it were applied)" : std::string()));
    }
  }
  if (g.json) print_json(doc.is_array() ? answers : answers[0]);
  return exit_ok;
}

int templates_rm(const global_options& g, const std::string& org, const std::string& id) {
  admin_client c(g);
  const reply r = c.call("DELETE", org_path(org) + "/templates/" + seg(id));
  if (g.json) return print_json(r.body), exit_ok;
  std::cout << "deleted " << id << '\n';
  return exit_ok;
}

int templates_match(const global_options& g, const std::string& org, const std::string& posting,
                    const std::string& tags_arg) {
  admin_client c(g);
  const std::string base = org_path(org);
  try {
    const json m = c.get(base + "/templates/match",
                         posting.empty() ? query{{"tags", tags_arg}} : query{{"posting", posting}});
    if (g.json) return print_json(m), exit_ok;
    json tpl = m.value("template", json());
    std::string id = str_of(m, "template_id");
    if (id.empty()) id = str_of(tpl, "id");
    if (id.empty()) id = str_of(m, "id");
    std::string why = str_of(m, "why");
    if (why.empty()) why = str_of(m, "reason");
    print_fields({{"template", id.empty() ? "none" : id + "  " + field(tpl, "name")},
                  {"why", why.empty() ? "-" : why}});
    return exit_ok;
  } catch (const api_error& e) {
    if (e.status() != 404) throw;  // 404: no match route in this vouchd (or no such org)
  }

  // Computed here, with the engine's own rule (core::choose_template), from the template list.
  const json list = c.get_all(base + "/templates");  // 404 here: the org is unknown
  std::vector<std::string> tags;
  std::string source;
  if (!posting.empty()) {
    const json cands = c.get_all(base + "/candidates");
    bool found = false;
    for (const auto& cand : items_of(cands)) {
      const json p = cand.value("posting", json::object());
      if (str_of(p, "id") != posting || !p.contains("tags") || !p["tags"].is_array()) continue;
      for (const auto& t : p["tags"])
        if (t.is_string()) tags.push_back(t.get<std::string>());
      source = "tags of posting " + posting + " as stored for candidate " +
               str_of(cand, "opportunity_id");
      found = true;
      break;
    }
    if (!found)
      throw failure(exit_daemon_error,
                    "this vouchd has no template-match route, and no candidate of org " + org +
                        " is on posting " + posting +
                        ", so its tags are unknown here; pass --tags instead");
  } else {
    std::stringstream ss(tags_arg);
    std::string t;
    while (std::getline(ss, t, ','))
      if (!trim(t).empty()) tags.push_back(trim(t));
    source = "tags given with --tags";
  }

  std::vector<core::template_ref> refs;
  const json& items = items_of(list);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json& x = items[i];
    core::template_ref r;
    r.id = str_of(x, "id");
    r.ats_tag = str_of(x, "ats_tag");
    r.priority =
        x.value("priority", json(0)).is_number_integer() ? x["priority"].get<int64_t>() : 0;
    r.is_default = x.value("is_default", json(false)).is_boolean() && x["is_default"].get<bool>();
    r.created_seq = i;  // the list comes oldest first
    refs.push_back(std::move(r));
  }
  const core::template_choice choice = core::choose_template(tags, refs);
  json chosen = nullptr;
  if (choice.id)
    for (const auto& x : items)
      if (str_of(x, "id") == *choice.id) chosen = x;
  const std::string how = "computed by vouchctl from the org's " + std::to_string(items.size()) +
                          " templates (this vouchd has no /templates/match route)";
  if (g.json) {
    print_json({{"template", chosen},
                {"template_id", choice.id ? json(*choice.id) : json(nullptr)},
                {"why", choice.why},
                {"tags", tags},
                {"computed_by", "vouchctl"}});
    return exit_ok;
  }
  std::string tag_text;
  for (const auto& t : tags) tag_text += (tag_text.empty() ? "" : ", ") + t;
  print_fields({{"template", choice.id ? *choice.id + "  " + field(chosen, "name")
                                       : "none (a candidate would go to needs_attention: "
                                         "no_template)"},
                {"why", choice.why},
                {"tags", (tag_text.empty() ? "(none)" : tag_text) + "  (" + source + ")"},
                {"how", how}});
  return exit_ok;
}

// -- candidates ------------------------------------------------------------------------------

int candidates_ls(const global_options& g, const std::string& org, const std::string& state) {
  admin_client c(g);
  query q;
  if (!state.empty()) q.emplace_back("state", state);
  const json all = c.get_all(org_path(org) + "/candidates", q);
  if (g.json) return print_json(all), exit_ok;
  if (items_of(all).empty()) return std::cout << "(no candidates)\n", exit_ok;
  table t({"OPPORTUNITY", "STATE", "HIRED", "NAME", "POSTING", "TEMPLATE", "UPDATED", "REASON"});
  for (const auto& x : items_of(all)) {
    const json p = x.value("posting", json::object());
    t.add({field(x, "opportunity_id"), field(x, "state"), field(x, "hired"), field(x, "name"),
           field(p, "title"), field(x, "template_id"), time_of(x.value("updated_at", json())),
           field(x, "reason")});
  }
  t.print(std::cout);
  return exit_ok;
}

int candidates_show(const global_options& g, const std::string& org, const std::string& opp) {
  admin_client c(g);
  const json x = c.get(org_path(org) + "/candidates/" + seg(opp));
  if (g.json) return print_json(x), exit_ok;
  const json owner = x.value("owner", json::object());
  const json posting = x.value("posting", json::object());
  std::string hired = field(x, "hired");
  if (x.value("hired_at", json()).is_number()) hired += " (" + time_of(x["hired_at"]) + ")";
  print_fields({{"org", field(x, "org")},
                {"opportunity", field(x, "opportunity_id")},
                {"name", field(x, "name")},
                {"email", field(x, "email")},
                {"state", field(x, "state")},
                {"reason", field(x, "reason")},
                {"hired", hired},
                {"posting", field(posting, "title") + " (" + field(posting, "id") +
                                ")  tags: " + field(posting, "tags")},
                {"owner", person(owner, true)},
                {"template", field(x, "template_id")},
                {"request", field(x, "request_id")},
                {"report", field(x, "report_url")},
                {"created", time_of(x.value("created_at", json()))},
                {"updated", time_of(x.value("updated_at", json()))}});

  std::cout << "\nhistory:\n";
  table h({"SEQ", "TIME", "EVENT", "FROM → TO", "DETAIL"});
  for (const auto& e : x.value("history", json::array()))
    h.add({field(e, "seq"), time_of(e.value("at", json())), field(e, "event"),
           field(e, "from") + " → " + field(e, "to"), field(e, "detail")});
  if (h.empty())
    std::cout << "  (none)\n";
  else
    h.print(std::cout, 2);

  std::cout << "\npending timers:\n";
  table t({"KIND", "DUE"});
  for (const auto& e : x.value("timers", json::array()))
    t.add({field(e, "kind"), time_of(e.value("due", json()))});
  if (t.empty())
    std::cout << "  (none)\n";
  else
    t.print(std::cout, 2);

  std::cout << "\ncommands:\n";
  table cm({"ID", "KIND", "STATUS", "ATTEMPTS", "NEXT", "LAST_ERROR"});
  for (const auto& e : x.value("commands", json::array()))
    cm.add({field(e, "id"), field(e, "kind"), field(e, "status"), field(e, "attempts"),
            time_of(e.value("next_at", json())), field(e, "last_error")});
  if (cm.empty())
    std::cout << "  (none)\n";
  else
    cm.print(std::cout, 2);

  // Each command's failed tries (the newest ten), so a command that failed ten times reads
  // as ten lines rather than one last_error.
  for (const auto& e : x.value("commands", json::array())) {
    const json tries = e.value("recent_attempts", json::array());
    if (tries.empty()) continue;
    std::cout << "\nattempts of command " << field(e, "id") << " (" << field(e, "kind")
              << "), oldest first:\n";
    table at({"AT", "HTTP", "OUTCOME", "ERROR"});
    for (const auto& t : tries)
      at.add({time_of(t.value("at", json())), field(t, "http_status"), field(t, "outcome"),
              field(t, "error")});
    at.print(std::cout, 2);
  }
  return exit_ok;
}

int candidates_action(const global_options& g, const std::string& org, const std::string& opp,
                      const std::string& action) {
  admin_client c(g);
  const json body = json::object();
  const reply r =
      c.call("POST", org_path(org) + "/candidates/" + seg(opp) + "/" + action, {}, &body);
  if (g.json) return print_json(r.body), exit_ok;
  std::cout << action << " accepted for " << org << "/" << opp
            << "; follow it with `vouchctl candidates show " << org << " " << opp << "`\n";
  return exit_ok;
}

// -- outbox ------------------------------------------------------------------------------------

int outbox_ls(const global_options& g, bool dead) {
  admin_client c(g);
  const json all = c.get_all(api + "/outbox", {{"status", dead ? "dead" : "pending"}});
  if (g.json) return print_json(all), exit_ok;
  if (items_of(all).empty())
    return std::cout << (dead ? "(no dead commands)\n" : "(no pending commands)\n"), exit_ok;
  table t({"ID", "ORG", "OPPORTUNITY", "KIND", "STATUS", "ATTEMPTS", "NEXT", "LAST_ERROR"});
  for (const auto& x : items_of(all))
    t.add({field(x, "id"), field(x, "org"), field(x, "opportunity_id"), field(x, "kind"),
           field(x, "status"), field(x, "attempts"), time_of(x.value("next_at", json())),
           field(x, "last_error")});
  t.print(std::cout);
  return exit_ok;
}

int outbox_retry_all(const global_options& g, const std::string& org, const std::string& kind) {
  admin_client c(g);
  json body = json::object();
  if (!org.empty()) body["org"] = org;
  if (!kind.empty()) body["kind"] = kind;
  const reply r = c.call("POST", api + "/outbox/retry", {}, &body);
  if (g.json) return print_json(r.body), exit_ok;
  const auto retried = r.body.value("retried", 0);
  std::cout << retried << " dead command(s) requeued";
  if (!org.empty() || !kind.empty())
    std::cout << " (" << (org.empty() ? "" : "org " + org)
              << (org.empty() || kind.empty() ? "" : ", ") << (kind.empty() ? "" : "kind " + kind)
              << ")";
  std::cout << "\n";
  const json failed = r.body.value("failed", json::array());
  for (const auto& f : failed)
    std::cerr << "not requeued: command " << field(f, "id") << ": " << field(f, "error") << "\n";
  return failed.empty() ? exit_ok : exit_daemon_error;
}

int orgs_health(const global_options& g, const std::string& org) {
  admin_client c(g);
  const json h = c.get(org_path(org) + "/health");
  if (g.json) return print_json(h), exit_ok;
  const json lever = h.value("lever", json::object());
  const std::string status = lever.value("status", std::string("unknown"));
  const std::string breaker = h.value("breaker", std::string("closed"));
  const json hooks = h.value("webhooks", json::object());
  auto refused_lately = [&](const char* kind) {
    const json w = hooks.value(kind, json::object());
    const json bad = w.value("rejected_last_at", json());
    const json good = w.value("last_at", json());
    return bad.is_number() && (!good.is_number() || bad.get<int64_t>() > good.get<int64_t>());
  };
  const json rc = h.value("reconcile", json::object());
  const bool pass_failed = rc.value("last_pass_ok", json()) == json(false);
  const json last_found = rc.value("last_found", json());
  // The newest webhook accepted of either kind (null: none since vouchd started).
  json last_hook;
  for (const char* kind : {"stage_change", "hired"}) {
    const json at = hooks.value(kind, json::object()).value("last_at", json());
    if (at.is_number() && (!last_hook.is_number() || at.get<int64_t>() > last_hook.get<int64_t>()))
      last_hook = at;
  }
  // Catch-up found changes after the newest webhook: deliveries are getting lost.
  const json found_at = rc.value("last_found_at", json());
  const bool found_after_last_hook =
      found_at.is_number() &&
      (!last_hook.is_number() || found_at.get<int64_t>() > last_hook.get<int64_t>());
  auto since_last_hook = [&]() -> std::string {
    if (!last_hook.is_number()) return "no webhook since vouchd started";
    const int64_t age_s = (now_ms() - last_hook.get<int64_t>()) / 1000;
    if (age_s >= 86400) return "no webhook for " + std::to_string(age_s / 86400) + " days";
    if (age_s >= 3600) return "no webhook for " + std::to_string(age_s / 3600) + " hours";
    if (age_s >= 120) return "the last webhook came " + std::to_string(age_s / 60) + " minutes ago";
    return "the last webhook came " + std::to_string(age_s) + " s ago";
  };
  std::string verdict = "healthy";
  if (!h.value("connected", false))
    verdict = "not connected to Lever: connect it with `vouchctl connect " + org + " ...`";
  else if (status == "unauthorized")
    verdict = "Lever refuses the API key: paste a new one with `vouchctl connect " + org +
              " --api-key NEW_KEY ...`";
  else if (status == "forbidden")
    verdict = "Lever forbids what vouch needs with this key: give it the permissions it lacks";
  else if (breaker != "closed")
    verdict = "Lever calls for this org are failing: its breaker is " + breaker +
              " and commands wait until Lever answers again (nothing is lost)";
  else if (status == "unreachable")
    verdict = "Lever did not answer the last call; it will be tried again";
  else if (refused_lately("stage_change") || refused_lately("hired"))
    verdict =
        "webhooks are refused for a wrong signature: copy the signature tokens from "
        "Lever's webhook settings into `vouchctl connect " +
        org + " ...`";
  else if (pass_failed)
    verdict = "catch-up for missed webhooks is failing (" +
              rc.value("last_error", json("unknown error")).get<std::string>() +
              "); it is tried again on the next pass";
  else if (found_after_last_hook)
    verdict = since_last_hook() + " although catch-up found " +
              text(rc.value("found_total", json(0))) +
              " change(s) they missed: check the webhook URLs and tokens in Lever";
  std::cout << org << ": " << verdict << "\n";
  table t({"WHAT", "STATE", "SINCE", "DETAIL"});
  t.add({"lever key", status, time_of(lever.value("checked_at", json())),
         lever.value("error", json()).is_string() ? lever["error"].get<std::string>() : ""});
  t.add({"breaker", breaker, "", ""});
  for (const char* kind : {"stage_change", "hired"}) {
    const json w = hooks.value(kind, json::object());
    t.add({std::string("webhook ") + kind, "last accepted", time_of(w.value("last_at", json())),
           "last refused " + time_of(w.value("rejected_last_at", json()))});
  }
  t.add({"catch-up",
         rc.value("last_pass_ok", json()) == json(true)    ? "ok"
         : rc.value("last_pass_ok", json()) == json(false) ? "failing"
                                                           : "no pass yet",
         time_of(rc.value("last_pass_at", json())),
         "found " + text(rc.value("found_total", json(0))) + " in all, " +
             text(last_found.is_null() ? json(0) : last_found) + " last pass; cursor " +
             time_of(rc.value("cursor", json()))});
  t.print(std::cout);
  return exit_ok;
}

int orgs_reconcile(const global_options& g, const std::string& org) {
  admin_client c(g);
  const json body = json::object();
  const reply r = c.call("POST", org_path(org) + "/reconcile", {}, &body);
  if (g.json) return print_json(r.body), exit_ok;
  std::cout << org
            << ": catch-up pass queued; `vouchctl orgs health " + org + "` shows what it found\n";
  return exit_ok;
}

int outbox_retry(const global_options& g, const std::string& id) {
  admin_client c(g);
  const json body = json::object();
  const reply r = c.call("POST", api + "/outbox/" + seg(id) + "/retry", {}, &body);
  if (g.json) return print_json(r.body), exit_ok;
  std::cout << "command " << id << " requeued\n";
  return exit_ok;
}

int backup(const global_options& g, const std::string& file) {
  admin_client c(g);
  const std::string path = std::filesystem::absolute(file).lexically_normal().string();
  const json body = {{"path", path}};
  const reply r = c.call("POST", api + "/backup", {}, &body, std::chrono::hours(1));
  if (g.json) return print_json(r.body), exit_ok;
  const double mb = r.body.value("bytes", 0.0) / 1e6;
  std::cout << "backup: " << r.body.value("path", path) << " (" << std::fixed
            << std::setprecision(1) << mb << " MB in " << r.body.value("seconds", 0.0) << " s)\n";
  if (r.body.contains("master_key") && r.body["master_key"].is_string())
    std::cout << "master key: " << r.body["master_key"].get<std::string>()
              << " (keep it with the backup: it unseals the stored Lever keys)\n";
  if (r.body.contains("note") && r.body["note"].is_string())
    std::cout << "note: " << r.body["note"].get<std::string>() << "\n";
  return exit_ok;
}

int export_ls(const global_options& g, const std::string& org) {
  admin_client c(g);
  const json all = c.get_all(org_path(org) + "/exports");
  if (g.json) return print_json(all), exit_ok;
  if (items_of(all).empty()) return std::cout << "(no exports)\n", exit_ok;
  table t({"ID", "STATE", "TOTAL", "DONE", "SKIPPED", "FAILED", "STARTED"});
  for (const auto& x : items_of(all))
    t.add({field(x, "id"), field(x, "state"), field(x, "total"), field(x, "done"),
           field(x, "skipped"), field(x, "failed"), time_of(x.value("created_at", json()))});
  t.print(std::cout);
  return exit_ok;
}

int export_cancel(const global_options& g, const std::string& id) {
  admin_client c(g);
  const json body = json::object();
  const reply r = c.call("POST", api + "/exports/" + seg(id) + "/cancel", {}, &body);
  if (g.json) return print_json(r.body), exit_ok;
  std::cout << "export " << id
            << ": cancelled; prospects it had not exported yet stay queued for the next "
               "export (`vouchctl export show "
            << id << "` shows where it stopped)\n";
  return exit_ok;
}

}  // namespace vouch::ctl
