#include "core/status.hpp"

namespace vouch::core {

const char* to_string(errc c) {
  switch (c) {
    case errc::ok:
      return "ok";
    case errc::invalid:
      return "invalid";
    case errc::not_found:
      return "not_found";
    case errc::conflict:
      return "conflict";
    case errc::full:
      return "full";
    case errc::io:
      return "io";
    case errc::corrupt:
      return "corrupt";
    case errc::unavailable:
      return "unavailable";
  }
  return "unknown";
}

}  // namespace vouch::core
