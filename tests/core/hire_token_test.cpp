#include "core/hire_token.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;

namespace {
const std::string key = hire_token_key(std::string(32, 'm'));
constexpr int64_t expires = 1764000000000;

bool is(hire_token_verdict got, hire_token_verdict want) {
  return got == want;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(hire_token)

BOOST_AUTO_TEST_CASE(a_genuine_token_names_org_and_opportunity_until_it_expires) {
  auto tok = make_hire_token(key, "acme", "opp-1", expires);
  hire_token_claims c;
  BOOST_TEST(is(check_hire_token(key, tok, expires - 1, c), hire_token_verdict::ok));
  BOOST_TEST(c.org == "acme");
  BOOST_TEST(c.opp == "opp-1");
  BOOST_TEST(c.expires_ms == expires);
  BOOST_TEST(is(check_hire_token(key, tok, expires + 1, c), hire_token_verdict::expired));
}

BOOST_AUTO_TEST_CASE(changing_any_character_of_a_token_makes_it_tampered) {
  auto tok = make_hire_token(key, "acme", "opp-1", expires);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < tok.size(); ++i) {
    if (tok[i] == '.') continue;
    auto bad = tok;
    bad[i] = alphabet[(alphabet.find(tok[i]) + 1) % alphabet.size()];
    hire_token_claims c;
    BOOST_TEST(is(check_hire_token(key, bad, 0, c), hire_token_verdict::tampered), "at " << i);
  }
}

BOOST_AUTO_TEST_CASE(garbage_and_tokens_of_another_key_are_tampered_even_when_expired) {
  hire_token_claims c;
  for (const char* bad : {"", ".", "not-a-token", "abc.def", "a.b.c"})
    BOOST_TEST(is(check_hire_token(key, bad, 0, c), hire_token_verdict::tampered), bad);
  auto other = make_hire_token(hire_token_key(std::string(32, 'x')), "acme", "opp-1", 1);
  BOOST_TEST(is(check_hire_token(key, other, expires, c), hire_token_verdict::tampered));
}

BOOST_AUTO_TEST_SUITE_END()
