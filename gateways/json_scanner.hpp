// A strict single-pass JSON (RFC 8259) scanner for ingest bodies.
//
// Why not a JSON library: building a DOM (nlohmann's, of std::map objects) and
// dumping `data` back to text costs more than anything else ingest does
// (bench/README.md, "Parser micro-benchmark"). This scanner
// validates the text once and hands out byte spans of it, so ingest copies
// only the bytes it stores and builds no tree.
//
// Grammar: RFC 8259, and exactly as strict as nlohmann::json::parse (3.11),
// the reference the fuzz target checks it against (tests/fuzz):
//   - whitespace is space, tab, LF and CR; no comments, no trailing commas,
//     nothing but whitespace after the top-level value;
//   - numbers are -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; one whose
//     magnitude rounds past the largest double ("1e999") is an error, one that
//     underflows ("1e-999") is not (a double reads it as 0);
//   - strings: the escapes \" \\ \/ \b \f \n \r \t \uXXXX only; a \u escape of
//     a UTF-16 surrogate must be a high one followed by a low one; bytes
//     below 0x20 must be escaped; the rest must be UTF-8 (no overlong forms, no
//     encoded surrogates, nothing above U+10FFFF);
//   - two lenient rules of nlohmann's are kept: a UTF-8 byte order mark at the very start is skipped, and a
//     NUL byte after the top-level value ends the text (nlohmann reads NUL as
//     end of input), so whatever follows it is ignored.
//
// Limits are checked while scanning, so a hostile text is rejected at the
// offending byte, never after being read whole:
//   - depth: opening a container while max_depth containers are open fails;
//   - duplicate keys, in every object at every depth, compared decoded ("a"
//     and "\u0061" are the same key). An object of more than 16 keys gets a
//     sorted index, so even 100k keys cost O(n log n), not O(n^2).
//
// Usage: a caller walks the levels it cares about with peek(), open() and
// next_entry(), reads every other value whole with read_value(), and ends
// with finish(). After any call returns false, error() says why and the
// scanner must not be used further. Nothing is thread-safe; the text must
// outlive the scanner and every json_value taken from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace eventbed {

enum class json_kind : uint8_t { null, boolean, number, string, array, object };

// One complete value, as a span of the scanned text.
struct json_value {
  json_kind kind = json_kind::null;
  std::string_view text;  // the value's bytes; a string's include its quotes
  bool escaped = false;   // a string holding at least one backslash escape
  bool compact = true;    // no whitespace between the value's tokens
};

enum class json_error_code : uint8_t {
  syntax,             // not JSON, or not the strict JSON above
  too_deep,           // a container would make more than max_depth open ones
  duplicate_key,      // a key repeated within one object
  too_many_elements,  // read_envelope() only: the top-level array is too long
};

struct json_error {
  json_error_code code = json_error_code::syntax;
  // syntax: "parse error at line L, column C: <what>", printable ASCII. Line
  // and column are 1-based and count bytes; the end of input is the column
  // after the last byte.
  std::string message;
  std::string key;  // duplicate_key: the key, decoded (any bytes)
};

// A value's string content: escapes decoded to UTF-8. `value` must be a
// string that the scanner read.
std::string json_string_value(const json_value& value);

// The JSON string of `text`: `"` and `\` escaped, bytes below 0x20 as \u00XX,
// the rest as it is. Bytes that are not UTF-8 become U+FFFD, so the result is
// always valid JSON.
std::string json_quoted(std::string_view text);

// A value's text without whitespace between tokens: keys stay in their
// order, and escapes and number spellings stay as written, so the result is
// valid JSON of the same value. `value` must come from the scanner.
std::string json_compact_text(const json_value& value);

class json_scanner {
 public:
  json_scanner(std::string_view text, size_t max_depth);

  // The next byte after whitespace, not consumed; -1 at the end of the text.
  int peek();

  // Number of open containers.
  size_t depth() const { return frames_.size(); }

  // Fails with too_deep if max_depth containers are open; consumes nothing.
  bool check_depth();

  // Consumes the '{' or '[' that peek() returned and opens that container.
  bool open();

  // Moves to the next entry of the innermost open container: after its
  // opening bracket or a value, consumes the closing bracket (then `ended`
  // is set and the container is closed) or else a ',' (not before the first
  // entry) and, in an object, the key and ':'. `key`, if not null, receives
  // the decoded key; it stays valid until the object closes. The entry's
  // value comes next.
  bool next_entry(bool& ended, std::string_view* key = nullptr);

  // Reads one complete value of any kind, containers and all.
  bool read_value(json_value& value);

  // After the top-level value: only whitespace may follow (or a NUL, see
  // above).
  bool finish();

  const json_error& error() const { return error_; }

 private:
  struct frame {
    json_kind kind;
    bool has_entries = false;
    size_t first_key;                                  // into keys_
    size_t first_decoded;                              // into decoded_keys_
    std::unique_ptr<std::set<std::string_view>> index;  // for large objects
  };

  void skip_whitespace();
  bool begin_value(json_value& value);
  bool read_string(bool& escaped);
  bool read_escape();
  bool read_utf8();
  bool read_number();
  bool read_literal(std::string_view word);
  bool read_key(std::string_view& key);
  bool add_key(frame& object, std::string_view key);

  bool fail(json_error_code code);
  bool syntax_error(const char* at, std::string what);
  bool unexpected(const char* at, const char* expected);

  const char* const begin_;
  const char* const end_;
  const char* pos_;
  const size_t max_depth_;
  size_t whitespace_ = 0;  // bytes of whitespace skipped so far
  std::vector<frame> frames_;
  // Keys of all open objects, innermost last; escaped keys point into
  // decoded_keys_, whose strings never move (deque), the others into the text.
  std::vector<std::string_view> keys_;
  std::deque<std::string> decoded_keys_;
  json_error error_;
};

}  // namespace eventbed
