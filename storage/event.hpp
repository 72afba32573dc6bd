// The records that travel through eventbed's two Redis streams.
//
// An `event` is what a client sent, after validation. It is appended to the
// events stream unchanged, so every field here but `client_id` is part of the
// durable format.
// An `outcome` is what processing concluded about one event; it is appended to
// the outcomes stream. Nothing in this header knows about Redis, SQLite or CAF.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eventbed {

struct event {
  std::string id;           // client-supplied, or a generated UUIDv7 (time ordered)
  std::string type;         // routes the event to its processing handler
  std::string source;       // free text, may be empty
  std::string data;         // the payload as compact JSON text ("null" if absent)
  std::string traceparent;  // W3C trace context, always set by ingest
  // True when the client chose the id: the append then goes through the
  // dedupe script, so a retry with the same id is answered as a duplicate.
  // Not stored: an event read back from the log leaves it false.
  bool client_id = false;
};

// What the log said about one appended event.
struct append_result {
  std::string id;          // the event id (never the stream entry id)
  bool duplicate = false;  // a client id seen before: nothing new was written
};

// An event as read back from the events stream.
struct logged_event {
  std::string stream_id;        // Redis entry id, "<ms>-<seq>"
  event ev;
  uint32_t deliveries = 1;      // how often the consumer group handed it out
};

enum class outcome_status : uint8_t { processed, failed };

struct outcome {
  std::string event_id;
  outcome_status status = outcome_status::processed;
  std::string detail;         // result as JSON text if processed, the reason if failed
  uint32_t attempts = 1;      // deliveries it took
  int64_t processed_at_ms = 0;
  std::string traceparent;    // copied from the event so the trace spans both streams
};

struct logged_outcome {
  std::string stream_id;
  outcome out;
};

// Milliseconds since the epoch encoded in a stream entry id ("<ms>-<seq>").
int64_t stream_id_ms(const std::string& stream_id);

// Orders stream entry ids as Redis does: by milliseconds, then sequence.
// Negative, zero or positive like strcmp.
int compare_stream_ids(const std::string& a, const std::string& b);

}  // namespace eventbed
