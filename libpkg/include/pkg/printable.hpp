#pragma once

#include <string>
#include <string_view>

#include "pkg/export.hpp"

namespace pkg {

/// A name as it may be put in a message: control characters (C0, DEL, C1)
/// spelled \xNN and a backslash doubled, so that a hostile name (a package
/// member, an archive's) cannot drive a terminal.
PKG_API std::string printable_name(std::string_view name);

}  // namespace pkg
