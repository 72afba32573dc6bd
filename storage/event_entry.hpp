// How an event is laid out in an entry of the events stream.
//
// Two formats exist, and every reader accepts both, in any mix, in one log:
//
//   format 1, one field per member:
//     id, type, source, data, tp (traceparent), and only when the event has
//     them: ct (datacontenttype), attrs (attributes), bin ("1": data is bytes).
//     Field order does not matter; a missing field reads as empty (false for
//     bin). Entries written before ct, attrs and bin existed read as events
//     with JSON data and no CloudEvents attributes.
//
//   format 2, one packed field:
//     e = "2|" followed by the members as netstrings ("<length>:<bytes>,"),
//     in the order id, type, source, data, traceparent, datacontenttype,
//     attributes, binary ("1" or ""). Trailing empty members are left out and
//     read as empty. One field instead of five makes an XADD two arguments
//     instead of ten, for Redis to parse and store, and for readers to take
//     apart. The version prefix lets a later format keep the field name.
//
// A format 2 value whose version is not 2 comes from a newer build: decoding
// throws storage_error rather than guess, so a reader never processes or
// projects an event it misread. Which format a writer uses is the log's
// setting (event_log.hpp), not the writer's.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "storage/event.hpp"
#include "storage/redis_connection.hpp"

namespace eventbed {

enum class log_format { fields = 1, packed = 2 };

// The newest format this build reads and writes.
constexpr log_format newest_log_format = log_format::packed;

// An event's entry for XADD: field names and values in turn. Views into the
// event (and, for format 2, into this object): keep both alive while in use.
class event_entry {
 public:
  event_entry(const event& ev, log_format format);
  event_entry(const event_entry&) = delete;
  event_entry& operator=(const event_entry&) = delete;

  size_t size() const { return size_; }
  std::string_view operator[](size_t i) const { return items_[i]; }

 private:
  void add(std::string_view name, std::string_view value);

  std::array<std::string_view, 16> items_;
  size_t size_ = 0;
  std::string packed_;
};

// The event in an entry's field list (names and values in turn, as XRANGE
// and XREADGROUP return them), in either format. Throws storage_error for a
// packed value of a format this build does not know, or one that is cut short.
event decode_event_entry(const std::vector<redis_reply>& fields);

// The same one field at a time, for a reader that sees the fields as they are
// parsed (reply_visitor): sets the members of a fresh `ev` that the field
// names. `fields` is how many names and values the entry has, which tells a
// format 2 entry (the one field "e") apart. The same errors.
void decode_event_field(std::string_view name, std::string_view value, size_t fields, event& ev);

}  // namespace eventbed
