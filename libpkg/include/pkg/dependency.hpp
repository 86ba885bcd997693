#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pkg/export.hpp"
#include "pkg/json_text.hpp"

namespace pkg {

enum class DependencyKind { host, build, run, check };

PKG_API const char* kind_name(DependencyKind kind);

/// A version constraint: `>=1.2.13`, `<2`, `=1.0-1`, or none.
struct PKG_API Constraint {
    enum class Op { any, eq, lt, le, gt, ge };
    Op op = Op::any;
    std::string version;

    bool satisfied_by(std::string_view candidate) const;
    std::string str() const;  ///< "" for any, else ">=1.2"
};

/// `name[OP version]`: one entry of depends, provides or conflicts.
struct PKG_API Dependency {
    std::string name;
    Constraint constraint;
    DependencyKind kind = DependencyKind::run;
    json::Span span;  ///< where it is written, for errors

    /// Parses `zlib>=1.2.13`; returns nullopt and sets `why` when malformed.
    static std::optional<Dependency> parse(std::string_view text, std::string* why);
    std::string str() const { return name + constraint.str(); }
};

/// Checks a port or package name: lower-case letters, digits and `+ - . _`,
/// starting with a letter or digit.
PKG_API std::optional<std::string> check_port_name(const std::string& name);

}  // namespace pkg
