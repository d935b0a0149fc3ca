#include "core/logfmt.hpp"

#include <spdlog/fmt/fmt.h>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace vouch::core;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(logfmt)

BOOST_AUTO_TEST_CASE(a_line_becomes_one_object_with_the_same_fields) {
  const auto out = logfmt_to_json("2026-11-30T15:04:05.123Z", "warn",
                                  "msg=retry command=12 org=acme error=\"timed out\"");
  const auto j = json::parse(out);
  BOOST_TEST(j.dump() == json({{"ts", "2026-11-30T15:04:05.123Z"},
                               {"level", "warn"},
                               {"msg", "retry"},
                               {"command", "12"},
                               {"org", "acme"},
                               {"error", "timed out"}})
                             .dump());
  // Field order is the line's order: ts and level first, then msg.
  BOOST_TEST(out.rfind("{\"ts\":", 0) == 0);
  BOOST_TEST(out.find("\"msg\"") < out.find("\"command\""));
}

BOOST_AUTO_TEST_CASE(quoted_values_round_trip_through_fmts_debug_format) {
  // What the call sites write: error={:?}. Whatever the text, the JSON gives it back.
  const std::string nasty[] = {"",
                               "plain",
                               "two words",
                               "quote \" and backslash \\",
                               "new\nline\tand\rcarriage",
                               "key=value inside",
                               "ünïcödé and emoji 🎉",
                               std::string("nul\0byte", 8),
                               "\x01\x1f control"};
  for (const auto& s : nasty) {
    const auto line = fmt::format("msg=x error={:?} after=1", s);
    const auto j = json::parse(logfmt_to_json("t", "info", line));
    BOOST_TEST(j.at("error").get<std::string>() == s, "line: " << line);
    BOOST_TEST(j.at("after").get<std::string>() == "1", "line: " << line);
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_still_gives_valid_json) {
  const std::string bad = "caf\xe9 \xff\xfe end";
  for (const auto& line : {fmt::format("msg=x error={:?}", bad), "msg=x raw=" + bad}) {
    const auto out = logfmt_to_json("t", "info", line);
    BOOST_CHECK_NO_THROW(json::parse(out));
  }
}

BOOST_AUTO_TEST_CASE(nothing_on_the_line_is_lost) {
  // Words without '=', a repeated key and keys that would clash with ts/level/text all
  // land in "text" rather than being dropped or producing duplicate keys.
  const auto j = json::parse(logfmt_to_json(
      "t", "info", "vouchd starting msg=start msg=again ts=x level=y text=z \"quoted words\""));
  BOOST_TEST(j.at("msg").get<std::string>() == "start");
  BOOST_TEST(j.at("ts").get<std::string>() == "t");
  BOOST_TEST(j.at("level").get<std::string>() == "info");
  BOOST_TEST(j.at("text").get<std::string>() ==
             "vouchd starting msg=again ts=x level=y text=z quoted words");
}

BOOST_AUTO_TEST_CASE(unterminated_quotes_and_odd_escapes_do_not_break_the_object) {
  for (const char* line :
       {"msg=x error=\"never closed", "msg=x error=\"bad \\q escape\"", "msg=x error=\"\\x{zz}\"",
        "msg=x error=\"\\u{110000}\"", "=", "= =", "msg=", "\"", "\\"}) {
    const auto out = logfmt_to_json("t", "info", line);
    BOOST_CHECK_NO_THROW(json::parse(out));
  }
  const auto j = json::parse(logfmt_to_json("t", "info", "msg=x error=\"never closed"));
  BOOST_TEST(j.at("error").get<std::string>() == "never closed");
}

BOOST_AUTO_TEST_CASE(json_quote_escapes_controls_and_keeps_utf8) {
  BOOST_TEST(json_quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
  BOOST_TEST(json_quote("é") == "\"é\"");
  BOOST_TEST(json_quote("\xff") == "\"\\u00ff\"");
}

BOOST_AUTO_TEST_SUITE_END()
