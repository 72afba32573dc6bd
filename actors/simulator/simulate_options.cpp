#include "actors/simulator/simulate_options.hpp"

#include <cctype>
#include <stdexcept>

#include "actors/simulator/slo.hpp"
#include "actors/simulator/widget_workload.hpp"

namespace eventbed {

namespace {

bool is_http_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

bool valid_name(const std::string& s) {
  if (s.empty())
    return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

// "[NAME=]URL" -> {NAME or fallback, URL}; an error message if malformed.
std::string split_target(const std::string& flag, const std::string& value, const std::string& fallback,
                         named_url& out) {
  if (is_http_url(value)) {
    out = {fallback, value};
  } else {
    auto eq = value.find('=');
    if (eq == std::string::npos)
      return flag + " " + value + ": expected " + (fallback.empty() ? "NAME=URL" : "[NAME=]URL") +
             " with an http:// or https:// URL";
    out = {value.substr(0, eq), value.substr(eq + 1)};
  }
  if (out.name.empty())
    return flag + " " + value + ": a NAME= is required";
  if (!valid_name(out.name))
    return flag + " " + value + ": NAME may use letters, digits, '-', '_' and '.'";
  if (!is_http_url(out.url))
    return flag + " " + value + ": the URL must start with http:// or https://";
  return "";
}

std::string strip_suffix(std::string s, const std::string& suffix) {
  while (!s.empty() && s.back() == '/')
    s.pop_back();
  if (s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
    s.erase(s.size() - suffix.size());
  return s;
}

// RFC 9110 token characters.
bool valid_header_name(const std::string& s) {
  for (unsigned char c : s)
    if (!std::isalnum(c) && std::string("!#$%&'*+-.^_`|~").find(c) == std::string::npos)
      return false;
  return true;
}

std::string check_values(const simulate_options& o) {
  if (o.batch < 1 || o.batch > 1000)
    return "--batch must be within [1, 1000]";
  if (o.concurrency < 1 || o.query_concurrency < 1)
    return "--concurrency and --query-concurrency must be >= 1";
  if (o.timeout <= 0 || o.probe_timeout <= 0 || o.probe_period <= 0)
    return "--timeout, --probe-timeout and --probe-period must be > 0";
  if (o.deadline <= 0 || o.grace < 0)
    return "--deadline must be > 0 and --grace >= 0";
  if (o.max_backlog < 1)
    return "--max-backlog must be >= 1";
  if (o.report_every < 0 || (o.report_every > 0 && o.report_every < 0.1))
    return "--report-every must be 0 (off) or at least 100ms";
  for (const auto& h : o.headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0 || !valid_header_name(h.substr(0, colon)) ||
        h.find_first_of("\r\n") != std::string::npos)
      return "--header expects 'Name: value' with a token name and no line breaks";
  }
  for (unsigned char c : o.run_id)
    if (!std::isalnum(c))
      return "--run-id may only use letters and digits";
  if (o.run_id.size() > 64 || o.type.empty())
    return "--run-id is at most 64 characters and --type must not be empty";
  if (o.workload != "events" && o.workload != "widgets")
    return "--workload " + o.workload + ": expected events or widgets";
  if (o.workload == "widgets") {
    if (o.widget_skus < 1 || o.widget_skus > 1000)
      return "--widget-skus must be within [1, 1000]";
    for (const auto* mix : {&o.widget_versions, &o.widget_switch_versions}) {
      if (mix->empty() && mix == &o.widget_switch_versions) continue;
      try {
        parse_widget_mix(*mix);
      } catch (const std::invalid_argument& e) {
        return std::string(mix == &o.widget_versions ? "--widget-versions: " : "--widget-switch-versions: ") + e.what();
      }
    }
    if (o.widget_switch_at >= 0 && o.widget_switch_versions.empty())
      return "--widget-switch-at needs --widget-switch-versions";
  }
  return "";
}

}  // namespace

std::string resolve_targets(simulate_options& opts, sim_targets& out) {
  out = {};
  auto shape = parse_load_shape(opts.shape);
  if (!shape)
    return "--shape " + opts.shape + ": expected constant, ramp, step, spike, diurnal or weekly";
  opts.load.shape = *shape;
  if (opts.load.duration == 0 || opts.continuous) {
    if (*shape != load_shape::constant)
      return "--duration 0 (run until stopped) needs --shape constant: the other shapes are laid over the run's length";
    opts.continuous = true;
    opts.load.duration = continuous_duration_seconds;
  }
  try {
    load_schedule::make(opts.load);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  if (auto problem = check_values(opts); !problem.empty())
    return problem;
  for (const auto& text : opts.slo_expressions) {
    slo_expression e;
    if (auto problem = parse_slo(text, e); !problem.empty())
      return problem;
  }
  if (opts.ingest.empty())
    return "at least one --ingest URL is required";
  for (const auto& v : opts.ingest) {
    named_url t;
    if (auto problem = split_target("--ingest", v, "ingest", t); !problem.empty())
      return problem;
    t.url = strip_suffix(t.url, "/ingest") + "/ingest";
    out.ingest.push_back(t);
  }
  for (const auto& v : opts.query) {
    named_url t;
    if (auto problem = split_target("--query", v, "query", t); !problem.empty())
      return problem;
    t.url = strip_suffix(t.url, "/events");
    out.query.push_back(t);
  }
  if (out.query.empty())
    for (const auto& t : out.ingest)
      out.query.push_back({"query", strip_suffix(t.url, "/ingest")});
  for (const auto& v : opts.hops) {
    named_url t;
    if (auto problem = split_target("--hop", v, "hop" + std::to_string(out.hops.size() + 1), t); !problem.empty())
      return problem;
    out.hops.push_back({t.name, strip_suffix(t.url, "/events")});
  }
  if (!out.hops.empty())
    out.hops.push_back(out.query.front());
  for (const auto& v : opts.probes) {
    named_url t;
    if (auto problem = split_target("--probe", v, "", t); !problem.empty())
      return problem;
    out.probes.push_back(t);
  }
  return "";
}

}  // namespace eventbed
