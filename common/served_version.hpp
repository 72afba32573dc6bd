// The build that served an HTTP answer, as every answer names it.
//
// Each answer of `eventbed serve` (both ports: routes, errors, 404s, refusals,
// overload) carries `Eventbed-Version: <served version>`, and the simulator
// reads it back to split its figures by the build that answered. While two
// builds serve one Service (a rolling update, blue/green, a canary), that is
// what tells their error rates and latencies apart.
//
// The served version is /version's version, plus `+<label>` when the process
// runs with `--release-label` (blue, green, canary, ...): "0.1.0",
// "0.1.0+canary". The label is a SemVer build-metadata identifier, so the
// value stays a valid version string, a Prometheus label value and a header
// value without quoting.
#pragma once

#include <string>
#include <string_view>

namespace eventbed {

inline constexpr const char* served_version_header = "Eventbed-Version";

// True for "" (no label) and for 1..32 of [0-9A-Za-z-].
bool valid_release_label(std::string_view label);

// `version`, or `version+label` when `label` is not empty.
std::string served_version(std::string_view version, std::string_view label);

}  // namespace eventbed
