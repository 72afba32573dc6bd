#include "gateways/json_envelope.hpp"

#include <utility>

namespace eventbed {

namespace {

class envelope_reader {
 public:
  envelope_reader(std::string_view body, size_t max_depth, size_t max_elements)
      : scanner_(body, max_depth), max_elements_(max_elements) {}

  std::variant<json_envelope, envelope_error> read() {
    envelope_.array = scanner_.peek() == '[';
    const bool read = envelope_.array ? scanner_.open() && read_elements() : read_element();
    if (read && scanner_.finish()) return std::move(envelope_);
    return failure();
  }

 private:
  bool read_elements() {
    for (;;) {
      bool ended;
      if (!scanner_.next_entry(ended)) return false;
      if (ended) return true;
      if (!read_element()) return false;
    }
  }

  // The body, or one element of the top-level array: an object's members are
  // recorded, anything else is only read.
  bool read_element() {
    json_element element;
    const int first = scanner_.peek();
    const bool container = first == '{' || first == '[';
    if (container && !(scanner_.check_depth() && room_for_element())) return false;
    if (first == '{') {
      element.kind = json_kind::object;
      element.first_member = envelope_.members.size();
      if (!scanner_.open() || !read_members()) return false;
      element.member_count = envelope_.members.size() - element.first_member;
    } else {
      json_value value;
      if (!scanner_.read_value(value)) return false;
      if (!container && !room_for_element()) return false;
      element.kind = value.kind;
    }
    envelope_.elements.push_back(element);
    return true;
  }

  bool read_members() {
    for (;;) {
      bool ended;
      std::string_view key;
      if (!scanner_.next_entry(ended, &key)) return false;
      if (ended) return true;
      json_member& member = envelope_.members.emplace_back();
      member.key = key;
      if (!scanner_.read_value(member.value)) return false;
    }
  }

  bool room_for_element() {
    too_many_ = envelope_.array && envelope_.elements.size() == max_elements_;
    return !too_many_;
  }

  envelope_error failure() const {
    if (too_many_) return {json_error{json_error_code::too_many_elements, {}, {}}, std::nullopt};
    envelope_error error{scanner_.error(), std::nullopt};
    // Depth 2 and more is inside an element: the array is depth 1.
    if (envelope_.array && scanner_.depth() >= 2 && error.error.code != json_error_code::syntax) {
      error.element = envelope_.elements.size();
    }
    return error;
  }

  json_scanner scanner_;
  const size_t max_elements_;
  json_envelope envelope_;
  bool too_many_ = false;
};

}  // namespace

std::variant<json_envelope, envelope_error> read_envelope(std::string_view body,
                                                          size_t max_depth,
                                                          size_t max_elements) {
  return envelope_reader(body, max_depth, max_elements).read();
}

}  // namespace eventbed
