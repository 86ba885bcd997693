#include "port_checks.hpp"

#include <fmt/format.h>

namespace pkg {

std::optional<std::string> check_template(const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '}') return fmt::format("unbalanced '}}' in '{}'", text);
        if (text[i] != '{') continue;
        size_t close = text.find('}', i);
        if (close == std::string::npos) return fmt::format("unclosed '{{' in '{}'", text);
        std::string key = text.substr(i + 1, close - i - 1);
        if (key != "name" && key != "version" && key != "major" && key != "minor" && key != "patch") {
            return fmt::format("unknown template '{{{}}}' in '{}' (known: {{name}} {{version}} {{major}} "
                               "{{minor}} {{patch}})",
                               key, text);
        }
        i = close;
    }
    return std::nullopt;
}

std::optional<std::string> check_url_template(const std::string& url) {
    size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return fmt::format("'{}' is not a URL (no scheme)", url);
    std::string scheme = url.substr(0, scheme_end);
    if (scheme != "https" && scheme != "http" && scheme != "ftp" && scheme != "file") {
        return fmt::format("unsupported URL scheme '{}' in '{}' (https, http, ftp or file)", scheme, url);
    }
    size_t host_end = url.find('/', scheme_end + 3);
    std::string host = url.substr(scheme_end + 3, host_end == std::string::npos ? std::string::npos
                                                                               : host_end - scheme_end - 3);
    // file:///path names no host (a local mirror, a test); the others must.
    if (scheme == "file" && (host_end == std::string::npos || url.size() == host_end + 1)) {
        return fmt::format("URL '{}' names no file", url);
    }
    if (host.empty() && scheme != "file") return fmt::format("URL '{}' has no host", url);
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return fmt::format("URL '{}' contains a space or control character", url);
        }
    }
    return check_template(url);
}

namespace {

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

}  // namespace

std::optional<std::string> check_file_name(const std::string& name) {
    if (name.empty()) return std::string("empty file name");
    if (name == "." || name == "..") return fmt::format("'{}' is not a file name", name);
    for (char c : name) {
        if (c == '/') return fmt::format("'{}' holds a '/'", name);
        if (c == ' ' || is_control(c)) return fmt::format("'{}' holds a space or control character", name);
    }
    return std::nullopt;
}

std::optional<std::string> check_relative_path(const std::string& path) {
    if (path.empty()) return std::string("empty path");
    if (path[0] == '/') return fmt::format("'{}' is absolute", path);
    size_t start = 0;
    for (;;) {
        size_t slash = path.find('/', start);
        std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part.empty() || part == "." || part == "..") {
            return fmt::format("'{}' has an empty, '.' or '..' component", path);
        }
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    for (char c : path) {
        if (is_control(c)) return fmt::format("'{}' holds a control character", path);
    }
    return std::nullopt;
}

std::optional<std::string> check_one_line(const std::string& text) {
    for (char c : text) {
        if (is_control(c)) return std::string("must be one line, without control characters");
    }
    return std::nullopt;
}

std::optional<std::string> check_debian_source(const std::string& name) {
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    bool ok = name.size() >= 2 && ok_first(name[0]);
    for (char c : name) ok = ok && (ok_first(c) || c == '+' || c == '.' || c == '-');
    if (!ok) return fmt::format("'{}' is not a Debian source package name", name);
    return std::nullopt;
}

std::optional<std::string> check_debian_version(const std::string& version) {
    bool ok = !version.empty() && version[0] >= '0' && version[0] <= '9';
    for (char c : version) {
        ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                    c == '+' || c == '~' || c == '-' || c == ':');
    }
    if (!ok) return fmt::format("'{}' is not a Debian version", version);
    return std::nullopt;
}

std::optional<std::string> check_digest(const std::string& digest, DigestAlgorithm algorithm) {
    size_t want = digest_hex_length(algorithm);
    if (digest.size() != want) {
        return fmt::format("{} digest must be {} hexadecimal digits, got {}", digest_name(algorithm), want,
                           digest.size());
    }
    for (char c : digest) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return fmt::format("{} digest must be lower-case hexadecimal, got '{}'", digest_name(algorithm), c);
        }
    }
    return std::nullopt;
}

}  // namespace pkg
