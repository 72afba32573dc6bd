// Structured logs: one JSON object per line on stdout (or stderr, for a
// command whose stdout carries its results).
//
// Field names are stable (time, level, role, actor, event_id, trace_id,
// message) because log pipelines index them. Nothing is logged per event at
// info level: under load that would cost more than the event itself.
#pragma once

#include <string>
#include <string_view>

namespace eventbed::log {

enum class level { debug, info, warn, error };

// Sets the threshold ("debug", "info", "warn", "error") and the role field of
// every line; `to_stderr` takes effect only before the first line is written.
void init(const std::string& threshold, const std::string& role, bool to_stderr = false);

bool enabled(level lvl);

struct fields {
  std::string_view event_id;
  std::string_view trace_id;
};

void write(level lvl, std::string_view actor, std::string_view message, fields f = {});

inline void debug(std::string_view actor, std::string_view msg, fields f = {}) {
  if (enabled(level::debug))
    write(level::debug, actor, msg, f);
}
inline void info(std::string_view actor, std::string_view msg, fields f = {}) {
  write(level::info, actor, msg, f);
}
inline void warn(std::string_view actor, std::string_view msg, fields f = {}) {
  write(level::warn, actor, msg, f);
}
inline void error(std::string_view actor, std::string_view msg, fields f = {}) {
  write(level::error, actor, msg, f);
}

// The trace-id part of a W3C traceparent ("00-<trace-id>-<parent-id>-<flags>").
std::string_view trace_id_of(std::string_view traceparent);

}  // namespace eventbed::log
