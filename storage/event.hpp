// The records that travel through eventbed's two Redis streams.
//
// An `event` is what a client sent, after validation. Every ingest form (plain
// JSON, and CloudEvents in structured, batch and binary mode) yields this one
// model, so the log, processing and the projection never depend on the form.
// It is appended to the events stream unchanged, so every field here but
// `client_id` is part of the durable format.
//
// How CloudEvents attributes are carried (specversion is not stored: "1.0" is
// the only one ingest accepts):
//   - id, type, source and traceparent (the Distributed Tracing extension,
//     which is eventbed's own trace context) are fields of every event;
//   - datacontenttype is a field because it says how to read `data`, which
//     every consumer of the payload must know without parsing anything else;
//   - time, subject, dataschema and every other extension mean nothing to
//     eventbed: they only have to come back exactly as sent. They travel as one
//     compact JSON object, which keeps each value's JSON type (a structured-mode
//     extension may be a number or a boolean), needs no change of the durable
//     format when producers add extensions, costs one stream field and one
//     column, and is absent when there are none, so a plain event costs nothing
//     more than before;
//   - data that is not JSON (a binary-mode body of another media type, a
//     structured-mode data_base64) is kept as its raw bytes: it comes back byte
//     for byte, costs no base64 expansion in Redis and SQLite, and a handler
//     sees the payload itself.
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
  std::string source;       // free text, may be empty (never for a CloudEvent)
  std::string data;         // the payload: compact JSON text ("null" if absent), or bytes (binary_data)
  std::string traceparent;  // W3C trace context, always set by ingest
  // True when the client chose the id: the append then goes through the
  // dedupe script, so a retry with the same id is answered as a duplicate.
  // Not stored: an event read back from the log leaves it false.
  bool client_id = false;
  // True when ingest made the traceparent because none valid came with the
  // event: the event then belongs to the trace of the request that brought it
  // (common/tracing.hpp). Not stored, like client_id.
  bool traceparent_made = false;
  std::string datacontenttype;  // the media type of `data` as the client named it, "" if it did not
  // The CloudEvents attributes other than the above (time, subject, dataschema,
  // extensions but traceparent), as a compact JSON object of the values as
  // sent, keys sorted; "" if the event has none.
  std::string attributes;
  bool binary_data = false;  // `data` holds raw bytes of a non-JSON payload, not JSON text
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
  // The event's, so the trace spans both streams; while tracing records it,
  // its parent id is the processing span's.
  std::string traceparent;
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
