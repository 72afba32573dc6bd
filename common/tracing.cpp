#include "common/tracing.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <utility>

namespace eventbed::tracing {

namespace {

constexpr size_t max_links = 128;  // OpenTelemetry's default span link limit

// Shared, and swapped atomically: a span that ends on another thread while
// stop() runs (a reply answered during shutdown) pushes to a live exporter or
// to none.
std::shared_ptr<span_exporter>& exporter_slot() {
  static std::shared_ptr<span_exporter> instance;
  return instance;
}

sampler& active_sampler() {
  static sampler instance;
  return instance;
}

thread_local const trace_context* current_context = nullptr;

uint64_t unix_now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The TRACES_ variant if set, else the general one.
std::string env_either(const char* traces_name, const char* general_name) {
  auto v = env(traces_name);
  return v.empty() ? env(general_name) : v;
}

// A positive integer setting, or `fallback` (and a problem) if it is not one.
long long env_number(const char* name, long long fallback, std::vector<std::string>& problems) {
  auto v = env(name);
  if (v.empty())
    return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n <= 0) {
    problems.push_back(std::string(name) + "=" + v + " is not a positive integer; using " + std::to_string(fallback));
    return fallback;
  }
  return n;
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The entries of a "key=value,key2=value2" list, the form of OTEL_*_HEADERS
// and OTEL_RESOURCE_ATTRIBUTES, key and value trimmed; nullopt for an entry
// with no key or no '='. An empty list has no entries; a trailing comma makes
// an empty, malformed one.
struct list_entry {
  std::string key, value;
};
std::vector<std::optional<list_entry>> list_entries(const std::string& spec) {
  std::vector<std::optional<list_entry>> out;
  for (size_t pos = 0; !spec.empty();) {
    auto comma = spec.find(',', pos);
    auto item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto eq = item.find('=');
    auto key = eq == std::string::npos ? "" : trim(item.substr(0, eq));
    if (key.empty())
      out.emplace_back();
    else
      out.push_back(list_entry{std::move(key), trim(item.substr(eq + 1))});
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

// OTEL_EXPORTER_OTLP_HEADERS (values percent-encoded in the spec; eventbed
// passes them on as written) into header lines. A malformed entry is named
// in `problems` by its form only: a header value may be a secret.
std::vector<std::string> header_lines(const std::string& spec, std::vector<std::string>& problems) {
  std::vector<std::string> out;
  for (auto& entry : list_entries(spec)) {
    if (entry)
      out.push_back(entry->key + ": " + entry->value);
    else
      problems.push_back("an entry of OTEL_EXPORTER_OTLP_HEADERS has no name=value form; it is ignored");
  }
  return out;
}

// `text` with each %XX replaced by its byte; false if a % starts no such sequence.
bool percent_decode(const std::string& text, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned byte = 0;
    const char* hex = text.data() + i + 1;
    if (i + 2 >= text.size() || std::from_chars(hex, hex + 2, byte, 16).ptr != hex + 2)
      return false;
    out += static_cast<char>(byte);
    i += 2;
  }
  return true;
}

// Sets attribute `key` of `resource`, in place of any value it had.
void set_attribute(resource_info& resource, std::string key, std::string value) {
  auto same = std::find_if(resource.attributes.begin(), resource.attributes.end(),
                           [&key](const auto& a) { return a.first == key; });
  if (same != resource.attributes.end())
    same->second = std::move(value);
  else
    resource.attributes.emplace_back(std::move(key), std::move(value));
}

// OTEL_RESOURCE_ATTRIBUTES, "key=value,key2=value2" with percent-encoded
// values, set over `resource`: an entry replaces the attribute of its key or
// is added. As the specification says, one malformed entry discards the
// whole variable; the problem names the entry's position, not its text.
void merge_resource_attributes(const std::string& spec, resource_info& resource,
                               std::vector<std::string>& problems) {
  auto entries = list_entries(spec);
  std::vector<std::pair<std::string, std::string>> parsed;
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string value;
    if (!entries[i] || !percent_decode(entries[i]->value, value)) {
      problems.push_back("entry " + std::to_string(i + 1) +
                         " of OTEL_RESOURCE_ATTRIBUTES is not key=value with a percent-encoded value; "
                         "the variable is ignored");
      return;
    }
    parsed.emplace_back(std::move(entries[i]->key), std::move(value));
  }
  for (auto& [key, value] : parsed)
    set_attribute(resource, std::move(key), std::move(value));
}

}  // namespace

settings settings_from_environment(resource_info resource, std::vector<std::string>& problems) {
  settings s;
  if (env("OTEL_SDK_DISABLED") == "true" || env("OTEL_TRACES_EXPORTER") == "none")
    return s;
  auto& x = s.exporter;
  x.url = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (x.url.empty()) {
    x.url = env("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!x.url.empty())
      x.url += x.url.back() == '/' ? "v1/traces" : "/v1/traces";
  }
  auto protocol = env_either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (!protocol.empty() && protocol != "http/protobuf")
    problems.push_back("OTEL_EXPORTER_OTLP_PROTOCOL=" + protocol + " is not supported; sending http/protobuf");
  x.headers = header_lines(env_either("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"), problems);
  auto timeout_name = env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").empty() ? "OTEL_EXPORTER_OTLP_TIMEOUT"
                                                                       : "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
  x.timeout = std::chrono::milliseconds(env_number(timeout_name, 10000, problems));
  x.delay = std::chrono::milliseconds(env_number("OTEL_BSP_SCHEDULE_DELAY", 5000, problems));
  x.max_queue = static_cast<size_t>(env_number("OTEL_BSP_MAX_QUEUE_SIZE", 2048, problems));
  x.max_batch = static_cast<size_t>(env_number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, problems));
  if (x.max_batch > x.max_queue)
    x.max_batch = x.max_queue;
  merge_resource_attributes(env("OTEL_RESOURCE_ATTRIBUTES"), resource, problems);
  if (auto name = env("OTEL_SERVICE_NAME"); !name.empty())
    set_attribute(resource, "service.name", std::move(name));
  x.resource = std::move(resource);
  std::string problem;
  s.sampling = sampler::from_settings(env("OTEL_TRACES_SAMPLER"), env("OTEL_TRACES_SAMPLER_ARG"), problem);
  if (!problem.empty())
    problems.push_back(problem);
  return s;
}

void start(settings s) {
  if (s.exporter.url.empty())
    return;
  active_sampler() = s.sampling;
  std::atomic_store(&exporter_slot(), std::make_shared<span_exporter>(std::move(s.exporter)));
  detail::active.store(true, std::memory_order_release);
}

void stop() {
  detail::active.store(false, std::memory_order_release);
  std::atomic_store(&exporter_slot(), std::shared_ptr<span_exporter>());
}

span& span::operator=(span&& other) noexcept {
  if (this != &other) {
    end();
    ctx_ = other.ctx_;
    data_ = std::move(other.data_);
  }
  return *this;
}

void span::set(std::string key, attribute_value value) {
  if (data_)
    data_->attributes.emplace_back(std::move(key), std::move(value));
}

void span::link(const trace_context& other) {
  if (!data_)
    return;
  if (data_->links.size() < max_links)
    data_->links.push_back(span_link{other.trace, other.span});
  else
    ++data_->dropped_links;
}

void span::fail(std::string message) {
  if (!data_)
    return;
  data_->error = true;
  data_->status_message = std::move(message);
}

void span::end() {
  if (!data_)
    return;
  data_->end_ns = unix_now_ns();
  if (auto x = std::atomic_load(&exporter_slot()))
    x->push(std::move(*data_));
  data_.reset();
}

void span::record(std::string_view name, span_kind kind, const trace_context* parent) {
  data_ = std::make_unique<span_data>();
  auto& d = *data_;
  d.trace = ctx_.trace;
  d.span = ctx_.span;
  if (parent) {
    d.parent = parent->span;
    d.has_parent = true;
  }
  d.name = name;
  d.kind = kind;
  d.start_ns = unix_now_ns();
}

span start_span(std::string_view name, span_kind kind, const trace_context* parent) {
  span s;
  s.ctx_.trace = parent ? parent->trace : random_trace_id();
  s.ctx_.span = random_span_id();
  s.ctx_.sampled = active_sampler().sample(parent, s.ctx_.trace);
  if (s.ctx_.sampled)
    s.record(name, kind, parent);
  return s;
}

span start_linked_span(std::string_view name, span_kind kind) {
  span s;
  s.ctx_.trace = random_trace_id();
  s.ctx_.span = random_span_id();
  s.ctx_.sampled = true;
  s.record(name, kind, nullptr);
  return s;
}

const trace_context* current() { return current_context; }

current_span::current_span(const trace_context& ctx) : previous_(current_context) { current_context = &ctx; }

current_span::~current_span() { current_context = previous_; }

}  // namespace eventbed::tracing
