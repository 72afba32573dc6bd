#include "common/logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "common/wall_clock.hpp"

namespace eventbed::log {

namespace {

std::atomic<int> threshold{static_cast<int>(level::info)};
std::string role_name = "eventbed";  // written once by init(), before any actor starts
std::atomic<bool> use_stderr{false};

// spdlog only provides the thread-safe sink and the level plumbing; the JSON
// line is built here so every field is escaped correctly.
std::shared_ptr<spdlog::logger> sink() {
  static auto logger = [] {
    spdlog::sink_ptr out;
    if (use_stderr)
      out = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    else
      out = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("eventbed", out);
    l->set_pattern("%v");
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

const char* level_name(level lvl) {
  switch (lvl) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

std::string utc_now() {
  return iso8601_utc(wall_clock_ms());
}

}  // namespace

void init(const std::string& name, const std::string& role, bool to_stderr) {
  use_stderr = to_stderr;
  level lvl = level::info;
  if (name == "debug") lvl = level::debug;
  else if (name == "warn") lvl = level::warn;
  else if (name == "error") lvl = level::error;
  threshold = static_cast<int>(lvl);
  role_name = role;
}

bool enabled(level lvl) {
  return static_cast<int>(lvl) >= threshold.load(std::memory_order_relaxed);
}

void write(level lvl, std::string_view actor, std::string_view message, fields f) {
  if (!enabled(lvl))
    return;
  nlohmann::json line = {{"time", utc_now()},
                         {"level", level_name(lvl)},
                         {"role", role_name},
                         {"actor", actor},
                         {"message", message}};
  if (!f.event_id.empty())
    line["event_id"] = f.event_id;
  if (!f.trace_id.empty())
    line["trace_id"] = f.trace_id;
  sink()->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string_view trace_id_of(std::string_view tp) {
  return tp.size() >= 35 ? tp.substr(3, 32) : std::string_view{};
}

}  // namespace eventbed::log
