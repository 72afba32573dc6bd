// GET /events/{id} as a CloudEvent: a stored event in the CloudEvents JSON
// format (structured mode, format 1.0.2), so that an event ingested as a
// CloudEvent, in any mode, comes back as the CloudEvent it was.
//
// Members, in this order:
//   specversion      "1.0"
//   id, source, type the event's. CloudEvents requires a non-empty source,
//                    so an event ingested as plain JSON without one gets
//                    kNoSource.
//   datacontenttype  if the event has one
//   the attributes   time, subject, dataschema and extensions, each exactly as
//                    sent (event::attributes)
//   traceparent      the event's trace context, as the Distributed Tracing
//                    extension: the one it carried if valid, else the one
//                    from the HTTP traceparent header at ingest, else the one
//                    eventbed started for it (the extension lets middleware
//                    add it when the source did not)
//   data             JSON data, the value as stored; absent when it is null
//   data_base64      instead, the bytes of non-JSON data
// eventbed's own view of the event (status, timestamps, result) is not part
// of the CloudEvent: the plain JSON answer has it.
#pragma once

#include <string>
#include <string_view>

#include "storage/projection_reader.hpp"

namespace eventbed {

inline constexpr std::string_view kNoSource = "urn:eventbed:ingest";

std::string cloudevent_json(const event_record& rec);

// True if an Accept header value asks for application/cloudevents+json: it
// names that media type with q > 0 and does not name application/json with a
// higher q. Wildcards (*/*) do not ask for it: they get the plain answer.
bool accepts_cloudevent(std::string_view accept);

}  // namespace eventbed
