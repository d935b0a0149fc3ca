// Errors as values, one type for every layer (storage, codecs, config, admin validation,
// client calls): a code a caller can act on, and a message a person can read (which
// field, which key, what was seen). No layer throws across an actor or thread boundary;
// where a library throws (nlohmann::json, toml++), the caller turns it into an `error`
// before returning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace vouch::core {

enum class errc : uint8_t {
  ok,           ///< no error
  invalid,      ///< malformed or out-of-range input: fix the input, do not retry
  not_found,    ///< no such record
  conflict,     ///< taken meanwhile (a delivery key, a state that moved on)
  full,         ///< storage is full: retry after the operator makes room
  io,           ///< storage or transport failed: retry later
  corrupt,      ///< stored bytes that do not decode: never read as absent
  unavailable,  ///< shutting down or not running: retry later
};

const char* to_string(errc c);

/// True when retrying the same thing later may succeed.
constexpr bool retryable(errc c) {
  return c == errc::full || c == errc::io || c == errc::unavailable;
}

struct error_info {
  errc code = errc::ok;
  std::string message;
};

/// Success or an error, without a value.
class status {
 public:
  status() = default;
  status(errc code, std::string message) : err_{code, std::move(message)} {}
  explicit status(error_info e) : err_(std::move(e)) {}
  bool ok() const { return err_.code == errc::ok; }
  errc code() const { return err_.code; }
  const std::string& message() const { return err_.message; }
  const core::error_info& error() const { return err_; }

 private:
  core::error_info err_;
};

/// A value or the error that kept it from being made. Reads like std::optional (bool,
/// `*`, `->`, has_value) so a caller that only asks "is it there" stays short, and one
/// that must tell "corrupt" from "absent" asks `code()`.
template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like optional
  result(errc code, std::string message) : err_{code, std::move(message)} {}
  result(core::error_info e) : err_(std::move(e)) {}  // NOLINT

  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  errc code() const { return has_value() ? errc::ok : err_.code; }
  const core::error_info& error() const { return err_; }
  /// The value as an optional, for callers that only keep "there or not".
  std::optional<T> take() && { return std::move(value_); }
  operator std::optional<T>() && { return std::move(value_); }  // NOLINT

 private:
  std::optional<T> value_;
  core::error_info err_;
};

}  // namespace vouch::core
