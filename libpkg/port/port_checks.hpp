#pragma once

// Checks on single values of a manifest, shared by the reader and lint.

#include <optional>
#include <string>

#include "pkg/digest.hpp"

namespace pkg {

/// A URL with optional {name}/{version}/{major}/{minor}/{patch} templates:
/// https, http, ftp (with a host) or file, no spaces or control characters.
std::optional<std::string> check_url_template(const std::string& url);
/// Only known {placeholders}, balanced braces.
std::optional<std::string> check_template(const std::string& text);
/// A plain file name: not empty, no '/', not '.' or '..', no spaces or control characters.
std::optional<std::string> check_file_name(const std::string& name);
/// A relative path: no leading '/', no empty, '.' or '..' component, no control characters.
std::optional<std::string> check_relative_path(const std::string& path);
/// One line of text: no control characters.
std::optional<std::string> check_one_line(const std::string& text);
/// Debian's source package names: [a-z0-9][a-z0-9+.-]+.
std::optional<std::string> check_debian_source(const std::string& name);
/// Debian's versions: [epoch:]upstream[-revision], letters, digits and . + ~ - :.
std::optional<std::string> check_debian_version(const std::string& version);
/// Lower-case hexadecimal of the algorithm's length.
std::optional<std::string> check_digest(const std::string& digest, DigestAlgorithm algorithm);

}  // namespace pkg
