#pragma once

// What each phase of a build runs (port(5), BUILDING): the shell script of
// each phase by build style, and the environment every phase gets.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/build/build.hpp"

namespace pkg {

/// Where the build sees its directories: the sandbox's fixed paths, or
/// the host's without a sandbox.
struct BuildPaths {
    std::filesystem::path source = "/build";
    std::filesystem::path destdir = "/destdir";
    std::filesystem::path sysroot = "/sysroot";
    std::filesystem::path port = "/port";
    std::filesystem::path toolchain = "/toolchain";
    std::filesystem::path tmp = "/tmp";
};

struct BuildPhase {
    std::string name;    ///< patch, prepare, configure, build, install, check
    std::string script;  ///< run by /bin/sh -c in the source tree
};

/// The phases of `port`'s build, in order; `alternatives` are the
/// artifacts the fetch used (their patches and prepare steps apply).
std::vector<BuildPhase> build_phases(const Port& port, const std::vector<const Artifact*>& alternatives,
                                     const Toolchain& toolchain, const BuildPaths& paths);

/// The whole environment of a build phase (DESIGN.md, "The sandbox": a
/// scrubbed environment), sorted.
std::vector<std::string> build_environment(const Port& port, const BuildSettings& settings,
                                           const Toolchain& toolchain, const BuildPaths& paths);

/// Whether the build is native (the target is the build machine) for a
/// root other than `/`, whose headers and libraries it then searches first.
bool native_with_sysroot(const BuildSettings& settings, const Toolchain& toolchain);

/// `text` quoted for a POSIX shell.
std::string shell_quote(std::string_view text);

}  // namespace pkg
