#include "engine/hire_pages.hpp"

#include "core/encoding.hpp"

namespace vouch::engine {

using core::html_escape;

namespace {

std::string page(const std::string& title, const std::string& body) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" +
         html_escape(title) +
         "</title><style>"
         "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 "
         "1rem;color:#222}"
         "button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #246;"
         "background:#2a5fa8;color:#fff;cursor:pointer}.muted{color:#666}"
         "</style></head><body><h1>" +
         html_escape(title) + "</h1>" + body + "</body></html>";
}

std::string who(const core::candidate_record& c) {
  std::string name = c.name.empty() ? c.opp : c.name;
  std::string posting = c.posting_title.empty() ? "the position" : c.posting_title;
  return "<strong>" + html_escape(name) + "</strong> for <strong>" + html_escape(posting) +
         "</strong>";
}

std::string answer_text(const std::string& a) {
  return a == "hired" ? "hired" : "not hired";
}

}  // namespace

std::string confirm_page(const core::candidate_record& c, const std::string& answer) {
  std::string body = "<p>Hire decision for " + who(c) + ".</p>";
  auto button = [](const std::string& a) {
    return "<form method=\"post\"><input type=\"hidden\" name=\"answer\" value=\"" + a +
           "\"><button type=\"submit\">Confirm: " + answer_text(a) + "</button></form>";
  };
  if (answer == "hired" || answer == "not_hired") {
    body += "<p>Please confirm that the candidate was <strong>" + answer_text(answer) +
            "</strong>. Nothing is recorded until you press the button.</p>" + button(answer);
  } else {
    body += "<p>Was the candidate hired? Nothing is recorded until you press a button.</p>" +
            button("hired") + "<p></p>" + button("not_hired");
  }
  return page("Confirm hire decision", body);
}

std::string state_page(const core::candidate_record& c, const std::string& note) {
  std::string state;
  switch (c.state) {
    case core::cand_state::hired:
      state = "hired";
      break;
    case core::cand_state::not_hired:
      state = "not hired";
      break;
    default:
      state = core::to_string(c.state);
      break;
  }
  std::string body = "<p>" + who(c) + ": <strong>" + html_escape(state) + "</strong>.</p>";
  if (!note.empty()) body += "<p class=\"muted\">" + html_escape(note) + "</p>";
  return page("Hire decision", body);
}

std::string problem_page(const std::string& title, const std::string& text) {
  return page(title, "<p>" + html_escape(text) + "</p>");
}

}  // namespace vouch::engine
