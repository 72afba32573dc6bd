#include "common/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace eventbed::metrics {

namespace {

struct proc_stat {
  double cpu_seconds = 0;
  long threads = 0;
  double start_time = 0;
  double rss_bytes = 0;
  double vsize_bytes = 0;
};

double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

// Fields of /proc/self/stat after the command name (which may contain spaces).
proc_stat read_stat() {
  proc_stat st;
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return st;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string tok; rest >> tok;)
    f.push_back(tok);
  // f[0] is field 3 (state); utime=14, stime=15, num_threads=20, starttime=22, vsize=23, rss=24.
  if (f.size() < 22)
    return st;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  st.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  st.threads = std::stol(f[17]);
  static const double btime = boot_time();
  st.start_time = btime + std::stod(f[19]) / ticks;
  st.vsize_bytes = std::stod(f[20]);
  st.rss_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return st;
}

long open_fds() {
  std::error_code ec;
  long n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

void line(std::string& out, const char* name, kind k, const char* help, double v) {
  write_family(out, name, k, help);
  write_sample(out, name, {}, v);
}

}  // namespace

void register_process_collector(registry& r) {
  r.add_collector([](std::string& out) {
    auto st = read_stat();
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    line(out, "process_cpu_seconds_total", kind::counter, "User and system CPU time spent in seconds.",
         st.cpu_seconds);
    line(out, "process_resident_memory_bytes", kind::gauge, "Resident memory size in bytes.",
         st.rss_bytes);
    line(out, "process_virtual_memory_bytes", kind::gauge, "Virtual memory size in bytes.",
         st.vsize_bytes);
    line(out, "process_open_fds", kind::gauge, "Number of open file descriptors.",
         static_cast<double>(open_fds()));
    line(out, "process_max_fds", kind::gauge, "Maximum number of open file descriptors.",
         static_cast<double>(lim.rlim_cur));
    line(out, "process_start_time_seconds", kind::gauge,
         "Start time of the process since unix epoch in seconds.", st.start_time);
    line(out, "eventbed_process_threads", kind::gauge, "Threads of the process.",
         static_cast<double>(st.threads));
  });
}

}  // namespace eventbed::metrics
