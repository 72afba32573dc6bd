// The compatibility rule the versions of one event family must obey.
//
// In Confluent Schema Registry's terms it is BACKWARD_TRANSITIVE: a consumer
// built for version N reads the data of every version <= N. eventbed's readers
// do that through upcasters, which take each field by name and leave a field
// the older version does not carry absent (never 0), so the rule on the
// schemas is structural. For every pair of versions M < N:
//   - every property of M is a property of N, with the same "type";
//   - every property M requires, N requires;
//   - N may add properties, required or not.
// Removing or retyping a field breaks the rule; adding one does not.
// FORWARD (an old consumer reading new data) is not claimed: a process that
// does not know a version does not guess at it, it skips such events and
// says so (the summary's coverage, storage/summary.hpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eventbed {

inline constexpr const char* schema_compatibility_rule = "BACKWARD_TRANSITIVE";

// "" if a reader of `newer` reads data of `older`, else the first problem,
// naming the field.
std::string backward_problem(const nlohmann::json& older, const nlohmann::json& newer);

// "" if `versions` (version 1 first, in order) obey the rule pairwise, every
// older one against every newer one; else "v<M> -> v<N>: <problem>".
std::string family_problem(const std::vector<nlohmann::json>& versions);

}  // namespace eventbed
