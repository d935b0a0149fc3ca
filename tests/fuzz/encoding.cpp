// The byte encodings of core/encoding.hpp (signatures, secrets, hire tokens, list cursors).
// - Each strict decoder accepts only canonical text: what decodes re-encodes to the same
//   text (hex: up to letter case; base64url: up to its tolerated padding).
// - Any bytes encode to text that decodes back to them.
// - html_escape leaves no markup character and unescapes to the input.
// - parse_decimal accepts only 1-18 plain digits, and gives their value.
#include <string>

#include "core/encoding.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string unescape_html(std::string_view s) {
  static const std::pair<std::string_view, char> entities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    bool replaced = false;
    for (const auto& [entity, c] : entities) {
      if (s.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = as_text(data, size);
  std::string out;

  if (hex_decode(in, out)) FUZZ_CHECK(hex_lower(out) == lower(in));
  FUZZ_CHECK(hex_decode(hex_lower(in), out) && out == in);

  if (base64_decode(in, out)) FUZZ_CHECK(base64_encode(out) == in);
  FUZZ_CHECK(base64_decode(base64_encode(in), out) && out == in);

  if (base64url_decode(in, out)) {
    std::string_view unpadded = in;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    FUZZ_CHECK(base64url_encode(out) == unpadded);
  }
  FUZZ_CHECK(base64url_decode(base64url_encode(in), out) && out == in);

  const std::string escaped = html_escape(in);
  FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos);
  FUZZ_CHECK(unescape_html(escaped) == in);

  int64_t n = -1;
  if (parse_decimal(in, n)) {
    FUZZ_CHECK(!in.empty() && in.size() <= 18 && n >= 0);
    FUZZ_CHECK(in.find_first_not_of("0123456789") == std::string_view::npos);
    std::string_view digits = in;
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    FUZZ_CHECK(std::to_string(n) == digits);
  }
  return 0;
}
