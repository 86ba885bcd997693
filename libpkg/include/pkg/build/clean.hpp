#pragma once

// `pkg clean`: what the caches hold that no port of the tree needs any more.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pkg/export.hpp"
#include "pkg/port/ports_tree.hpp"

namespace pkg {

struct CleanItem {
    enum class Kind { distfile, package, build };
    Kind kind;
    std::filesystem::path path;
    std::uint64_t bytes = 0;
};

struct CleanPlaces {
    std::filesystem::path cache_dir, packages_dir, build_dir;
    std::vector<std::string> mirrors;
};

PKG_API const char* clean_kind_name(CleanItem::Kind kind);

/// Distfiles no port of `tree` fetches (any artifact of any source, and
/// partial downloads of those), packages whose port is gone or has another
/// version or release now, and build directories no build is using (a
/// running build holds a lock on its directory), sorted by kind and path.
PKG_API std::vector<CleanItem> plan_clean(const PortsTree& tree, const CleanPlaces& places);

/// Removes each item (a package with its build record); returns the bytes freed.
PKG_API std::uint64_t carry_out_clean(const std::vector<CleanItem>& items);

}  // namespace pkg
