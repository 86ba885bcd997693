#include "source_names.hpp"

#include <fmt/format.h>

#include <vector>

namespace pkg::source {

namespace {

// The components of a name, "." and empty ones left out.
std::vector<std::string_view> components(std::string_view name) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t slash = name.find('/', start);
        if (slash == std::string_view::npos) slash = name.size();
        std::string_view part = name.substr(start, slash - start);
        if (!part.empty() && part != ".") out.push_back(part);
        start = slash + 1;
    }
    return out;
}

std::string join(const std::vector<std::string_view>& parts, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < parts.size(); ++i) {
        if (!out.empty()) out += '/';
        out += parts[i];
    }
    return out;
}

}  // namespace

Placement place(std::string_view name, const UnpackRule& rule) {
    Placement out;
    // Refused, never repaired: GNU tar strips a leading "/" and skips
    // "..", but a source that holds such names is not what upstream made.
    if (!name.empty() && name.front() == '/') {
        out.problem = "absolute name";
        return out;
    }
    std::vector<std::string_view> parts = components(name);
    for (std::string_view part : parts) {
        if (part == "..") {
            out.problem = "'..' component in the name";
            return out;
        }
    }
    std::size_t from = 0;
    switch (rule.mode) {
        case UnpackRule::Mode::strip: from = static_cast<std::size_t>(rule.strip); break;
        case UnpackRule::Mode::directory:
            if (parts.empty()) return out;  // "./": the archive's own top, the destination
            if (parts.front() != rule.directory) {
                out.problem =
                    fmt::format("lies outside '{}/', the directory the port's unpack rule names", rule.directory);
                return out;
            }
            from = 1;
            break;
        case UnpackRule::Mode::none: break;
    }
    if (parts.size() <= from) return out;
    out.path = join(parts, from);
    out.depth = parts.size() - from;
    return out;
}

std::string describe(const UnpackRule& rule) {
    switch (rule.mode) {
        case UnpackRule::Mode::strip: return fmt::format("strip {}", rule.strip);
        case UnpackRule::Mode::directory: return fmt::format("directory '{}'", rule.directory);
        case UnpackRule::Mode::none: break;
    }
    return "none";
}

}  // namespace pkg::source
