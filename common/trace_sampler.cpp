#include "common/trace_sampler.hpp"

#include <cmath>
#include <cstdlib>

namespace eventbed::tracing {

sampler sampler::from_settings(const std::string& name, const std::string& arg, std::string& problem) {
  sampler s;
  if (name.empty())
    return s;
  std::string base = name;
  bool parent_based = base.rfind("parentbased_", 0) == 0;
  if (parent_based)
    base = base.substr(std::string("parentbased_").size());
  if (base != "always_on" && base != "always_off" && base != "traceidratio") {
    problem = "OTEL_TRACES_SAMPLER=" + name + " is not a sampler eventbed knows; using parentbased_always_on";
    return s;
  }
  s.parent_based_ = parent_based;
  s.description_ = name;
  if (base == "always_on") {
    s.root_ = root_rule::always;
  } else if (base == "always_off") {
    s.root_ = root_rule::never;
  } else {
    double ratio = 1.0;
    if (!arg.empty()) {
      char* end = nullptr;
      double v = std::strtod(arg.c_str(), &end);
      if (end == arg.c_str() || *end != '\0' || !(v >= 0 && v <= 1))
        problem = "OTEL_TRACES_SAMPLER_ARG=" + arg + " is not a ratio in [0, 1]; using 1.0";
      else
        ratio = v;
    }
    s.root_ = root_rule::ratio;
    // ratio * 2^63, computed so that 1.0 keeps every id (the shifted value is below 2^63).
    s.bound_ = ratio >= 1.0 ? (uint64_t(1) << 63) : static_cast<uint64_t>(std::ldexp(ratio, 63));
    s.description_ += " " + std::to_string(ratio);
  }
  return s;
}

bool sampler::sample(const trace_context* parent, const trace_id& trace) const {
  if (parent && parent_based_)
    return parent->sampled;
  switch (root_) {
    case root_rule::always:
      return true;
    case root_rule::never:
      return false;
    case root_rule::ratio:
      break;
  }
  uint64_t low = 0;
  for (size_t i = 8; i < 16; ++i)
    low = low << 8 | trace[i];
  return (low >> 1) < bound_;
}

}  // namespace eventbed::tracing
