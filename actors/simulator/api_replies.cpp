#include "actors/simulator/api_replies.hpp"

#include <nlohmann/json.hpp>

namespace eventbed {

namespace {

// json::value() throws when the field has another type; a reply must never throw.
std::string text_field(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

ingest_reply read_ingest_reply(const sim_http_response& res, uint32_t count) {
  ingest_reply r;
  if (res.failed != sim_http_response::failure::none || res.status != 202)
    return r;
  r.accepted = true;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (!body.is_object()) {
    r.problem = "202 body is not a JSON object";
    return r;
  }
  if (count == 1 && body.contains("id")) {
    if (body["id"].is_string())
      r.ids.push_back(body["id"].get<std::string>());
    auto dup = body.find("duplicate");
    r.duplicate = dup != body.end() && dup->is_boolean() && dup->get<bool>();
  } else if (body.contains("ids") && body["ids"].is_array()) {
    for (const auto& id : body["ids"])
      r.ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    auto dups = body.find("duplicates");
    if (dups != body.end() && dups->is_number_unsigned())
      r.duplicates = dups->get<uint64_t>();
  }
  if (r.ids.size() != count)
    r.problem = "202 names " + std::to_string(r.ids.size()) + " ids for " + std::to_string(count) + " events";
  return r;
}

bool retryable(const sim_http_response& res) {
  if (res.failed != sim_http_response::failure::none)
    return true;
  return res.status == 503 || res.status == 429 || res.status == 502 || res.status == 504;
}

bool maybe_stored(const sim_http_response& res) {
  using failure = sim_http_response::failure;
  if (res.failed == failure::timeout || res.failed == failure::transport)
    return true;
  if (res.status != 503)
    return false;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  auto error = body.is_object() ? body.value("error", "") : "";
  return error == "redis_unavailable" || error == "timeout";
}

poll_answer read_event_record(const sim_http_response& res, const event_factory& events, uint64_t seq) {
  poll_answer a;
  if (res.failed != sim_http_response::failure::none)
    return a;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (!body.is_object())
    return a;
  if (res.status == 404) {
    if (text_field(body, "error") == "not_found")
      a.what = poll_answer::kind::not_found;
    return a;
  }
  if (res.status != 200)
    return a;
  auto status = text_field(body, "status");
  if (status == "processed")
    a.what = poll_answer::kind::processed;
  else if (status == "failed")
    a.what = poll_answer::kind::failed;
  else if (status == "accepted")
    a.what = poll_answer::kind::accepted;
  else
    return a;
  a.content_ok = events.matches(seq, body);
  return a;
}

}  // namespace eventbed
