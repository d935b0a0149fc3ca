#include "core/logfmt.hpp"

#include <cstdint>
#include <vector>

namespace vouch::core {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Reads a quoted value starting at line[i] == '"'; i ends after the closing quote (or at
/// the end of the line if it never closes: the rest is the value).
std::string read_quoted(std::string_view line, std::size_t& i) {
  std::string out;
  ++i;
  while (i < line.size() && line[i] != '"') {
    const char c = line[i++];
    if (c != '\\' || i >= line.size()) {
      out += c;
      continue;
    }
    const char e = line[i++];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x':
      case 'u': {
        uint32_t cp = 0;
        int digits = 0;
        if (i < line.size() && line[i] == '{') {  // \x{..} / \u{..}
          std::size_t j = i + 1;
          while (j < line.size() && hex_value(line[j]) >= 0 && digits < 6)
            cp = cp * 16 + static_cast<uint32_t>(hex_value(line[j++])), ++digits;
          if (digits == 0 || j >= line.size() || line[j] != '}') {
            out += '\\';
            out += e;
            break;
          }
          i = j + 1;
        } else {  // \xHH
          while (i < line.size() && digits < 2 && hex_value(line[i]) >= 0)
            cp = cp * 16 + static_cast<uint32_t>(hex_value(line[i++])), ++digits;
          if (digits == 0) {
            out += '\\';
            out += e;
            break;
          }
        }
        // \x is a raw byte (fmt writes invalid UTF-8 that way), \u a code point.
        if (e == 'x' && cp < 0x100)
          out += static_cast<char>(cp);
        else
          append_utf8(out, cp > 0x10FFFF ? 0xFFFD : cp);
        break;
      }
      default:
        out += '\\';
        out += e;
    }
  }
  if (i < line.size()) ++i;  // the closing quote
  return out;
}

/// Length of a valid UTF-8 sequence at s[i], or 0 if the byte there does not start one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xE  ? 3
                  : (b >> 3) == 0x1E ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  return n;
}

}  // namespace

std::string json_quote(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
      ++i;
    } else if (b == '\n') {
      out += "\\n", ++i;
    } else if (b == '\r') {
      out += "\\r", ++i;
    } else if (b == '\t') {
      out += "\\t", ++i;
    } else if (b < 0x20 || b == 0x7F) {
      out += "\\u00";
      out += hex[b >> 4];
      out += hex[b & 0xF];
      ++i;
    } else if (const auto n = utf8_length(text, i); n > 0) {
      out.append(text.substr(i, n));
      i += n;
    } else {  // a byte that is not UTF-8: keep its value, visibly
      out += "\\u00";
      out += hex[b >> 4];
      out += hex[b & 0xF];
      ++i;
    }
  }
  out += '"';
  return out;
}

std::string logfmt_to_json(std::string_view ts, std::string_view level, std::string_view line) {
  std::string out = "{\"ts\":" + json_quote(ts) + ",\"level\":" + json_quote(level);
  std::vector<std::string> keys = {"ts", "level"};
  std::string text;
  auto add_text = [&](std::string_view word) {
    if (!text.empty()) text += ' ';
    text.append(word);
  };
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    // A key: letters, digits, _ . - up to '='.
    std::size_t k = i;
    while (k < line.size() && line[k] != '=' && line[k] != ' ' && line[k] != '"') ++k;
    if (k == i || k >= line.size() || line[k] != '=') {
      // Not key=value: a plain word (or a stray quoted string), kept in "text".
      if (line[i] == '"') {
        add_text(read_quoted(line, i));
      } else {
        while (i < line.size() && line[i] != ' ') ++i;
        add_text(line.substr(start, i - start));
      }
      continue;
    }
    const std::string key(line.substr(i, k - i));
    i = k + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      value = read_quoted(line, i);
    } else {
      const std::size_t v = i;
      while (i < line.size() && line[i] != ' ') ++i;
      value = std::string(line.substr(v, i - v));
    }
    bool seen = key == "text";
    for (const auto& x : keys) seen = seen || x == key;
    if (seen) {
      add_text(line.substr(start, i - start));
      continue;
    }
    keys.push_back(key);
    out += ',' + json_quote(key) + ':' + json_quote(value);
  }
  if (!text.empty()) out += ",\"text\":" + json_quote(text);
  out += '}';
  return out;
}

}  // namespace vouch::core
