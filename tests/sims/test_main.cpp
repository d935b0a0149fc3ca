// test_sims: lever-sim and platform-sim run in-process on ephemeral ports.
#define BOOST_TEST_MODULE sims
#include <boost/test/unit_test.hpp>

#include "net/http_client.hpp"

namespace {
// libcurl wants its global init once, before any thread starts.
struct curl_init {
  curl_init() { vouch::net::http_client::global_init(); }
};
}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(curl_init);
