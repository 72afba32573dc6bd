#include "storage/event_entry.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>

#include "storage/storage_error.hpp"

namespace eventbed {

namespace {

constexpr std::string_view packed_field = "e";
constexpr std::string_view packed_prefix = "2|";

/* ------------------------------------------------------------------------
 * Format 2: netstrings
 * ------------------------------------------------------------------------ */

// Bytes of "<length>:<s>,".
size_t netstring_size(std::string_view s) {
  size_t digits = 1;
  for (size_t n = s.size(); n >= 10; n /= 10)
    ++digits;
  return digits + 1 + s.size() + 1;
}

// Writes "<length>:<s>," at `out`, which has netstring_size(s) bytes; returns the end.
char* write_netstring(char* out, std::string_view s) {
  auto [end, ec] = std::to_chars(out, out + 20, s.size());
  assert(ec == std::errc());
  *end++ = ':';
  if (!s.empty())
    std::memcpy(end, s.data(), s.size());
  end += s.size();
  *end++ = ',';
  return end;
}

// Reads the next netstring of `in` into `out`; false at the end of `in`.
bool next_netstring(std::string_view& in, std::string_view& out) {
  if (in.empty())
    return false;
  size_t length = 0;
  auto [colon, ec] = std::from_chars(in.data(), in.data() + in.size(), length);
  size_t header = static_cast<size_t>(colon - in.data());
  if (ec != std::errc() || header == in.size() || *colon != ':' ||
      in.size() - header - 1 < length + 1 || in[header + 1 + length] != ',')
    throw storage_error("events entry: a packed member is cut short or malformed");
  out = in.substr(header + 1, length);
  in.remove_prefix(header + 1 + length + 1);
  return true;
}

// Fills a fresh `ev` from a format 2 value.
void decode_packed(std::string_view in, event& ev) {
  if (in.substr(0, packed_prefix.size()) != packed_prefix) {
    auto version = in.substr(0, std::min<size_t>(in.find('|'), 16));
    bool numeric = !version.empty() && version.find_first_not_of("0123456789") == std::string_view::npos;
    throw storage_error(numeric ? "events entry has log format " + std::string(version) +
                                      ", newer than this build reads (formats 1 and 2)"
                                : std::string("events entry: a packed value without a format version"));
  }
  in.remove_prefix(packed_prefix.size());
  std::string* const members[] = {&ev.id,          &ev.type,
                                  &ev.source,      &ev.data,
                                  &ev.traceparent, &ev.datacontenttype,
                                  &ev.attributes};
  std::string_view member;
  for (auto* m : members) {
    if (!next_netstring(in, member))
      return;
    *m = std::string(member);  // constructed, not assign()ed: cheaper for a fresh string
  }
  if (next_netstring(in, member))
    ev.binary_data = member == "1";
}

}  // namespace

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

event_entry::event_entry(const event& ev, log_format format) {
  if (format == log_format::packed) {
    const std::string_view members[] = {ev.id,          ev.type,
                                        ev.source,      ev.data,
                                        ev.traceparent, ev.datacontenttype,
                                        ev.attributes,  ev.binary_data ? "1" : ""};
    size_t kept = std::size(members);
    while (kept > 0 && members[kept - 1].empty())
      --kept;
    // Sized exactly, then written in place: one allocation, no appends.
    size_t bytes = packed_prefix.size();
    for (size_t i = 0; i < kept; ++i)
      bytes += netstring_size(members[i]);
    packed_.resize(bytes);
    char* out = packed_.data();
    std::memcpy(out, packed_prefix.data(), packed_prefix.size());
    out += packed_prefix.size();
    for (size_t i = 0; i < kept; ++i)
      out = write_netstring(out, members[i]);
    assert(out == packed_.data() + packed_.size());
    add(packed_field, packed_);
    return;
  }
  add("id", ev.id);
  add("type", ev.type);
  add("source", ev.source);
  add("data", ev.data);
  add("tp", ev.traceparent);
  if (!ev.datacontenttype.empty())
    add("ct", ev.datacontenttype);
  if (!ev.attributes.empty())
    add("attrs", ev.attributes);
  if (ev.binary_data)
    add("bin", "1");
}

void event_entry::add(std::string_view name, std::string_view value) {
  assert(size_ + 2 <= items_.size());
  items_[size_++] = name;
  items_[size_++] = value;
}

/* ------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

void decode_event_field(std::string_view name, std::string_view value, size_t fields, event& ev) {
  if (fields == 2 && name == packed_field) return decode_packed(value, ev);
  if (name == "id") ev.id = std::string(value);
  else if (name == "type") ev.type = std::string(value);
  else if (name == "source") ev.source = std::string(value);
  else if (name == "data") ev.data = std::string(value);
  else if (name == "tp") ev.traceparent = std::string(value);
  else if (name == "ct") ev.datacontenttype = std::string(value);
  else if (name == "attrs") ev.attributes = std::string(value);
  else if (name == "bin") ev.binary_data = value == "1";
}

event decode_event_entry(const std::vector<redis_reply>& f) {
  event ev;
  for (size_t i = 0; i + 1 < f.size(); i += 2)
    decode_event_field(f[i].str, f[i + 1].str, f.size(), ev);
  return ev;
}

}  // namespace eventbed
