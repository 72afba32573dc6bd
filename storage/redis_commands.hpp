// A batch of Redis commands already encoded in RESP, for one pipelined round
// trip (redis_connection::pipeline).
//
// Why not a vector of argv vectors: the hot paths (appending events, recording
// outcomes) would copy every field of every event into a fresh std::string and
// then have hiredis format each command again with its printf-style encoder.
// Here each argument is written once, straight into one growing buffer, from a
// string_view of wherever it already lives.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace eventbed {

class redis_commands {
 public:
  // Appends one command: its name and arguments, binary safe.
  void add(std::initializer_list<std::string_view> argv);

  // The same, in pieces, for commands with a variable number of arguments:
  // begin(n) announces n arguments, then exactly n arg() calls follow.
  void begin(size_t argc);
  void arg(std::string_view value);

  // Empties the batch and keeps the buffer, so that a caller sending one
  // batch after another allocates once instead of once a batch (at least
  // 4 KiB, too large for malloc's per-thread cache).
  void clear() {
    used_ = 0;
    count_ = 0;
  }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view encoded() const { return {buf_.get(), used_}; }

 private:
  // Where the next bytes go, with room for `n` of them; used_ is not moved.
  // The check is inline: it runs once per argument.
  char* room(size_t n) { return capacity_ - used_ >= n ? buf_.get() + used_ : grow(n); }
  char* grow(size_t n);

  // Not a std::string: its append() and resize() are calls into the library
  // that cost more than the copies they make, several times per argument.
  std::unique_ptr<char[]> buf_;
  size_t used_ = 0;
  size_t capacity_ = 0;
  size_t count_ = 0;
};

}  // namespace eventbed
