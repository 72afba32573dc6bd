// Which traces are recorded: OpenTelemetry's standard samplers, chosen by
// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
//
//   always_on, always_off          every trace, none
//   traceidratio                   a trace if its id falls under the ratio (ARG, 0..1)
//   parentbased_always_on          the parent's sampled flag; a root: always (the default)
//   parentbased_always_off         the parent's sampled flag; a root: never
//   parentbased_traceidratio       the parent's sampled flag; a root: by ratio
//
// The ratio test is OpenTelemetry's: the last 8 bytes of the trace id, as a
// big-endian integer shifted right by one, below ratio * 2^63. It depends on
// the trace id alone, so every process (and every actor) that sees a trace
// decides the same way without talking to the others.
#pragma once

#include <cstdint>
#include <string>

#include "common/trace_context.hpp"

namespace eventbed::tracing {

class sampler {
 public:
  sampler() = default;  // parentbased_always_on
  // From the two settings' values ("" when unset). An unknown name or a ratio
  // that is not a number in [0, 1] leaves the default and says why in `problem`.
  static sampler from_settings(const std::string& name, const std::string& arg, std::string& problem);

  // `parent` is null for a root span.
  bool sample(const trace_context* parent, const trace_id& trace) const;

  const std::string& description() const { return description_; }  // e.g. "parentbased_traceidratio 0.1"

 private:
  enum class root_rule : uint8_t { always, never, ratio };
  bool parent_based_ = true;
  root_rule root_ = root_rule::always;
  uint64_t bound_ = 0;  // ratio * 2^63
  std::string description_ = "parentbased_always_on";
};

}  // namespace eventbed::tracing
