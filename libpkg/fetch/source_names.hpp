#pragma once

// The names of a source archive's members: where each lands below the
// destination by the port's unpack rule (port(5), unpack). Pure text, no
// disk: the door decides nothing here and is never asked to resolve a name.

#include <cstddef>
#include <string>
#include <string_view>

#include "pkg/port/port.hpp"

namespace pkg::source {

/// Where a member's name (or a hard link's target) lands.
struct Placement {
    std::string path;       ///< below the destination; "" when it is the destination itself or lies
                            ///< above the rule
    std::size_t depth = 0;  ///< components of `path`
    std::string problem;    ///< the rule the name breaks, "" when none
};

/// Maps `name` by `rule`. ".", empty components and a trailing slash are
/// ignored first ("./pkg-1.0//src/" is "pkg-1.0/src"); an absolute name and
/// a ".." component are problems wherever they stand. With strip N, a name
/// of N components or fewer lands nowhere; with directory NAME, every name
/// must be NAME or lie below it.
Placement place(std::string_view name, const UnpackRule& rule);

/// "strip 1", "directory 'make-4.4'": the rule, for errors.
std::string describe(const UnpackRule& rule);

/// The parent of a path below the destination, "" at the top.
inline std::string_view parent_of(std::string_view path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

}  // namespace pkg::source
