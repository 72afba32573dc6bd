#include "common/prometheus_text.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace eventbed::metrics {

namespace {

const char* kind_name(kind k) {
  switch (k) {
    case kind::counter: return "counter";
    case kind::gauge: return "gauge";
    case kind::histogram: return "histogram";
  }
  return "untyped";
}

void write_labels(std::string& out, const labels& l, std::string_view le = {}) {
  if (l.empty() && le.empty())
    return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : l) {
    if (!first) out += ',';
    out += name;
    out += "=\"";
    out += escape_label(value);
    out += '"';
    first = false;
  }
  if (!le.empty()) {
    if (!first) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

void write_line(std::string& out, std::string_view name, std::string_view suffix, const labels& l,
                double value, std::string_view le = {}) {
  out += name;
  out += suffix;
  write_labels(out, l, le);
  out += ' ';
  out += format_number(value);
  out += '\n';
}

}  // namespace

void write_family(std::string& out, std::string_view name, kind k, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += kind_name(k);
  out += '\n';
}

void write_sample(std::string& out, std::string_view name, const labels& l, double value) {
  write_line(out, name, "", l, value);
}

void write_histogram(std::string& out, std::string_view name, const labels& l,
                     const std::vector<double>& bounds, const std::vector<uint64_t>& cumulative,
                     double sum) {
  assert(cumulative.size() == bounds.size() + 1);
  for (size_t i = 0; i < bounds.size(); ++i)
    write_line(out, name, "_bucket", l, double(cumulative[i]), format_number(bounds[i]));
  write_line(out, name, "_bucket", l, double(cumulative.back()), "+Inf");
  write_line(out, name, "_sum", l, sum);
  write_line(out, name, "_count", l, double(cumulative.back()));
}

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_number(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // 15 digits print every bucket bound and every count below 10^15 as people
  // write them (0.1, not 0.10000000000000001); 17 always read back exactly.
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v)
    std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace eventbed::metrics
