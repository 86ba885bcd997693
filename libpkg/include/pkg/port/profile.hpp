#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pkg/export.hpp"
#include <utility>

namespace pkg {

/// A bootstrap profile, `bootstrap/profiles/NAME.json`: the ports it builds,
/// and per native stage the ports that stage rebuilds when fewer.
struct PKG_API Profile {
    std::string name;
    std::string summary;
    std::vector<std::string> ports;
    std::map<int, std::vector<std::string>> stages;
    std::filesystem::path file;
    std::map<std::string, std::pair<int, int>> positions;  ///< line and column of each name in 'ports'

    /// The ports of `stage` (0: all of them); a stage that is not listed
    /// takes the nearest listed stage before it, else all of them.
    const std::vector<std::string>& ports_of(int stage) const;
};

/// Reads `dir/NAME.json`; errors name the file, line and column.
PKG_API Profile read_profile(const std::filesystem::path& dir, const std::string& name);

}  // namespace pkg
