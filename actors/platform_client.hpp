// Runs one platform command: a Standard Webhooks–signed POST whose webhook-id and
// Idempotency-Key are the command's idempotency key, identical on every retry.
#pragma once

#include <chrono>
#include <string>

#include "actors/call_outcome.hpp"
#include "core/records.hpp"
#include "net/http_client.hpp"

namespace vouch::actors {

class platform_client {
 public:
  platform_client(net::http_client& http, std::string base_url, std::string key,
                  std::chrono::milliseconds timeout)
      : http_(http), base_url_(std::move(base_url)), key_(std::move(key)), timeout_(timeout) {}

  call_outcome run(const core::command& cmd);

 private:
  net::http_client& http_;
  std::string base_url_, key_;
  std::chrono::milliseconds timeout_;
};

}  // namespace vouch::actors
