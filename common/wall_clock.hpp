// Wall-clock time as eventbed stores and shows it.
//
// Every timestamp eventbed writes (log lines, event status, outcomes) is
// milliseconds since the Unix epoch in UTC, and every one it shows a person is
// the same instant as ISO 8601 with milliseconds. Durations are measured with
// steady_clock elsewhere: the wall clock may jump.
#pragma once

#include <cstdint>
#include <string>

namespace eventbed {

// Milliseconds since the epoch, now (system_clock).
int64_t wall_clock_ms();

// "2026-11-22T10:00:00.123Z": how eventbed writes every timestamp it shows.
std::string iso8601_utc(int64_t ms_since_epoch);

}  // namespace eventbed
