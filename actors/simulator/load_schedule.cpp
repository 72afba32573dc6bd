#include "actors/simulator/load_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace eventbed {

namespace {

constexpr double pi = 3.14159265358979323846;
constexpr int pieces_per_day = 48;

// Arrivals counted in a piece up to offset x: ∫ of a linear rate.
double piece_integral(const rate_piece& p, double x) {
  double len = p.end - p.start;
  double slope = len > 0 ? (p.to - p.from) / len : 0;
  return p.from * x + slope * x * x / 2;
}

// The offset x in piece p at which piece_integral reaches `count`.
double piece_inverse(const rate_piece& p, double count) {
  if (count <= 0)
    return 0;
  double len = p.end - p.start;
  double a = (p.to - p.from) / len / 2;
  double b = p.from;
  double disc = std::max(0.0, b * b + 4 * a * count);
  // 2c / (b + √(b² + 4ac)) is the root of a·x² + b·x = c without the
  // cancellation the textbook formula suffers when a is tiny.
  double x = 2 * count / (b + std::sqrt(disc));
  return std::clamp(x, 0.0, len);
}

void require(bool ok, const char* what) {
  if (!ok)
    throw std::invalid_argument(what);
}

// One compressed day of a cosine swing: quiet at midnight, busiest at noon.
void add_day(std::vector<rate_piece>& out, double start, double length, double mean, double amplitude) {
  double slice = length / pieces_per_day;
  auto rate = [&](int i) { return mean * (1 - amplitude * std::cos(2 * pi * i / pieces_per_day)); };
  for (int i = 0; i < pieces_per_day; ++i)
    out.push_back({start + i * slice, start + (i + 1) * slice, rate(i), rate(i + 1)});
}

std::vector<rate_piece> shape_pieces(const load_shape_params& p) {
  double d = p.duration;
  std::vector<rate_piece> out;
  switch (p.shape) {
    case load_shape::constant:
      out.push_back({0, d, p.rate, p.rate});
      break;
    case load_shape::ramp:
      require(p.ramp_from >= 0, "--ramp-from must be >= 0");
      out.push_back({0, d, p.ramp_from, p.rate});
      break;
    case load_shape::step: {
      require(p.steps >= 1, "--steps must be >= 1");
      double slice = d / p.steps;
      for (int i = 0; i < p.steps; ++i) {
        double r = p.rate * (i + 1) / p.steps;
        out.push_back({i * slice, (i + 1) * slice, r, r});
      }
      break;
    }
    case load_shape::spike: {
      require(p.spike_factor > 0, "--spike-factor must be > 0");
      double len = p.spike_length < 0 ? d / 10 : p.spike_length;
      double at = p.spike_at < 0 ? (d - len) / 2 : p.spike_at;
      require(len > 0 && at + len <= d, "the spike must fit inside --duration");
      double peak = p.rate * p.spike_factor;
      if (at > 0)
        out.push_back({0, at, p.rate, p.rate});
      out.push_back({at, at + len, peak, peak});
      if (at + len < d)
        out.push_back({at + len, d, p.rate, p.rate});
      break;
    }
    case load_shape::diurnal:
      require(p.amplitude >= 0 && p.amplitude <= 1, "--amplitude must be within [0, 1]");
      add_day(out, 0, d, p.rate, p.amplitude);
      break;
    case load_shape::weekly: {
      require(p.amplitude >= 0 && p.amplitude <= 1, "--amplitude must be within [0, 1]");
      require(p.weekend_factor >= 0, "--weekend-factor must be >= 0");
      // Scale weekdays so the week still averages `rate`.
      double weekday = 7 * p.rate / (5 + 2 * p.weekend_factor);
      for (int day = 0; day < 7; ++day)
        add_day(out, day * d / 7, d / 7, day < 5 ? weekday : weekday * p.weekend_factor, p.amplitude);
      break;
    }
  }
  return out;
}

}  // namespace

std::optional<load_shape> parse_load_shape(const std::string& name) {
  for (auto s : {load_shape::constant, load_shape::ramp, load_shape::step, load_shape::spike,
                 load_shape::diurnal, load_shape::weekly})
    if (name == to_string(s))
      return s;
  return std::nullopt;
}

const char* to_string(load_shape shape) {
  switch (shape) {
    case load_shape::constant: return "constant";
    case load_shape::ramp: return "ramp";
    case load_shape::step: return "step";
    case load_shape::spike: return "spike";
    case load_shape::diurnal: return "diurnal";
    case load_shape::weekly: return "weekly";
  }
  return "?";
}

load_schedule load_schedule::make(const load_shape_params& params) {
  require(params.rate > 0, "--rate must be > 0");
  require(params.duration > 0, "--duration must be > 0 (or 0: until stopped)");
  return load_schedule(shape_pieces(params));
}

load_schedule::load_schedule(std::vector<rate_piece> pieces) : pieces_(std::move(pieces)) {
  require(!pieces_.empty(), "a schedule needs at least one piece");
  double sum = 0;
  for (const auto& p : pieces_) {
    require(p.from >= 0 && p.to >= 0 && p.end >= p.start, "rates and piece lengths must be >= 0");
    cumulative_.push_back(sum);
    sum += piece_integral(p, p.end - p.start);
  }
  cumulative_.push_back(sum);
}

double load_schedule::duration() const {
  return pieces_.back().end;
}

double load_schedule::rate_at(double t) const {
  for (const auto& p : pieces_)
    if (t >= p.start && t < p.end)
      return p.from + (p.to - p.from) * (t - p.start) / (p.end - p.start);
  return 0;
}

double load_schedule::expected(double t) const {
  if (t <= 0)
    return 0;
  for (size_t i = 0; i < pieces_.size(); ++i)
    if (t < pieces_[i].end)
      return cumulative_[i] + piece_integral(pieces_[i], t - pieces_[i].start);
  return cumulative_.back();
}

uint64_t load_schedule::total() const {
  // k arrives before the end iff k < Λ(duration); the epsilon keeps 1000.0000000001 at 1000.
  return static_cast<uint64_t>(std::ceil(cumulative_.back() - 1e-9));
}

double load_schedule::arrival(uint64_t k) const {
  double count = static_cast<double>(k);
  // The last piece whose start count is <= k; empty pieces are skipped because
  // the next piece starts at the same count.
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end() - 1, count);
  size_t i = std::distance(cumulative_.begin(), it) - 1;
  const auto& p = pieces_[i];
  return std::min(p.end, p.start + piece_inverse(p, count - cumulative_[i]));
}

load_schedule load_schedule::scaled(double factor) const {
  auto pieces = pieces_;
  for (auto& p : pieces) {
    p.from *= factor;
    p.to *= factor;
  }
  return load_schedule(std::move(pieces));
}

load_schedule load_schedule::truncated(double t) const {
  std::vector<rate_piece> pieces;
  for (const auto& p : pieces_) {
    if (p.start >= t)
      break;
    rate_piece q = p;
    if (q.end > t) {
      q.to = rate_at(t);
      q.end = t;
    }
    pieces.push_back(q);
  }
  if (pieces.empty())
    pieces.push_back({0, 0, 0, 0});
  return load_schedule(std::move(pieces));
}

}  // namespace eventbed
