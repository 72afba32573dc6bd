// Base64 (RFC 4648 section 4: the standard alphabet, padded, no line breaks),
// the encoding of CloudEvents `data_base64`: ingest decodes it, and GET
// /events/{id} encodes a non-JSON payload's bytes with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eventbed {

std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes, or nullopt if it is not base64 as above: a
// multiple of four characters of the alphabet, with `=` only as the last one
// or two. Bits after the last byte are ignored (RFC 4648 section 3.5 lets a
// decoder accept them), so such a text decodes to the bytes its canonical
// form, which encode() gives back, encodes.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace eventbed
