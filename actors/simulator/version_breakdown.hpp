// The simulator's figures split by the build that answered.
//
// Every answer of eventbed names its build in the Eventbed-Version header
// (common/served_version.hpp). While two builds serve behind one Service (a
// rolling update, blue/green, a canary), this is what tells them apart: per
// served version, the requests by target, kind and result, their latency per
// kind, and the events it accepted. A canary's error ratio and latency can
// then be compared with the stable version's over the same minutes.
//
// A request that got no HTTP answer (timeout, refused connection), or an
// answer without the header (a proxy's own 502), counts under `unknown_version`.
//
// Latency here is the exchange itself, sent -> answered, of every request:
// what the build that answered cost, comparable between builds. (The report's
// ingest latency counts from the scheduled send time instead, to include
// the simulator's own queueing.)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "actors/simulator/latency_recorder.hpp"

namespace eventbed {

inline constexpr const char* unknown_version = "none";

class version_breakdown {
 public:
  using request_key = std::tuple<std::string, std::string, std::string>;  // target, kind, result

  struct figures {
    std::map<request_key, uint64_t> requests;
    uint64_t total = 0;
    uint64_t errors = 0;  // requests whose result is not "ok"
    std::map<std::string, latency_recorder> latency;  // by kind, seconds from send to answer
    uint64_t events_accepted = 0;
  };

  // One request of `kind` to `target` that ended as `result` ("ok" or the
  // failure), answered by `served_by` ("" for none), in `seconds`.
  void request(const std::string& served_by, const std::string& target, const std::string& kind,
               const std::string& result, double seconds);
  // `events` were answered 202 by `served_by`.
  void accepted(const std::string& served_by, uint64_t events);

  const std::map<std::string, figures>& by_version() const { return versions_; }

  // Requests by (target, kind, result), whoever answered.
  std::map<request_key, uint64_t> requests() const;

 private:
  figures& of(const std::string& served_by);
  std::map<std::string, figures> versions_;
};

}  // namespace eventbed
