#pragma once

// pkg check: what the installed database says of each file against what is
// on disk, looked at through the door (no symlink followed).

#include <string>
#include <vector>

#include "pkg/export.hpp"

namespace pkg {
class Door;
namespace db {
class Database;
}

struct CheckProblem {
    std::string package;
    std::string path;  ///< relative to the root
    std::string problem;
};

/// Checks the files of the named packages (every installed package when
/// `names` is empty): missing, another type, another mode, owner or link
/// target, changed content. A configuration file's content may change (it
/// is the user's); its presence and type are checked. Throws Error for a
/// name that is not installed.
PKG_API std::vector<CheckProblem> check_installed(Door& door, const db::Database& database,
                                                  const std::vector<std::string>& names);

}  // namespace pkg
