// The one place the names of eventbed's Redis keys live.
//
// Every stream and key eventbed writes starts with one prefix, "eventbed:" by
// default (--key-prefix), so several deployments can share one Redis without
// reading each other's events: give each its own prefix. The consumer group
// is named inside its stream, so it needs none. storage/README.md lists the
// keys and what each holds.
#pragma once

#include <string>

namespace eventbed {

struct log_names {
  static constexpr const char* default_prefix = "eventbed:";

  std::string events = "eventbed:events";
  std::string outcomes = "eventbed:outcomes";
  std::string group = "processors";
  std::string dedupe_prefix = "eventbed:dedupe:";
  std::string format = "eventbed:log-format";
  std::string projections = "eventbed:projections";  // hash: each projection's checkpoints
  std::string trimmed_prefix = "eventbed:trimmed:";   // + stream: the newest id trimmed from it

  // Every name above under `prefix` instead of "eventbed:" (the group keeps its name).
  static log_names with_prefix(const std::string& prefix);
};

// A prefix is non-empty and has no whitespace, so it reads back unchanged
// from a flag, an environment variable and redis-cli. Returns "" or the problem.
std::string check_key_prefix(const std::string& prefix);

}  // namespace eventbed
