#pragma once

#include <vector>

#include "pkg/port/problem.hpp"
#include "pkg/port/resolver.hpp"

namespace pkg {

/// Every problem of one port: those of its manifest (PortRead) and those
/// that need the tree — dependencies nothing meets, a dependency on itself,
/// patches listed but missing or present but not listed, a custom build
/// without a build script. Never throws for a problem it can report.
PKG_API std::vector<Problem> lint_port(const Resolver& resolver, const PortRead& read);

}  // namespace pkg
