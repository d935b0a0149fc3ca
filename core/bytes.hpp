// A small binary codec for storage records (LMDB values and keys).
//
// Format: fixed-width integers in big-endian, strings as a u32 byte length
// followed by the bytes, string lists as a u32 count followed by strings.
// No tags and no versioning here: records put a version byte first themselves.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::core {

/// Appends values to an internal buffer.
class byte_writer {
 public:
  // -- modifiers -------------------------------------------------------------

  void u8(uint8_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v);   ///< Two's complement, as u64.
  void boolean(bool v);  ///< One byte, 0 or 1.
  /// u32 length + bytes. Throws std::length_error above 4 GiB (never expected).
  void str(std::string_view v);
  void strs(const std::vector<std::string>& v);

  // -- observers -------------------------------------------------------------

  const std::string& data() const { return buf_; }

  /// Moves the buffer out; the writer is empty afterwards.
  std::string take();

 private:
  std::string buf_;
};

/// Reads values in the order they were written. Each getter returns false if
/// the input is too short (or a boolean byte is not 0/1); from then on the
/// reader stays failed and every getter returns false, so a sequence of reads
/// can be checked once at the end: `ok = r.u8(a) && r.str(b) && r.at_end()`.
/// The reader views the input; keep it alive while reading.
class byte_reader {
 public:
  // -- constructors ----------------------------------------------------------

  explicit byte_reader(std::string_view in) : in_(in) {}

  // -- getters ---------------------------------------------------------------

  bool u8(uint8_t& v);
  bool u32(uint32_t& v);
  bool u64(uint64_t& v);
  bool i64(int64_t& v);
  bool boolean(bool& v);
  bool str(std::string& v);
  bool strs(std::vector<std::string>& v);

  // -- observers -------------------------------------------------------------

  /// True when all input was consumed without failure.
  bool at_end() const { return !failed_ && pos_ == in_.size(); }
  bool failed() const { return failed_; }
  std::size_t remaining() const { return failed_ ? 0 : in_.size() - pos_; }

 private:
  // Returns the next n bytes, or fails the reader.
  bool take(std::size_t n, std::string_view& out);

  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

/// 8-byte big-endian encoding; byte order equals numeric order, so these keys
/// sort correctly under LMDB's default (memcmp) comparator.
std::string be64(uint64_t v);

/// Decodes the first 8 bytes of `s` as big-endian. Bytes missing from a short
/// input count as zero (callers validate key lengths first).
uint64_t from_be64(std::string_view s);

}  // namespace vouch::core
