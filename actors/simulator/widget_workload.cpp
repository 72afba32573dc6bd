#include "actors/simulator/widget_workload.hpp"

#include <stdexcept>

#include "common/widget_costs.hpp"

namespace eventbed {

namespace {

int pick(const widget_mix& mix, uint64_t seed, uint64_t seq) {
  uint64_t total = 0;
  for (const auto& [v, w] : mix) total += w;
  auto r = static_cast<uint64_t>(seeded_draw(seed, "version", seq, 0, static_cast<int64_t>(total) - 1));
  for (const auto& [v, w] : mix) {
    if (r < w) return v;
    r -= w;
  }
  return mix.back().first;
}

std::string describe(const widget_cell_key& k) {
  return std::to_string(std::get<0>(k)) + "-" + std::to_string(std::get<1>(k)) + " " + std::get<2>(k);
}

std::string show(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "absent"; }

// lo <= x <= hi for a total that may be absent: present in lo means present in x.
bool within(const std::optional<int64_t>& lo, const std::optional<int64_t>& x, const std::optional<int64_t>& hi) {
  if (lo && (!x || *x < *lo)) return false;
  if (x && (!hi || *x > *hi)) return false;
  return true;
}

}  // namespace

widget_mix parse_widget_mix(const std::string& text) {
  widget_mix mix;
  size_t at = 0;
  while (at <= text.size()) {
    auto comma = text.find(',', at);
    auto item = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    auto colon = item.find(':');
    try {
      size_t used = 0;
      int version = std::stoi(item.substr(0, colon), &used);
      if (used != (colon == std::string::npos ? item.size() : colon) || version < 1 || version > 3)
        throw std::invalid_argument("");
      uint32_t weight = 1;
      if (colon != std::string::npos) {
        auto w = item.substr(colon + 1);
        // Checked before narrowing: where unsigned long is 64 bits, 2^32 + 1
        // would otherwise become a weight of 1 (on 32 bits stoul refuses it).
        auto wide = std::stoul(w, &used);
        if (used != w.size() || wide == 0 || wide > 1000000) throw std::invalid_argument("");
        weight = static_cast<uint32_t>(wide);
      }
      mix.emplace_back(version, weight);
    } catch (const std::exception&) {
      throw std::invalid_argument("'" + item + "' is not VERSION[:WEIGHT] with a version 1-3 and a weight >= 1");
    }
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return mix;
}

widget_workload::widget_workload(uint64_t seed, size_t skus, const std::string& sku_prefix, widget_mix before,
                                 uint64_t switch_seq, widget_mix after)
    : gen_(seed, widget_skus(skus, sku_prefix)), before_(std::move(before)), after_(std::move(after)), switch_seq_(switch_seq), seed_(seed) {
  if (before_.empty()) throw std::invalid_argument("the widget version mix is empty");
  if (after_.empty()) after_ = before_;
}

int widget_workload::version(uint64_t seq) const {
  return pick(seq < switch_seq_ ? before_ : after_, seed_, seq);
}

std::string widget_workload::type(uint64_t seq) const { return widget_generator::type(version(seq)); }

nlohmann::json widget_workload::data(uint64_t seq) const { return widget_generator::data(gen_.at(seq), version(seq)); }

void widget_workload::add(widget_cells& cells, uint64_t seq) const {
  auto h = gen_.at(seq);
  int v = version(seq);
  auto& c = cells[{h.year, h.month, h.sku}];
  c.manufactured_qty += h.manufactured_qty;
  if (v >= 2) c.defect_qty = c.defect_qty.value_or(0) + h.defect_qty;
  if (v >= 3) c.production_cost = c.production_cost.value_or(0) + h.manufactured_qty * h.sku_manufacturing_cost;
}

void widget_workload::sent(uint64_t seq) { add(sent_, seq); }

void widget_workload::accepted(uint64_t seq, double at) {
  add(accepted_, seq);
  unconfirmed_.emplace_back(at, seq);
}

std::optional<widget_cells> read_summary_cells(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array()) return std::nullopt;
  widget_cells cells;
  try {
    for (const auto& month : body["data"])
      for (const auto& m : month.at("manufacturing")) {
        const auto& t = m.at("totals");
        widget_cell c;
        c.manufactured_qty = t.at("manufactured_qty").get<int64_t>();
        if (t.contains("defect_qty")) c.defect_qty = t["defect_qty"].get<int64_t>();
        if (t.contains("production_cost")) c.production_cost = t["production_cost"].get<int64_t>();
        cells[{month.at("year").get<int>(), month.at("month").get<int>(), m.at("sku").get<std::string>()}] = c;
      }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return cells;
}

std::string widget_workload::check_during(const nlohmann::json& body, double now, double deadline) {
  while (!unconfirmed_.empty() && unconfirmed_.front().first <= now - deadline) {
    add(confirmed_, unconfirmed_.front().second);
    unconfirmed_.pop_front();
  }
  if (body.contains("coverage")) return "incomplete: the summary skipped events of versions it does not know";
  auto cells = read_summary_cells(body);
  if (!cells) return "not a summary";
  for (const auto& [key, want] : confirmed_) {
    auto it = cells->find(key);
    if (it == cells->end()) return describe(key) + ": missing";
  }
  for (const auto& [key, got] : *cells) {
    auto lo_it = confirmed_.find(key);
    auto hi_it = sent_.find(key);
    widget_cell lo = lo_it == confirmed_.end() ? widget_cell{} : lo_it->second;
    if (hi_it == sent_.end()) continue;  // a cell of another run or writer: not this run's to judge
    const auto& hi = hi_it->second;
    if (got.manufactured_qty < lo.manufactured_qty || got.manufactured_qty > hi.manufactured_qty ||
        !within(lo.defect_qty, got.defect_qty, hi.defect_qty) ||
        !within(lo.production_cost, got.production_cost, hi.production_cost))
      return describe(key) + ": manufactured_qty " + std::to_string(got.manufactured_qty) + " defect_qty " +
             show(got.defect_qty) + " production_cost " + show(got.production_cost) + ", expected at least " +
             std::to_string(lo.manufactured_qty) + " / " + show(lo.defect_qty) + " / " + show(lo.production_cost);
  }
  return "";
}

size_t widget_workload::check_exact(const nlohmann::json& body, std::string* first_difference) const {
  auto cells = read_summary_cells(body);
  auto note = [&](const std::string& what) {
    if (first_difference && first_difference->empty()) *first_difference = what;
  };
  if (!cells) {
    note("not a summary");
    return accepted_.size() > 0 ? accepted_.size() : 1;
  }
  if (body.contains("coverage")) note("incomplete: the summary skipped events of versions it does not know");
  size_t differ = 0;
  for (const auto& [key, want] : accepted_) {
    auto it = cells->find(key);
    if (it != cells->end() && it->second == want) continue;
    ++differ;
    note(describe(key) + (it == cells->end() ? ": missing" : ": differs"));
  }
  for (const auto& [key, got] : *cells)
    if (!accepted_.count(key) && sent_.count(key)) {
      ++differ;
      note(describe(key) + ": counted, but nothing of it was accepted");
    }
  if (differ == 0 && body.contains("coverage")) differ = 1;
  return differ;
}

}  // namespace eventbed
