// Ingest parser throughput: parse_ingest() (gateways/event_parser.hpp) alone,
// without HTTP, actors or Redis, in events per CPU-second.
//
// Three requests, the first two shaped like bench/run's ingest cases:
//   batch   100 events of {"type":"bench","data":{"payload":"<150 x>"}}
//   single  one such event
//   binary  one CloudEvent in binary mode, as the SDKs send it: ce-specversion,
//           ce-id, ce-source, ce-type and ce-time headers among six others,
//           and the same data as an application/json body
// Each is parsed until `seconds` of process CPU time have passed (default
// 1.0, or the first argument); CPU time, not wall time, so a busy shared
// machine slows the figure less. Every result is checked, so a parser that
// rejects the body cannot look fast.
//
//   build/bench/parser_bench [SECONDS]
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <variant>

#include "gateways/event_parser.hpp"

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string event_text() {
  return R"({"type":"bench","data":{"payload":")" + std::string(150, 'x') + "\"}}";
}

std::string batch_body(size_t events) {
  std::string body = "[";
  for (size_t i = 0; i < events; ++i) body += (i ? "," : "") + event_text();
  return body + "]";
}

// Parses the request repeatedly for `seconds` of CPU time; returns events per CPU-second.
double events_per_cpu_second(const std::string& content_type, const std::string& body,
                             const eventbed::http_header_list& headers, size_t events, double seconds) {
  const eventbed::ingest_limits limits;
  size_t parsed = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 100; ++i) {
      auto result = eventbed::parse_ingest(content_type, body, "", limits, headers);
      const auto* request = std::get_if<eventbed::ingest_request>(&result);
      if (request == nullptr || request->events.size() != events) {
        std::fprintf(stderr, "parse_ingest did not accept the %zu-event body\n", events);
        std::exit(1);
      }
      parsed += events;
    }
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(parsed) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const eventbed::http_header_list plain_headers = {
      {"Host", "127.0.0.1:8080"}, {"User-Agent", "bench"}, {"Content-Type", "application/json"},
      {"Content-Length", "188"}, {"Accept", "*/*"}};
  const std::string batch = batch_body(100);
  std::printf("batch  (100 events, %zu bytes): %.0f events per CPU-second\n", batch.size(),
              events_per_cpu_second("application/json", batch, plain_headers, 100, seconds));
  const std::string single = event_text();
  std::printf("single (1 event, %zu bytes): %.0f events per CPU-second\n", single.size(),
              events_per_cpu_second("application/json", single, plain_headers, 1, seconds));
  const eventbed::http_header_list binary_headers = {
      {"host", "127.0.0.1:8080"}, {"connection", "keep-alive"}, {"content-type", "application/json; charset=utf-8"},
      {"transfer-encoding", "chunked"}, {"ce-id", "0190b2b4-7a2c-7cc1-a1e5-1e2f3a4b5c6d"},
      {"ce-time", "2024-01-02T03:04:05.678Z"}, {"ce-type", "bench"}, {"ce-source", "/bench"},
      {"ce-specversion", "1.0"}, {"user-agent", "node"}};
  const std::string data = R"({"payload":")" + std::string(150, 'x') + "\"}";
  std::printf("binary (1 event, %zu-byte body): %.0f events per CPU-second\n", data.size(),
              events_per_cpu_second("application/json; charset=utf-8", data, binary_headers, 1, seconds));
  return 0;
}
