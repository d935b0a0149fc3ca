// The standard process_* metrics (as Prometheus' own clients export them) read from /proc:
// CPU seconds, resident and virtual memory, open and maximum file descriptors, start time.
#pragma once

#include <string>

namespace vouch::engine {

/// The process_* families in Prometheus text, HELP and TYPE included ("" off Linux).
std::string render_process_metrics();

}  // namespace vouch::engine
