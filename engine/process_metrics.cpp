#include "engine/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "actors/metrics.hpp"

namespace vouch::engine {

namespace {

/// Fields of /proc/self/stat after the command name (which may hold spaces and parens).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) return out;
  std::istringstream rest(line.substr(close + 2));
  for (std::string f; rest >> f;) out.push_back(f);
  return out;  // out[0] is field 3 (state)
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
    std::string skip;
    std::getline(in, skip);
  }
  return 0;
}

double open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 0;
  double n = 0;
  while (const dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the descriptor opendir itself holds
}

void family(std::ostringstream& out, const char* name, const char* type, const char* help,
            double v) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << actors::format_metric_value(v) << '\n';
}

}  // namespace

std::string render_process_metrics() {
  const auto f = stat_fields();
  // Fields 14, 15 (utime, stime in ticks), 22 (starttime, ticks after boot), 23 (vsize,
  // bytes), 24 (rss, pages); out[i] is field i + 3.
  if (f.size() < 22) return {};
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  std::ostringstream out;
  family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.",
         (std::stod(f[11]) + std::stod(f[12])) / tick);
  family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
         std::stod(f[21]) * page);
  family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
         std::stod(f[20]));
  family(out, "process_start_time_seconds", "gauge",
         "Start time of the process since unix epoch in seconds.",
         boot_time_seconds() + std::stod(f[19]) / tick);
  family(out, "process_open_fds", "gauge", "Number of open file descriptors.", open_fds());
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(rl.rlim_cur));
  return out.str();
}

}  // namespace vouch::engine
