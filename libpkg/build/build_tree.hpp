#pragma once

#include <filesystem>

namespace pkg {

/// Removes a build directory, which a build may have left unwritable (a
/// tree of mode 0555 directories): directories are made writable on the
/// way down. Throws SystemError when something stays.
void remove_build_tree(const std::filesystem::path& dir);

}  // namespace pkg
