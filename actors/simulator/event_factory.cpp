#include "actors/simulator/event_factory.hpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace eventbed {

event_factory::event_factory(std::string run_id, std::string type, size_t padding,
                             std::shared_ptr<widget_workload> widgets)
    : run_(std::move(run_id)), type_(std::move(type)), padding_(padding, 'x'), widgets_(std::move(widgets)) {}

std::string event_factory::type(uint64_t seq) const {
  return widgets_ ? widgets_->type(seq) : type_;
}

std::string event_factory::id(uint64_t seq) const {
  return "sim-" + run_ + "-" + std::to_string(seq);
}

std::string event_factory::source() const {
  return "eventbed-simulator/" + run_;
}

nlohmann::json event_factory::data(uint64_t seq) const {
  if (widgets_)
    return widgets_->data(seq);
  // Values depend on seq so two events never share a payload, and stay exact in
  // binary floating point (multiples of 1/4) so equality is well defined.
  char sku[24];
  std::snprintf(sku, sizeof sku, "SKU-%06llu", static_cast<unsigned long long>(seq % 1000000));
  nlohmann::json d = {
      {"seq", seq},
      {"run", run_},
      {"order", {{"sku", sku}, {"quantity", 1 + seq % 7}, {"price", 0.25 * static_cast<double>(seq % 4000)}}},
      {"tags", {"sim", seq % 2 ? "odd" : "even"}},
      {"gift", seq % 3 == 0},
      {"coupon", nullptr},
      {"note", "caf\xc3\xa9 \xe2\x9c\x93"},
  };
  if (!padding_.empty())
    d["padding"] = padding_;
  return d;
}

nlohmann::json event_factory::event(uint64_t seq) const {
  return {{"id", id(seq)}, {"type", type(seq)}, {"source", source()}, {"data", data(seq)}};
}

std::string event_factory::body(uint64_t first, uint32_t count) const {
  if (count == 1)
    return event(first).dump();
  auto batch = nlohmann::json::array();
  for (uint32_t i = 0; i < count; ++i)
    batch.push_back(event(first + i));
  return batch.dump();
}

bool event_factory::matches(uint64_t seq, const nlohmann::json& record) const {
  if (!record.is_object())
    return false;
  auto field = [&](const char* name) { return record.contains(name) ? record.at(name) : nlohmann::json(); };
  return field("id") == id(seq) && field("type") == type(seq) && field("source") == source() &&
         field("data") == data(seq);
}

std::string make_run_id() {
  std::random_device rd;
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  uint32_t mixed = rd() ^ static_cast<uint32_t>(now) ^ static_cast<uint32_t>(now >> 32);
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", mixed);
  return buf;
}

}  // namespace eventbed
