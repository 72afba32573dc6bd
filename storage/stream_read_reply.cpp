#include "storage/stream_read_reply.hpp"

#include <cstring>

#include "storage/event_entry.hpp"
#include "storage/event_log.hpp"

namespace eventbed {

stream_read_reply::stream_read_reply(std::string_view events_stream, std::vector<logged_event>* events,
                                     std::string_view outcomes_stream, std::vector<logged_outcome>* outcomes)
    : events_stream_(events_stream), outcomes_stream_(outcomes_stream), events_(events), outcomes_(outcomes) {}

void stream_read_reply::array(int depth, size_t index, size_t elements) {
  switch (depth) {
    case stream_depth:
      pair_size_ = elements;
      stream_ = stream::other;
      break;
    case entries_depth:
      // Sized once per stream: no growth while the entries come.
      if (index == 1 && stream_ == stream::events) events_->reserve(events_->size() + elements);
      if (index == 1 && stream_ == stream::outcomes) outcomes_->reserve(outcomes_->size() + elements);
      break;
    case entry_depth:
      in_entry_ = elements >= 2 && stream_ != stream::other;
      if (in_entry_ && stream_ == stream::events) events_->emplace_back();
      if (in_entry_ && stream_ == stream::outcomes) outcomes_->emplace_back();
      break;
    case field_list_depth:
      if (in_entry_ && index == 1) fields_ = elements;
      else if (in_entry_) string(depth, index, {});  // an id that is no string reads as empty
      break;
    case field_depth:
      if (in_entry_) field(index, {});  // as an empty string, like the tree's str
      break;
    default:
      break;
  }
}

void stream_read_reply::string(int depth, size_t index, std::string_view s) {
  if (depth == entries_depth && index == 0) {
    stream_ = pair_size_ != 2                              ? stream::other
              : events_ != nullptr && s == events_stream_     ? stream::events
              : outcomes_ != nullptr && s == outcomes_stream_ ? stream::outcomes
                                                              : stream::other;
  } else if (depth == field_list_depth && in_entry_) {
    if (index == 0) {
      std::string id(s);
      if (stream_ == stream::events) events_->back().stream_id = std::move(id);
      else outcomes_->back().stream_id = std::move(id);
    } else if (index == 1) {
      scalar(depth, index);  // fields that are no array: as deleted
    }
  } else if (depth == field_depth && in_entry_) {
    field(index, s);
  }
}

void stream_read_reply::scalar(int depth, size_t index) {
  if (depth == field_list_depth && in_entry_ && index == 1) {
    // Nil fields: deleted from the stream, nothing to read.
    if (stream_ == stream::events) events_->pop_back();
    else outcomes_->pop_back();
    in_entry_ = false;
  } else if (depth == field_list_depth && in_entry_ && index == 0) {
    string(depth, index, {});
  } else if (depth == field_depth && in_entry_) {
    field(index, {});
  }
}

void stream_read_reply::field(size_t index, std::string_view s) {
  if (index % 2 == 0) {
    name_size_ = s.size() <= sizeof name_ ? s.size() : 0;
    if (name_size_ > 0) std::memcpy(name_, s.data(), name_size_);
    return;
  }
  const std::string_view name(name_, name_size_);
  if (stream_ == stream::events) decode_event_field(name, s, fields_, events_->back().ev);
  else decode_outcome_field(name, s, outcomes_->back().out);
}

}  // namespace eventbed
