#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>
#include <stdexcept>

namespace vouch::core {

namespace {

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

cipher_ctx new_ctx() {
  cipher_ctx ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  return ctx;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// OpenSSL's update functions take int lengths; our records are far smaller, but
// refuse rather than truncate silently.
int checked_len(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw std::length_error("input too large for EVP");
  return static_cast<int>(n);
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view msg) {
  // OpenSSL 3 keeps the one-shot HMAC() undeprecated (only HMAC_CTX_* is deprecated).
  std::string out(32, '\0');
  unsigned int len = 0;
  // HMAC() with a null key pointer and length 0 is allowed, but give it a
  // valid pointer anyway: an empty string_view may carry nullptr.
  static const unsigned char empty = 0;
  const unsigned char* k = key.empty() ? &empty : bytes(key);
  if (HMAC(EVP_sha256(), k, checked_len(key.size()), bytes(msg), msg.size(), bytes(out), &len) ==
          nullptr ||
      len != 32) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return out;
}

std::string fingerprint(std::string_view secret) {
  static constexpr char digits[] = "0123456789abcdef";
  const std::string mac = hmac_sha256("vouch fingerprint v1", secret);
  std::string out;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto b = static_cast<unsigned char>(mac[i]);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(bytes(out), checked_len(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string aes_gcm_seal(std::string_view key32, std::string_view plaintext, std::string_view aad) {
  if (key32.size() != 32) throw std::invalid_argument("aes_gcm_seal: key must be 32 bytes");
  const std::string iv = random_bytes(gcm_iv_size);
  auto ctx = new_ctx();
  std::string out;
  out.resize(gcm_iv_size + plaintext.size() + gcm_tag_size);
  out.replace(0, gcm_iv_size, iv);
  int len = 0;
  unsigned char* ct = bytes(out) + gcm_iv_size;
  bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, gcm_iv_size, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key32), bytes(iv)) == 1;
  if (ok && !aad.empty()) {
    ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), checked_len(aad.size())) == 1;
  }
  int written = 0;
  if (ok && !plaintext.empty()) {
    ok = EVP_EncryptUpdate(ctx.get(), ct, &len, bytes(plaintext), checked_len(plaintext.size())) ==
         1;
    written = len;
  }
  if (ok) {
    ok = EVP_EncryptFinal_ex(ctx.get(), ct + written, &len) == 1;
    written += len;
  }
  if (ok) {
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, gcm_tag_size,
                             bytes(out) + gcm_iv_size + plaintext.size()) == 1;
  }
  if (!ok || static_cast<std::size_t>(written) != plaintext.size()) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> aes_gcm_open(std::string_view key32, std::string_view sealed,
                                        std::string_view aad) {
  if (key32.size() != 32 || sealed.size() < gcm_iv_size + gcm_tag_size) return std::nullopt;
  const std::string_view iv = sealed.substr(0, gcm_iv_size);
  const std::string_view ct =
      sealed.substr(gcm_iv_size, sealed.size() - gcm_iv_size - gcm_tag_size);
  std::string tag(sealed.substr(sealed.size() - gcm_tag_size));
  auto ctx = new_ctx();
  std::string out(ct.size(), '\0');
  int len = 0;
  int written = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, gcm_iv_size, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key32), bytes(iv)) == 1;
  if (ok && !aad.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), checked_len(aad.size())) == 1;
  }
  if (ok && !ct.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), bytes(out), &len, bytes(ct), checked_len(ct.size())) == 1;
    written = len;
  }
  if (ok) {
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, gcm_tag_size, bytes(tag)) == 1;
  }
  // Final verifies the tag; it fails on any change to iv, ciphertext, tag or aad.
  if (ok) ok = EVP_DecryptFinal_ex(ctx.get(), bytes(out) + written, &len) == 1;
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace vouch::core
