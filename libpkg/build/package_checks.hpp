#pragma once

// Checks of a build's DESTDIR before it becomes a package (port(5),
// PACKAGING CHECKS).

#include <filesystem>
#include <string>
#include <vector>

namespace pkg {

struct DestdirFindings {
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

struct DestdirCheck {
    std::filesystem::path destdir;
    /// Host paths no file may hold: the build directory, the sysroot's
    /// location (when it is not `/`).
    std::vector<std::string> forbidden_paths;
    /// The sysroot, where a symbolic link may point at a dependency's file.
    std::filesystem::path sysroot;
    std::vector<std::string> setuid_allowed;  ///< paths the port declares setuid/setgid
};

/// References to forbidden paths, broken symbolic links (an absolute
/// target is resolved inside DESTDIR, then the sysroot), world-writable
/// files, undeclared setuid files and an empty tree are errors; files
/// outside the usual prefixes are warnings.
DestdirFindings check_destdir(const DestdirCheck& check);

}  // namespace pkg
