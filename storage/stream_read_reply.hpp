// The entries of a stream read's reply (XREADGROUP, XREAD), decoded as hiredis
// parses it.
//
// A reply is [[stream, [[id, [name, value, ...]], ...]], ...]. Building it as
// a redis_reply tree first costs, per entry, two vectors of replies, a copy of
// every value (the packed event, about 290 bytes) and the frees of all of it;
// decoded on the fly, each value is copied once, into the member it fills.
// The result is the same as decoding the tree: entries in reply order, events
// by storage/event_entry.hpp (either format), outcomes by the fields
// storage/event_log.hpp lists, an entry whose fields are nil (deleted from the
// stream) skipped, and entries of a stream not named here ignored. A packed
// event this build cannot read makes the command throw storage_error once the
// reply is read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/event.hpp"
#include "storage/redis_connection.hpp"

namespace eventbed {

class stream_read_reply final : public reply_visitor {
 public:
  // Entries of the stream `events_stream` are appended to `events`, those of
  // `outcomes_stream` to `outcomes` (null: that stream is not read). The
  // names and vectors must outlive the command.
  stream_read_reply(std::string_view events_stream, std::vector<logged_event>* events,
                    std::string_view outcomes_stream = {}, std::vector<logged_outcome>* outcomes = nullptr);

  void array(int depth, size_t index, size_t elements) override;
  void string(int depth, size_t index, std::string_view s) override;
  void scalar(int depth, size_t index) override;

 private:
  enum class stream { other, events, outcomes };
  // Depth of each part of the reply (the reply itself is 0).
  static constexpr int stream_depth = 1, entries_depth = 2, entry_depth = 3, field_list_depth = 4, field_depth = 5;

  void field(size_t index, std::string_view s);

  std::string_view events_stream_;
  std::string_view outcomes_stream_;
  std::vector<logged_event>* events_;
  std::vector<logged_outcome>* outcomes_;
  size_t pair_size_ = 0;   // elements of the current [stream, entries] pair
  stream stream_ = stream::other;
  bool in_entry_ = false;  // the last entry begun is live so far, and was appended
  size_t fields_ = 0;      // names and values of the current entry
  // The current field's name, copied: hiredis's buffer can move before its
  // value arrives. Every name eventbed reads fits; a longer one is kept as ""
  // (which names no member, as it would not either).
  char name_[16];
  size_t name_size_ = 0;
};

}  // namespace eventbed
