// Byte <-> text encodings used by signatures, secrets and storage keys.
//
// All decoders are strict: they reject anything that is not canonical for the
// format (wrong alphabet, bad padding, odd hex length) and leave `out` in an
// unspecified state when they return false. Callers must not use `out` then.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vouch::core {

/// Lowercase hexadecimal, two characters per byte.
std::string hex_lower(std::string_view bytes);

/// Accepts upper- or lowercase hex of even length; false on any other character.
bool hex_decode(std::string_view hex, std::string& out);

/// RFC 4648 §4 base64 with the standard alphabet and `=` padding.
std::string base64_encode(std::string_view bytes);

/// Strict: standard alphabet only, length a multiple of 4, padding only at the
/// end, and unused trailing bits must be zero. No whitespace is skipped.
bool base64_decode(std::string_view text, std::string& out);

/// RFC 4648 §5 base64url (`-` and `_`) without padding.
std::string base64url_encode(std::string_view bytes);

/// Accepts base64url without padding; also tolerates correct trailing `=`
/// padding because some producers emit it. Rejects the standard `+` and `/`.
bool base64url_decode(std::string_view text, std::string& out);

/// Plain decimal digits, no sign, at most 18 of them (so the value fits in int64).
bool parse_decimal(std::string_view digits, int64_t& out);

/// Text for an HTML page: & < > " ' become entities, everything else stays as it is.
std::string html_escape(std::string_view text);

}  // namespace vouch::core
