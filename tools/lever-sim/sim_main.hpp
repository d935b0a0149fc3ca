// The end of a simulator's main(), shared by lever-sim and platform-sim: start the server,
// say where it listens, serve until SIGINT/SIGTERM, stop cleanly.
#pragma once

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>

#include "net/http_client.hpp"

namespace vouch::sim {

/// Builds `Server` from `opts` and serves until a stop signal; prints
/// "<name> listening on <(server.*url)()>" once ready. Returns main()'s exit code.
template <class Server, class Options>
int serve_until_stopped(const char* name, Options opts, std::string (Server::*url)() const) {
  // Block the stop signals before any thread starts, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  net::http_client::global_init();

  Server sim(std::move(opts));
  std::string err;
  if (!sim.start(err)) {
    std::cerr << name << ": " << err << "\n";
    return 1;
  }
  std::printf("%s listening on %s\n", name, (sim.*url)().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  sim.stop();
  return 0;
}

}  // namespace vouch::sim
