#include "actors/simulator/version_breakdown.hpp"

namespace eventbed {

version_breakdown::figures& version_breakdown::of(const std::string& served_by) {
  return versions_[served_by.empty() ? unknown_version : served_by];
}

void version_breakdown::request(const std::string& served_by, const std::string& target,
                                const std::string& kind, const std::string& result, double seconds) {
  auto& f = of(served_by);
  ++f.requests[{target, kind, result}];
  ++f.total;
  if (result != "ok")
    ++f.errors;
  f.latency[kind].add(seconds);
}

void version_breakdown::accepted(const std::string& served_by, uint64_t events) {
  of(served_by).events_accepted += events;
}

std::map<version_breakdown::request_key, uint64_t> version_breakdown::requests() const {
  std::map<request_key, uint64_t> out;
  for (const auto& [version, f] : versions_)
    for (const auto& [key, n] : f.requests)
      out[key] += n;
  return out;
}

}  // namespace eventbed
