// The admin API (docs/reference.md#admin-api) on the admin listener: orgs, Lever
// connections, templates, candidates, the outbox and system figures, plus the web console
// page (GET /admin/) and the Prometheus metrics (GET /metrics).
//
// Every /admin/v1 route needs `Authorization: Bearer <security.admin_token>`; an empty
// configured token refuses everything. The console page and /metrics need no token: the page
// holds no data (it asks for the token and calls the API with it), and Prometheus scrapers
// usually carry no credentials on a loopback admin port. Keep the admin listener off public
// interfaces (the default is 127.0.0.1:8081).
//
// Answers are JSON; errors are {"error": {"code", "message"}} with the codes
//   unauthorized (401), bad_request (400: the message names the field), not_found (404),
//   method_not_allowed (405), conflict (409), not_connected (409), lever_error (502),
//   unavailable (503: storage full or engine stopping; retry later),
//   not_implemented (501).
// Lists take ?limit= (1..500, default 100) and ?cursor= (opaque, from next_cursor) and
// answer {"items": [...], "next_cursor": "..." | null}.
//
// Writes are read-modify-write of an org record (template ids come from the org's
// sequence), so admin writes run one at a time: each waits for the previous one's commit.
// They commit through engine_port::commit and are answered only after the commit; the
// org directory is reloaded before the answer, so a webhook that follows sees the change.
#pragma once

#include <memory>

#include "actors/engine_context.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace vouch::engine {

class admin_api {
 public:
  // -- constructors ----------------------------------------------------------------------

  /// `ctx` and `http` must outlive every request handed to handle(), including answers
  /// still waiting for a commit or a Lever call. Starts the thread that samples the
  /// engine's figures every 10 s for GET /admin/v1/system/history (engine/admin/history.cpp);
  /// the destructor stops it and waits for it.
  admin_api(actors::engine_context& ctx, net::http_client& http);
  ~admin_api();
  admin_api(const admin_api&) = delete;
  admin_api& operator=(const admin_api&) = delete;

  // -- request handling ----------------------------------------------------------------

  /// Answers one request on the admin listener. Returns quickly: reads are answered at
  /// once, writes after their commit, Lever stage lists from the HTTP client's callback.
  void handle(net::http_request&& req, net::responder respond);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;  ///< shared with callbacks still in flight
};

}  // namespace vouch::engine
