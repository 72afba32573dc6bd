#include "actors/simulator/hop_breakdown.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace eventbed {

namespace {

double quantile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v)
    sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

}  // namespace

int64_t parse_iso8601_ms(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms, &z) != 8 ||
      z != 'Z')
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

hop_times read_hop_times(const sim_http_response& res) {
  hop_times t;
  if (res.status != 200)
    return t;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (!body.is_object() || !body["accepted_at"].is_string() || !body["processed_at"].is_string())
    return t;
  t.accepted_ms = parse_iso8601_ms(body["accepted_at"].get<std::string>());
  t.processed_ms = parse_iso8601_ms(body["processed_at"].get<std::string>());
  if (t.accepted_ms < 0 || t.processed_ms < 0)
    t = {};
  return t;
}

nlohmann::json hop_breakdown(sim_http_client& client, const std::vector<named_url>& hops, uint64_t sent,
                             const std::function<std::string(uint64_t)>& id_of, size_t sample) {
  std::vector<std::vector<double>> shares(hops.size());
  std::vector<double> end_to_end;
  const uint64_t n = std::min<uint64_t>(sent, sample);
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t seq = k * sent / n;
    std::vector<hop_times> times;
    for (const auto& hop : hops) {
      sim_http_request req;
      req.url = hop.url + "/events/" + id_of(seq);
      times.push_back(read_hop_times(client.perform(req)));
      if (times.back().accepted_ms < 0)
        break;
    }
    if (times.size() != hops.size() || times.back().accepted_ms < 0)
      continue;
    for (size_t i = 0; i + 1 < hops.size(); ++i)
      shares[i].push_back(static_cast<double>(times[i + 1].accepted_ms - times[i].accepted_ms));
    shares.back().push_back(static_cast<double>(times.back().processed_ms - times.back().accepted_ms));
    end_to_end.push_back(static_cast<double>(times.back().processed_ms - times.front().accepted_ms));
  }
  nlohmann::json out = {{"sampled", end_to_end.size()},
                        {"end_to_end_p50_ms", quantile(end_to_end, 0.5)},
                        {"end_to_end_p99_ms", quantile(end_to_end, 0.99)},
                        {"hops", nlohmann::json::array()}};
  const double total = mean(end_to_end);
  for (size_t i = 0; i < hops.size(); ++i)
    out["hops"].push_back({{"name", hops[i].name},
                           {"share_p50_ms", quantile(shares[i], 0.5)},
                           {"share_p99_ms", quantile(shares[i], 0.99)},
                           {"share_mean_ms", mean(shares[i])},
                           {"fraction", total > 0 ? mean(shares[i]) / total : 0}});
  return out;
}

}  // namespace eventbed
