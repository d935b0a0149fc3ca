// lever-sim: a Lever Data API v1 simulator (tools/lever-sim/README.md) for tests and the demo.
// Prints "lever-sim listening on http://HOST:PORT/v1" once ready; runs until SIGINT/SIGTERM.
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "tools/lever-sim/lever_sim.hpp"
#include "tools/lever-sim/sim_main.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lever-sim: simulated Lever Data API v1 with a /_sim/ control API"};
  std::string listen = "127.0.0.1:9200";
  double rate = 10, burst = 20;
  bool no_rate_limit = false, demo = false;
  unsigned threads = 4;
  std::vector<std::string> keys;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: ephemeral)")
      ->capture_default_str();
  app.add_option("--rate", rate, "token bucket refill, requests per second per key")
      ->capture_default_str();
  app.add_option("--burst", burst, "token bucket capacity per key")->capture_default_str();
  app.add_flag("--no-rate-limit", no_rate_limit, "never answer 429");
  app.add_option("--key", keys, "API key to accept; KEY:confidential may see confidential data");
  app.add_flag("--demo", demo, "also accept the API key demo-key");
  app.add_option("--threads", threads, "io threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  vouch::lever_sim::options opts;
  if (!vouch::core::parse_host_port(listen, opts.host, opts.port)) {
    std::cerr << "lever-sim: --listen: expected HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  opts.rate_per_s = rate;
  opts.burst = burst;
  opts.rate_limit = !no_rate_limit;
  opts.threads = threads;
  for (const auto& k : keys) {
    const std::string suffix = ":confidential";
    bool conf =
        k.size() > suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0;
    opts.keys.emplace_back(conf ? k.substr(0, k.size() - suffix.size()) : k, conf);
  }
  if (demo) opts.keys.emplace_back("demo-key", false);

  return vouch::sim::serve_until_stopped("lever-sim", std::move(opts),
                                         &vouch::lever_sim::server::base_url);
}
