#pragma once

// Checks on single values of a manifest, shared by the reader and lint.

#include <optional>
#include <string>

#include "pkg/digest.hpp"

namespace pkg {

/// A URL with optional {name}/{version}/{major}/{minor}/{patch} templates:
/// https, http or ftp, a host, no spaces or control characters.
std::optional<std::string> check_url_template(const std::string& url);
/// Only known {placeholders}, balanced braces.
std::optional<std::string> check_template(const std::string& text);
/// Lower-case hexadecimal of the algorithm's length.
std::optional<std::string> check_digest(const std::string& digest, DigestAlgorithm algorithm);

}  // namespace pkg
