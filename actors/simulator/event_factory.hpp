// What the simulator sends: event number `seq` of a run, built deterministically.
//
// Every event is a pure function of (run id, seq), so the ledger can compare a
// stored event with what was sent without keeping a copy of each payload. Ids are
// `sim-<run>-<seq>`: unique per run, valid eventbed ids, and safe to resend
// because eventbed treats a client id as an idempotency key. Payloads mix the JSON
// types (nested object, array, float, bool, null, non-ASCII text) so a pipeline
// that mangles any of them shows up as a mismatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/simulator/widget_workload.hpp"

namespace eventbed {

class event_factory {
 public:
  // `padding` adds that many filler characters to each payload. With a
  // `widgets` workload, type and data are its (widget_workload.hpp), and
  // `type` and `padding` are unused.
  event_factory(std::string run_id, std::string type, size_t padding,
                std::shared_ptr<widget_workload> widgets = nullptr);

  const std::string& run_id() const { return run_; }
  std::string id(uint64_t seq) const;
  std::string source() const;
  std::string type(uint64_t seq) const;
  nlohmann::json data(uint64_t seq) const;
  widget_workload* widgets() const { return widgets_.get(); }  // null for the default workload
  nlohmann::json event(uint64_t seq) const;  // {"id","type","source","data"}

  // The POST /ingest body for events [first, first + count): one object when
  // count is 1, else an array.
  std::string body(uint64_t first, uint32_t count) const;

  // Whether a GET /events/{id} record carries what was sent for `seq`: same id,
  // type and source, and data equal as JSON values (key order and number
  // spelling do not matter, values do).
  bool matches(uint64_t seq, const nlohmann::json& record) const;

 private:
  std::string run_;
  std::string type_;
  std::string padding_;
  std::shared_ptr<widget_workload> widgets_;
};

// A fresh run id: 8 hex digits from the clock and a random device.
std::string make_run_id();

}  // namespace eventbed
