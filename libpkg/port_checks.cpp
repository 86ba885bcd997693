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
    if (scheme != "https" && scheme != "http" && scheme != "ftp") {
        return fmt::format("unsupported URL scheme '{}' in '{}' (https, http or ftp)", scheme, url);
    }
    size_t host_end = url.find('/', scheme_end + 3);
    std::string host = url.substr(scheme_end + 3, host_end == std::string::npos ? std::string::npos
                                                                               : host_end - scheme_end - 3);
    if (host.empty()) return fmt::format("URL '{}' has no host", url);
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return fmt::format("URL '{}' contains a space or control character", url);
        }
    }
    return check_template(url);
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
