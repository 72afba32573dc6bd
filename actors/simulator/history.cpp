#include "actors/simulator/history.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace eventbed {

namespace {

constexpr double day = 86400;
constexpr double week = 7 * day;
constexpr double first_monday = 4 * day;  // 1970-01-05 00:00 UTC

// A label value in the text format: backslash, quote and newline escaped.
std::string escaped(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

void write_history(const history_options& o, std::ostream& out) {
  if (!(o.length > 0))
    throw std::invalid_argument("--history must be > 0");
  if (!(o.step >= 1) || o.step > o.length)
    throw std::invalid_argument("--history-step must be at least 1 s and at most --history");
  const double start = o.end - o.length;
  // The period the shape repeats with, and where on the calendar it starts.
  double period = o.length, origin = start;
  if (o.load.shape == load_shape::weekly) {
    period = week;
    origin = first_monday;
  } else if (o.load.shape == load_shape::diurnal) {
    period = day;
    origin = 0;
  }
  auto params = o.load;
  params.duration = period;
  const auto schedule = load_schedule::make(params);
  const double per_period = schedule.expected(period);
  // Events since `origin`, through every whole period and into the current one.
  auto since_origin = [&](double t) {
    double u = t - origin;
    double periods = std::floor(u / period);
    return periods * per_period + schedule.expected(u - periods * period);
  };
  const double base = since_origin(start);

  std::string labels;
  for (const auto& [name, value] : o.labels)
    labels += (labels.empty() ? "" : ",") + name + "=\"" + escaped(value) + "\"";
  if (!labels.empty())
    labels = "{" + labels + "}";
  out << "# TYPE eventbed_events_ingested counter\n";
  const auto samples = static_cast<long long>(std::floor(o.length / o.step));
  char line[128];
  for (long long i = 0; i <= samples; ++i) {
    double t = start + static_cast<double>(i) * o.step;
    std::snprintf(line, sizeof line, " %.0f %.3f\n", std::floor(since_origin(t) - base), t);
    out << "eventbed_events_ingested_total" << labels << line;
  }
  out << "# EOF\n";
}

std::string parse_history_label(const std::string& text, std::pair<std::string, std::string>* label) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return "--history-label " + text + ": expected NAME=VALUE";
  std::string name = text.substr(0, eq);
  bool ok = name.rfind("__", 0) != 0 && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok)
    return "--history-label " + text + ": '" + name + "' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*)";
  *label = {name, text.substr(eq + 1)};
  return "";
}

}  // namespace eventbed
