#include "actors/simulator/timeline_plot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace eventbed {

namespace {

// A gnuplot double-quoted string literal.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

int run_gnuplot(const std::string& script) {
  std::vector<char*> argv = {const_cast<char*>("gnuplot"), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv.data(), environ) != 0)
    return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string plot_script(const nlohmann::json& report, const std::string& data, const std::string& png) {
  std::ostringstream s;
  s << "set terminal png size 1200,500\n"
    << "set output " << quoted(png) << "\n"
    << "set title " << quoted("eventbed simulator run " + report.value("run_id", std::string())) << "\n"
    << "set datafile missing '?'\n"
    << "set xlabel 'seconds since start'\nset ylabel 'events/s'\nset y2label 'ingest p99 (ms)'\n"
    << "set ytics nomirror\nset y2tics\nset xrange [0:*]\nset yrange [0:*]\nset y2range [0:*]\n"
    << "set offsets 0, 0, graph 0.15, 0\nset key top left\nset grid\n";
  int n = 1;
  for (const auto& w : report["windows"]) {
    bool functional = w.value("reason", std::string()) == "functional";
    s << "set object " << n++ << " rect from " << w["start_offset"].get<double>() << ", graph 0 to "
      << w["end_offset"].get<double>() << ", graph 1 fc rgb " << (functional ? "'#d62728'" : "'#ff7f0e'")
      << " fs transparent solid 0.2 noborder behind\n";
  }
  s << "plot " << quoted(data) << " using 1:2 with histeps lw 2 title 'target rate', "
    << "'' using 1:3 with histeps lw 2 title 'accepted rate', "
    << "'' using 1:4 axes x1y2 with histeps title 'ingest p99 (ms)'\n";
  return s.str();
}

}  // namespace

bool gnuplot_available() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && access((dir + "/gnuplot").c_str(), X_OK) == 0)
      return true;
  return false;
}

std::string render_timeline_plot(const nlohmann::json& report, const std::string& png_path) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / "eventbed-plot-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    return "cannot create a temporary directory";
  fs::path dir(pattern);
  std::string data = (dir / "timeline.dat").string();
  std::string script = (dir / "timeline.gp").string();
  {
    std::ofstream out(data);
    double half = report["timeline"].value("bin_seconds", 1.0) / 2;
    for (const auto& b : report["timeline"]["bins"]) {
      out << b["t"].get<double>() + half << ' ' << b["target_rate"].get<double>() << ' '
          << b["accepted_rate"].get<double>() << ' ';
      if (b["p99"].is_number())
        out << b["p99"].get<double>() * 1000;
      else
        out << '?';
      out << '\n';
    }
    std::ofstream(script) << plot_script(report, data, png_path);
  }
  int rc = run_gnuplot(script);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  if (rc != 0)
    return rc < 0 ? "cannot run gnuplot" : "gnuplot exited with " + std::to_string(rc);
  return "";
}

}  // namespace eventbed
