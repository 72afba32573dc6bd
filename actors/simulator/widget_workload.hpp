// `eventbed simulate --workload widgets`: which version each event is, and
// what the monthly summary must say about everything accepted.
//
// Version plan. `--widget-versions` is a mix, "2" or "1:1,2:1,3:2" (version:
// weight); `--widget-switch-at T --widget-switch-versions MIX` changes it for
// the events scheduled at T or later. Events are numbered in schedule order and
// the schedule is fixed before the run, so "scheduled at T or later" is
// "seq >= switch_seq", and an event's version is a pure function of its seq:
// retries resend the same version, and the expected totals need no copy of it.
// Within a mix, seq's version is seeded_draw over the weights (common/widget_costs.hpp).
//
// Expected totals. Every accepted event adds its hour (widget_generator) to the
// (year, month, sku) cell its version fills: manufactured_qty always,
// defect_qty from v2, manufactured_qty x sku_manufacturing_cost from v3. Two
// checks of a GET /summary body:
//   - during the run (the summary probe): every event accepted at least
//     `deadline` ago must be counted, and nothing beyond what was ever sent
//     may be: for every cell and total, confirmed <= answer <= sent, and a
//     total present in `confirmed` is present in the answer; a "coverage" key
//     (skipped versions) fails it. A failure is summary downtime.
//   - at the end: the answer equals the totals of everything accepted, field
//     by field and absent where absent; each differing cell is `mismatched`.
// An event refused after a timeout may still have been stored (the client
// cannot know), so the end check is exact only for runs whose refusals are
// definite (4xx, 503 overloaded/injected): what it sees then counts as mismatched.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/simulator/widget_generator.hpp"

namespace eventbed {

// A version mix: (version, weight) pairs.
using widget_mix = std::vector<std::pair<int, uint32_t>>;

// "2" or "1:1,2:1,3:2"; throws std::invalid_argument naming the bad element.
widget_mix parse_widget_mix(const std::string& text);

struct widget_cell {
  int64_t manufactured_qty = 0;
  std::optional<int64_t> defect_qty, production_cost;
  bool operator==(const widget_cell& o) const {
    return manufactured_qty == o.manufactured_qty && defect_qty == o.defect_qty && production_cost == o.production_cost;
  }
};

using widget_cell_key = std::tuple<int, int, std::string>;  // year, month, sku
using widget_cells = std::map<widget_cell_key, widget_cell>;

class widget_workload {
 public:
  // SKUs are "<sku_prefix>SKU-000" ...
  widget_workload(uint64_t seed, size_t skus, const std::string& sku_prefix, widget_mix before, uint64_t switch_seq,
                  widget_mix after);

  int version(uint64_t seq) const;
  std::string type(uint64_t seq) const;
  nlohmann::json data(uint64_t seq) const;

  void sent(uint64_t seq);                  // the first attempt: an upper bound from now on
  void accepted(uint64_t seq, double at);   // a 202

  // "" if `body` (a GET /summary answer) is right for events accepted before
  // now - deadline, else what is wrong first.
  std::string check_during(const nlohmann::json& body, double now, double deadline);
  // The cells that differ from everything accepted (0: exact), and the first difference.
  size_t check_exact(const nlohmann::json& body, std::string* first_difference) const;

  const widget_cells& accepted_cells() const { return accepted_; }

 private:
  void add(widget_cells& cells, uint64_t seq) const;

  widget_generator gen_;
  widget_mix before_, after_;
  uint64_t switch_seq_;
  uint64_t seed_;
  widget_cells sent_, accepted_, confirmed_;
  std::deque<std::pair<double, uint64_t>> unconfirmed_;  // accepted, not yet `deadline` old
};

// The cells of a GET /summary body; nullopt if it is not one.
std::optional<widget_cells> read_summary_cells(const nlohmann::json& body);

}  // namespace eventbed
