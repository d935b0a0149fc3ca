// Tells systemd (Type=notify units) that vouchd is ready or stopping, by the documented
// datagram to $NOTIFY_SOCKET: a dozen lines instead of a libsystemd dependency.
#pragma once

namespace vouch::engine {

/// Sends `state` ("READY=1", "STOPPING=1", ...) when $NOTIFY_SOCKET is set; does nothing
/// otherwise (not run by systemd) and never fails the caller.
void notify_systemd(const char* state);

}  // namespace vouch::engine
