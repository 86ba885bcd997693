#pragma once

// `pkg build --check-reproducible`: a port built twice, in different build
// directories, at different times, with different umasks and job counts,
// must give byte-identical packages; where it does not, each member that
// differs is named with what differs and a likely cause.

#include <filesystem>
#include <string>
#include <vector>

#include "pkg/build/build.hpp"
#include "pkg/export.hpp"

namespace pkg {

struct MemberDifference {
    std::string path;  ///< the member, as the package names it ("" for the manifest's own fields)
    std::string what;  ///< "content", "mode 0644 / 0664", "link target a / b", "only in the first build", ...
    std::string hint;  ///< a likely cause
};

struct ReproducibleCheck {
    bool identical = false;
    std::string sha256;  ///< the first package's digest
    std::filesystem::path first, second;
    std::vector<MemberDifference> differences;
};

/// Builds `input` twice (the second with umask 002 instead of 022 and one
/// job instead of the configured count) into packages under
/// `settings.build_dir`, compares them, and keeps the first as the port's
/// package when they are identical.
PKG_API ReproducibleCheck check_reproducible(const BuildSettings& settings, const BuildInput& input,
                                             const Toolchain& toolchain, EventSink& events);

/// The members of two packages that differ (content, type, mode, link
/// target, presence), in path order.
PKG_API std::vector<MemberDifference> compare_packages(const std::filesystem::path& first,
                                                       const std::filesystem::path& second);

}  // namespace pkg
