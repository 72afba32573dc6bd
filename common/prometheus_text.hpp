// The Prometheus text exposition format, version 0.0.4.
//
// The one place that knows its syntax: family headers, label escaping, how a
// number is written and the shape of a histogram. Every /metrics eventbed
// serves (the registry, the process collector, the simulator's snapshot) is
// written through these functions, so the three cannot drift apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventbed::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

enum class kind { counter, gauge, histogram };

// "# HELP <name> <help>" and "# TYPE <name> <kind>".
void write_family(std::string& out, std::string_view name, kind k, std::string_view help);

// "<name>{<labels>} <value>".
void write_sample(std::string& out, std::string_view name, const labels& l, double value);

// The _bucket series (one per bound, then le="+Inf"), _sum and _count.
// `cumulative` holds bounds.size() + 1 counts; its last one is the total.
void write_histogram(std::string& out, std::string_view name, const labels& l,
                     const std::vector<double>& bounds, const std::vector<uint64_t>& cumulative,
                     double sum);

// Backslash, double quote and newline escaped, as label values need.
std::string escape_label(std::string_view v);

// The shortest text that reads back as `v` (integers without a fraction, up to
// 17 significant digits otherwise), or +Inf, -Inf, NaN.
std::string format_number(double v);

}  // namespace eventbed::metrics
