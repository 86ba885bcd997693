#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pkg/export.hpp"

namespace pkg {

/// Compares two version strings exactly as libalpm's alpm_pkg_vercmp() does:
/// `[epoch:]version[-release]`, epoch first, release last and only when both
/// sides have one, each part by rpm's segment algorithm with separator runs
/// counting. Returns -1, 0 or 1. Takes any strings, as libalpm does; use
/// Version::parse to accept only what a port may declare.
PKG_API int vercmp(std::string_view a, std::string_view b);

/// Compares one part (an epoch, version or release) by rpm's segment rules.
PKG_API int vercmp_segments(std::string_view a, std::string_view b);

/// A version that pkg accepts: `[epoch:]version[-release]` where the epoch
/// and release are digits (a release may have one `.digits` suffix, as
/// pacman's pkgrel) and the version is letters, digits and `.`, `_`, `+`, `~`,
/// starting with a letter or digit. See port(5), VERSIONS.
class PKG_API Version {
public:
    /// Parses text, throwing UsageError naming the text and the rule broken.
    static Version parse(std::string_view text);
    /// Returns the reason text is not a valid version, or nullopt when it is.
    static std::optional<std::string> check(std::string_view text);
    /// Checks only the version part (no epoch, no release), as a port declares it.
    static std::optional<std::string> check_upstream(std::string_view text);

    const std::string& epoch() const noexcept { return epoch_; }      ///< "" when absent
    const std::string& upstream() const noexcept { return upstream_; }
    const std::string& release() const noexcept { return release_; }  ///< "" when absent
    std::string str() const;
    /// -1, 0 or 1 by vercmp(). Deliberately no operators: a missing release
    /// equals any release, so "equal" is not transitive (1.0 = 1.0-1,
    /// 1.0 = 1.0-2, 1.0-1 < 1.0-2) and Versions cannot key a map.
    int compare(const Version& other) const { return vercmp(str(), other.str()); }

private:
    std::string epoch_;
    std::string upstream_;
    std::string release_;
};

}  // namespace pkg
