#include "gateways/json_scanner.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "gateways/json_number.hpp"
#include "gateways/utf8.hpp"

namespace eventbed {

namespace {

// Past this many keys an object's duplicate check switches from a linear scan
// (fastest for the few keys events have) to a sorted index.
constexpr size_t linear_key_limit = 16;

// Bytes a string holds as they are: printable ASCII but '"' and '\'. A table,
// because strings are long runs of these and the loop over them is the
// scanner's hottest.
struct plain_byte_table {
  bool plain[256];
  constexpr plain_byte_table() : plain() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr plain_byte_table plain_bytes;

// Whether any of the 8 bytes at p is not plain (SWAR: a byte's top bit in the
// result is set where it is below 0x20, '"', '\\' or at least 0x80). Exact, not
// just probable: the zero tests have no false positives for "any byte".
bool any_special(const char* p) {
  constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  auto has_zero = [](uint64_t v) { return (v - ones) & ~v & highs; };
  const uint64_t below_space = (w - ones * 0x20) & ~w & highs;
  return (below_space | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\')) | (w & highs)) != 0;
}

// The first byte at or after p (before end) that is not plain: eight at a
// time while they are all plain, which is most of a long string.
const char* skip_plain(const char* p, const char* end) {
  while (end - p >= 8 && !any_special(p))
    p += 8;
  while (p != end && plain_bytes.plain[static_cast<unsigned char>(*p)])
    ++p;
  return p;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char* skip_digits(const char* p, const char* end) {
  while (p != end && is_digit(*p)) ++p;
  return p;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at p (end permitting) into `unit`.
bool read_hex4(const char* p, const char* end, uint32_t& unit) {
  if (end - p < 4) return false;
  unit = 0;
  for (int i = 0; i < 4; ++i) {
    const int digit = hex_value(p[i]);
    if (digit < 0) return false;
    unit = unit << 4 | static_cast<uint32_t>(digit);
  }
  return true;
}

bool high_surrogate(uint32_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool low_surrogate(uint32_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | code_point >> 6);
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | code_point >> 12);
    out += static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | code_point >> 18);
    out += static_cast<char>(0x80 | (code_point >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

bool whitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

std::string json_string_value(const json_value& value) {
  const std::string_view text = value.text.substr(1, value.text.size() - 2);
  if (!value.escaped) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t backslash = std::min(text.find('\\', i), text.size());
    out.append(text.data() + i, backslash - i);
    if (backslash == text.size()) break;
    const char escape = text[backslash + 1];
    i = backslash + 2;
    switch (escape) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t unit = 0;
        read_hex4(text.data() + i, text.data() + text.size(), unit);
        i += 4;
        if (high_surrogate(unit)) {  // the scanner checked that "\uDC00".."\uDFFF" follows
          uint32_t low = 0;
          read_hex4(text.data() + i + 2, text.data() + text.size(), low);
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        append_utf8(out, unit);
        break;
      }
      default: out += escape;  // '"', '\\' or '/'
    }
  }
  return out;
}

std::string json_quoted(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = utf8_sequence_length(text.substr(i));
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
  return out;
}

std::string json_compact_text(const json_value& value) {
  if (value.compact) return std::string(value.text);
  const std::string_view text = value.text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (whitespace(text[i])) continue;
    if (text[i] != '"') {
      out += text[i];
      continue;
    }
    size_t close = i + 1;  // strings are copied whole: their spaces are content
    while (text[close] != '"') close += text[close] == '\\' ? 2 : 1;
    out.append(text.data() + i, close + 1 - i);
    i = close;
  }
  return out;
}

json_scanner::json_scanner(std::string_view text, size_t max_depth)
    : begin_(text.data()), end_(text.data() + text.size()), pos_(begin_), max_depth_(max_depth) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos_ += 3;  // a byte order mark, see the header
}

void json_scanner::skip_whitespace() {
  const char* p = pos_;
  while (p != end_ && whitespace(*p)) ++p;
  whitespace_ += static_cast<size_t>(p - pos_);
  pos_ = p;
}

int json_scanner::peek() {
  skip_whitespace();
  return pos_ == end_ ? -1 : static_cast<unsigned char>(*pos_);
}

bool json_scanner::check_depth() {
  return frames_.size() < max_depth_ || fail(json_error_code::too_deep);
}

bool json_scanner::open() {
  if (!check_depth()) return false;
  const json_kind kind = *pos_ == '{' ? json_kind::object : json_kind::array;
  ++pos_;
  frames_.push_back(frame{kind, false, keys_.size(), decoded_keys_.size(), nullptr});
  return true;
}

bool json_scanner::next_entry(bool& ended, std::string_view* key) {
  frame& top = frames_.back();
  const bool object = top.kind == json_kind::object;
  skip_whitespace();
  ended = pos_ != end_ && *pos_ == (object ? '}' : ']');
  if (ended) {
    ++pos_;
    keys_.resize(top.first_key);
    decoded_keys_.resize(top.first_decoded);
    frames_.pop_back();
    return true;
  }
  if (top.has_entries) {
    if (pos_ == end_ || *pos_ != ',') return unexpected(pos_, object ? "',' or '}'" : "',' or ']'");
    ++pos_;
  }
  top.has_entries = true;
  if (!object) return true;
  std::string_view name;
  if (!read_key(name)) return false;
  if (key) *key = name;
  skip_whitespace();
  if (pos_ == end_ || *pos_ != ':') return unexpected(pos_, "':'");
  ++pos_;
  return true;
}

bool json_scanner::read_value(json_value& value) {
  value = json_value{};
  skip_whitespace();
  const char* const start = pos_;
  const size_t whitespace_before = whitespace_;
  const size_t base = frames_.size();
  if (!begin_value(value)) return false;
  while (frames_.size() > base) {  // iterative, so depth costs no stack
    bool ended;
    if (!next_entry(ended)) return false;
    json_value inner;
    if (!ended && !begin_value(inner)) return false;
  }
  value.text = std::string_view(start, static_cast<size_t>(pos_ - start));
  value.compact = whitespace_ == whitespace_before;
  return true;
}

bool json_scanner::finish() {
  skip_whitespace();
  if (pos_ == end_ || *pos_ == '\0') return true;  // NUL: see the header
  return unexpected(pos_, "the end of input");
}

// Reads a scalar whole, or opens a container (its entries come next).
bool json_scanner::begin_value(json_value& value) {
  skip_whitespace();
  if (pos_ == end_) return unexpected(pos_, "a value");
  switch (*pos_) {
    case '{': value.kind = json_kind::object; return open();
    case '[': value.kind = json_kind::array; return open();
    case '"': value.kind = json_kind::string; return read_string(value.escaped);
    case 't': value.kind = json_kind::boolean; return read_literal("true");
    case 'f': value.kind = json_kind::boolean; return read_literal("false");
    case 'n': value.kind = json_kind::null; return read_literal("null");
    default:
      if (*pos_ != '-' && !is_digit(*pos_)) return unexpected(pos_, "a value");
      value.kind = json_kind::number;
      return read_number();
  }
}

bool json_scanner::read_string(bool& escaped) {
  const char* p = pos_ + 1;
  for (;;) {
    p = skip_plain(p, end_);
    if (p == end_) return syntax_error(p, "unexpected end of input in a string");
    if (*p == '"') break;
    pos_ = p;
    if (*p == '\\') {
      escaped = true;
      if (!read_escape()) return false;
    } else if (static_cast<unsigned char>(*p) < 0x20) {
      return syntax_error(p, "control character in a string must be escaped");
    } else if (!read_utf8()) {
      return false;
    }
    p = pos_;
  }
  pos_ = p + 1;
  return true;
}

bool json_scanner::read_escape() {
  const char* p = pos_ + 1;
  if (p == end_) return syntax_error(p, "unexpected end of input in a string");
  switch (*p) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      pos_ = p + 1;
      return true;
    case 'u':
      break;
    default:
      return syntax_error(p, "invalid escape in a string");
  }
  uint32_t unit;
  if (!read_hex4(p + 1, end_, unit)) return syntax_error(p, "\\u needs 4 hex digits");
  p += 5;
  if (low_surrogate(unit)) {
    return syntax_error(p, "\\u escape of a low surrogate without a high one");
  }
  if (high_surrogate(unit)) {
    uint32_t low;
    if (end_ - p < 2 || p[0] != '\\' || p[1] != 'u' || !read_hex4(p + 2, end_, low) ||
        !low_surrogate(low)) {
      return syntax_error(p, "\\u escape of a high surrogate without a low one");
    }
    p += 6;
  }
  pos_ = p;
  return true;
}

// One multi-byte UTF-8 sequence, checked as RFC 3629 section 4 says: the
// second byte's range excludes overlong forms, UTF-16 surrogates and code
// points above U+10FFFF.
bool json_scanner::read_utf8() {
  const size_t length = utf8_sequence_length(std::string_view(pos_, static_cast<size_t>(end_ - pos_)));
  if (length == 0) return syntax_error(pos_, "invalid UTF-8 in a string");
  pos_ += length;
  return true;
}

bool json_scanner::read_number() {
  const char* p = pos_ + (*pos_ == '-');
  if (p == end_ || !is_digit(*p)) return syntax_error(p, "expected a digit after '-'");
  if (*p == '0') {
    if (++p != end_ && is_digit(*p)) return syntax_error(p, "leading zero in a number");
  } else {
    p = skip_digits(p, end_);
  }
  if (p != end_ && *p == '.') {
    if (++p == end_ || !is_digit(*p)) return syntax_error(p, "expected a digit after '.'");
    p = skip_digits(p, end_);
  }
  if (p != end_ && (*p == 'e' || *p == 'E')) {
    if (++p != end_ && (*p == '+' || *p == '-')) ++p;
    if (p == end_ || !is_digit(*p)) return syntax_error(p, "expected a digit in the exponent");
    p = skip_digits(p, end_);
  }
  if (!json_number_fits_double(std::string_view(pos_, static_cast<size_t>(p - pos_)))) {
    return syntax_error(pos_, "number overflow (beyond a double)");
  }
  pos_ = p;
  return true;
}

bool json_scanner::read_literal(std::string_view word) {
  if (static_cast<size_t>(end_ - pos_) < word.size() ||
      std::memcmp(pos_, word.data(), word.size()) != 0) {
    return syntax_error(pos_, "invalid literal");
  }
  pos_ += word.size();
  return true;
}

bool json_scanner::read_key(std::string_view& key) {
  skip_whitespace();
  if (pos_ == end_ || *pos_ != '"') return unexpected(pos_, "a key");
  json_value name{json_kind::string, {}, false, true};
  const char* const start = pos_;
  if (!read_string(name.escaped)) return false;
  name.text = std::string_view(start, static_cast<size_t>(pos_ - start));
  if (name.escaped) {
    key = decoded_keys_.emplace_back(json_string_value(name));
  } else {  // no escapes: the bytes are the decoded key
    key = name.text.substr(1, name.text.size() - 2);
  }
  return add_key(frames_.back(), key);
}

bool json_scanner::add_key(frame& object, std::string_view key) {
  const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(object.first_key);
  bool repeated;
  if (object.index) {
    repeated = !object.index->insert(key).second;
  } else {
    repeated = std::find(first, keys_.end(), key) != keys_.end();
    if (!repeated && keys_.end() - first >= static_cast<std::ptrdiff_t>(linear_key_limit)) {
      object.index = std::make_unique<std::set<std::string_view>>(first, keys_.end());
      object.index->insert(key);
    }
  }
  if (repeated) {
    error_.key = std::string(key);
    return fail(json_error_code::duplicate_key);
  }
  keys_.push_back(key);
  return true;
}

bool json_scanner::fail(json_error_code code) {
  error_.code = code;
  return false;
}

bool json_scanner::syntax_error(const char* at, std::string what) {
  size_t line = 1;
  const char* line_start = begin_;
  for (const char* p = begin_; p != at; ++p) {
    if (*p == '\n') {
      ++line;
      line_start = p + 1;
    }
  }
  error_.message = "parse error at line " + std::to_string(line) + ", column " +
                   std::to_string(at - line_start + 1) + ": " + what;
  return fail(json_error_code::syntax);
}

bool json_scanner::unexpected(const char* at, const char* expected) {
  char found[32];
  if (at == end_) {
    std::snprintf(found, sizeof found, "unexpected end of input");
  } else if (*at >= 0x20 && *at < 0x7f) {
    std::snprintf(found, sizeof found, "unexpected '%c'", *at);
  } else {
    std::snprintf(found, sizeof found, "unexpected byte 0x%02x", static_cast<unsigned char>(*at));
  }
  return syntax_error(at, std::string(found) + "; expected " + expected);
}

}  // namespace eventbed
