#include "pkg/dependency.hpp"

#include <fmt/format.h>

#include "pkg/version.hpp"

namespace pkg {

const char* kind_name(DependencyKind kind) {
    switch (kind) {
        case DependencyKind::host: return "host";
        case DependencyKind::build: return "build";
        case DependencyKind::run: return "run";
        case DependencyKind::check: return "check";
    }
    return "run";
}

bool Constraint::satisfied_by(std::string_view candidate) const {
    if (op == Op::any) return true;
    int c = vercmp(candidate, version);
    switch (op) {
        case Op::eq: return c == 0;
        case Op::lt: return c < 0;
        case Op::le: return c <= 0;
        case Op::gt: return c > 0;
        case Op::ge: return c >= 0;
        case Op::any: return true;
    }
    return false;
}

std::string Constraint::str() const {
    switch (op) {
        case Op::any: return "";
        case Op::eq: return "=" + version;
        case Op::lt: return "<" + version;
        case Op::le: return "<=" + version;
        case Op::gt: return ">" + version;
        case Op::ge: return ">=" + version;
    }
    return "";
}

std::optional<Dependency> Dependency::parse(std::string_view text, std::string* why) {
    if (text.find_first_of(" \t") != std::string_view::npos) {
        *why = fmt::format("'{}' holds a space: write NAME>=VERSION without spaces", text);
        return std::nullopt;
    }
    size_t op_at = text.find_first_of("<>=");
    Dependency d;
    d.name = std::string(text.substr(0, op_at));
    if (auto problem = check_port_name(d.name)) {
        *why = *problem;
        return std::nullopt;
    }
    if (op_at == std::string_view::npos) return d;
    std::string_view rest = text.substr(op_at);
    using Op = Constraint::Op;
    struct Spelling {
        std::string_view text;
        Op op;
    };
    static constexpr Spelling spellings[] = {{">=", Op::ge}, {"<=", Op::le}, {">", Op::gt},
                                             {"<", Op::lt},  {"=", Op::eq}};
    for (const auto& s : spellings) {
        if (rest.substr(0, s.text.size()) == s.text) {
            d.constraint.op = s.op;
            d.constraint.version = std::string(rest.substr(s.text.size()));
            break;
        }
    }
    if (auto problem = Version::check(d.constraint.version)) {
        *why = fmt::format("bad constraint in '{}': {}", text, *problem);
        return std::nullopt;
    }
    return d;
}

std::optional<std::string> check_port_name(const std::string& name) {
    if (name.empty()) return std::string("empty name");
    auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_or_digit(name[0])) return fmt::format("name '{}' must start with a lower-case letter or digit", name);
    for (char c : name) {
        if (!lower_or_digit(c) && c != '+' && c != '-' && c != '.' && c != '_') {
            return fmt::format("name '{}' may hold only lower-case letters, digits and + - . _", name);
        }
    }
    return std::nullopt;
}

}  // namespace pkg
