// platform-sim: a reference-check platform simulator (the other side of
// docs/reference.md#calls-to-the-platform and #platform-events) for tests and the demo.
// Prints "platform-sim listening on http://HOST:PORT" once ready; runs until SIGINT/SIGTERM.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "tools/lever-sim/sim_main.hpp"
#include "tools/platform-sim/platform_sim.hpp"

int main(int argc, char** argv) {
  CLI::App app{"platform-sim: simulated reference-check platform with a /_sim/ control API"};
  std::string listen = "127.0.0.1:9100", auto_complete;
  vouch::platform_sim::options opts;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: ephemeral)")
      ->capture_default_str();
  app.add_option("--secret", opts.secret, "shared Standard Webhooks secret, whsec_<base64>")
      ->required();
  app.add_option("--vouchd-url", opts.vouchd_url,
                 "vouchd public URL; events go to <url>/platform/v1/events");
  app.add_option("--auto-complete-after", auto_complete,
                 "complete each new reference request after this long (5s, 500ms, 2m)");
  app.add_option("--threads", opts.threads, "io threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!vouch::core::parse_host_port(listen, opts.host, opts.port)) {
    std::cerr << "platform-sim: --listen: expected HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  if (!auto_complete.empty() &&
      !vouch::core::parse_duration(auto_complete, opts.auto_complete_after)) {
    std::cerr << "platform-sim: --auto-complete-after: cannot read '" << auto_complete << "'\n";
    return 2;
  }

  return vouch::sim::serve_until_stopped("platform-sim", std::move(opts),
                                         &vouch::platform_sim::server::url);
}
