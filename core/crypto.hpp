// Thin, value-returning wrappers over OpenSSL libcrypto.
//
// Keys, messages and results are byte strings in std::string. Nothing here
// throws on bad input; failures of the OpenSSL library itself (out of memory,
// broken RNG) are reported as std::runtime_error because no caller can recover.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vouch::core {

/// HMAC-SHA256; returns the 32 raw digest bytes.
std::string hmac_sha256(std::string_view key, std::string_view msg);

/// Compares in time that depends only on the lengths. Different lengths return
/// false without looking at the contents (lengths of MACs are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

/// A short public name of a secret (8 lowercase hex characters of a keyed SHA-256), for logs,
/// metrics labels and breaker names: tells two keys apart without revealing either.
std::string fingerprint(std::string_view secret);

/// `n` bytes from the OpenSSL CSPRNG.
std::string random_bytes(std::size_t n);

/// Size of the parts of a sealed box: iv || ciphertext || tag.
inline constexpr std::size_t gcm_iv_size = 12;
inline constexpr std::size_t gcm_tag_size = 16;

/// AES-256-GCM with a fresh random 12-byte IV. Returns iv + ciphertext + tag.
/// `key32` must be exactly 32 bytes (std::invalid_argument otherwise): a wrong
/// key size is a programming error, not a data error.
std::string aes_gcm_seal(std::string_view key32, std::string_view plaintext, std::string_view aad);

/// Opens what aes_gcm_seal produced. nullopt if the input is too short, the key
/// is not 32 bytes, or the iv, ciphertext, tag or aad was altered.
std::optional<std::string> aes_gcm_open(std::string_view key32, std::string_view sealed,
                                        std::string_view aad);

}  // namespace vouch::core
