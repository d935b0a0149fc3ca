#pragma once
// A throwaway self-signed certificate for 127.0.0.1, made with OpenSSL at test time, so the
// TLS tests need no openssl binary and no fixture files that expire.
#include <string>

namespace vouch::testing {

struct pem_pair {
  std::string cert, key;
};

/// A P-256 key and a certificate valid for an hour, subject and SAN IP 127.0.0.1, marked as
/// a CA so that a client may trust it as its own anchor.
pem_pair self_signed_loopback_cert();

}  // namespace vouch::testing
