// UTF-8 validation of input text: every name, description and note read from a file ends up
// in JSON, and JSON is UTF-8 (nlohmann::json throws on anything else when it prints).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fleetplan::utf8 {

//! The offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629:
//! no overlong forms, no surrogates, nothing above U+10FFFF); nullopt when all of it is.
std::optional<std::size_t> first_invalid(std::string_view text);

//! Checks that `text` (the contents of file `name`) is UTF-8; the error gives the line and
//! column of the first bad byte and its value.
Status check(std::string_view text, const std::string& name);

}  // namespace fleetplan::utf8
