#include "tools/platform-sim/report_page.hpp"

#include "core/encoding.hpp"

namespace vouch::platform_sim {

namespace {

std::string field(const json& obj, const char* a, const char* b) {
  if (!obj.is_object() || !obj.contains(a) || !obj[a].is_object()) return "";
  const json& inner = obj[a];
  return inner.contains(b) && inner[b].is_string() ? inner[b].get<std::string>() : "";
}

}  // namespace

std::string report_page_html(const std::string& request_id, const reference_request* r) {
  std::string head = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Reference report " +
                     core::html_escape(request_id) +
                     "</title><style>body{font-family:sans-serif;max-width:40em;margin:3em auto}"
                     "td{padding:.2em 1em .2em 0}</style></head><body>";
  if (!r) {
    return head + "<h1>Report not found</h1><p>No reference request " +
           core::html_escape(request_id) + " on this platform-sim.</p></body></html>";
  }
  std::string name = field(r->body, "candidate", "name");
  std::string posting = field(r->body, "posting", "title");
  std::string status = r->expired ? "expired" : (r->completed ? "completed" : "in progress");
  return head + "<h1>Reference report</h1><table>" + "<tr><td>Request</td><td>" +
         core::html_escape(r->request_id) + "</td></tr>" + "<tr><td>Organisation</td><td>" +
         core::html_escape(r->org) + "</td></tr>" + "<tr><td>Opportunity</td><td>" +
         core::html_escape(r->opportunity_id) + "</td></tr>" + "<tr><td>Candidate</td><td>" +
         core::html_escape(name) + "</td></tr>" + "<tr><td>Posting</td><td>" +
         core::html_escape(posting) + "</td></tr>" + "<tr><td>Status</td><td>" + status +
         "</td></tr></table>" +
         "<p>Simulated by platform-sim: two referees answered; both would hire again.</p>" +
         "</body></html>";
}

}  // namespace vouch::platform_sim
