#include "core/bytes.hpp"

#include <stdexcept>

namespace vouch::core {

namespace {

void put_be(std::string& buf, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) buf += static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_be(std::string_view s, std::size_t width) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const uint64_t b = i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
    v = (v << 8) | b;
  }
  return v;
}

}  // namespace

// -- byte_writer ---------------------------------------------------------------

void byte_writer::u8(uint8_t v) {
  buf_ += static_cast<char>(v);
}

void byte_writer::u32(uint32_t v) {
  put_be(buf_, v, 4);
}

void byte_writer::u64(uint64_t v) {
  put_be(buf_, v, 8);
}

void byte_writer::i64(int64_t v) {
  u64(static_cast<uint64_t>(v));
}

void byte_writer::boolean(bool v) {
  u8(v ? 1 : 0);
}

void byte_writer::str(std::string_view v) {
  if (v.size() > UINT32_MAX) throw std::length_error("byte_writer::str: string above 4 GiB");
  u32(static_cast<uint32_t>(v.size()));
  buf_.append(v);
}

void byte_writer::strs(const std::vector<std::string>& v) {
  if (v.size() > UINT32_MAX) throw std::length_error("byte_writer::strs: too many strings");
  u32(static_cast<uint32_t>(v.size()));
  for (const auto& s : v) str(s);
}

std::string byte_writer::take() {
  std::string out = std::move(buf_);
  buf_.clear();
  return out;
}

// -- byte_reader ---------------------------------------------------------------

bool byte_reader::take(std::size_t n, std::string_view& out) {
  if (failed_ || in_.size() - pos_ < n) {
    failed_ = true;
    return false;
  }
  out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool byte_reader::u8(uint8_t& v) {
  std::string_view b;
  if (!take(1, b)) return false;
  v = static_cast<uint8_t>(b[0]);
  return true;
}

bool byte_reader::u32(uint32_t& v) {
  std::string_view b;
  if (!take(4, b)) return false;
  v = static_cast<uint32_t>(get_be(b, 4));
  return true;
}

bool byte_reader::u64(uint64_t& v) {
  std::string_view b;
  if (!take(8, b)) return false;
  v = get_be(b, 8);
  return true;
}

bool byte_reader::i64(int64_t& v) {
  uint64_t u = 0;
  if (!u64(u)) return false;
  v = static_cast<int64_t>(u);
  return true;
}

bool byte_reader::boolean(bool& v) {
  uint8_t b = 0;
  if (!u8(b)) return false;
  // Anything but 0/1 means the record is corrupt or misread; say so early.
  if (b > 1) {
    failed_ = true;
    return false;
  }
  v = b == 1;
  return true;
}

bool byte_reader::str(std::string& v) {
  uint32_t n = 0;
  std::string_view b;
  if (!u32(n) || !take(n, b)) return false;
  v.assign(b);
  return true;
}

bool byte_reader::strs(std::vector<std::string>& v) {
  uint32_t n = 0;
  if (!u32(n)) return false;
  // Each string needs at least its 4-byte length: a count larger than that
  // is corrupt, and checking first avoids a huge reserve() from bad data.
  if (n > remaining() / 4) {
    failed_ = true;
    return false;
  }
  std::vector<std::string> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string s;
    if (!str(s)) return false;
    out.push_back(std::move(s));
  }
  v = std::move(out);
  return true;
}

// -- keys ----------------------------------------------------------------------

std::string be64(uint64_t v) {
  std::string out;
  out.reserve(8);
  put_be(out, v, 8);
  return out;
}

uint64_t from_be64(std::string_view s) {
  return get_be(s, 8);
}

}  // namespace vouch::core
