#pragma once

// What `pkg install PORT` and `pkg build PORT` will do, before they do it
// (DESIGN.md, "Plan, then commit"): every port in dependency order, whether
// it is already installed, reused from the binary cache or built, and
// whether it is installed into the root afterwards.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pkg/build/build.hpp"
#include "pkg/export.hpp"
#include "pkg/port/port_hash.hpp"
#include "pkg/port/resolver.hpp"

namespace pkg {

/// What the root already has of a port.
struct InstalledPort {
    std::string version;  ///< [epoch:]version-release
    std::string port_hash;
};

struct BuildPlanRequest {
    /// `pkg upgrade`: the targets are replaced even when a dependency of
    /// theirs is installed already, and keep their install reasons.
    bool upgrade = false;
    std::vector<const Port*> targets;
    /// `pkg install`: the targets are installed (explicitly) and their run
    /// dependencies too; `pkg build`: the targets are only built.
    bool install_targets = true;
    bool rebuild = false;  ///< targets are built even when a package could be reused
    /// The root's packages by name.
    std::map<std::string, InstalledPort> installed;
    /// Names the host provides (assume-installed): they satisfy host
    /// dependencies, and run and build dependencies only when the root is
    /// the host.
    std::vector<std::string> assume_installed;
    bool root_is_host = true;
};

struct BuildStep {
    enum class Action {
        installed,  ///< up to date in the root: nothing to do
        reuse,      ///< a package built before from the same port hash and toolchain
        build,      ///< built (reused instead, when the toolchain found later matches)
    };
    const Port* port = nullptr;
    std::string port_hash;
    Action action = Action::build;
    std::filesystem::path package;  ///< reuse: the package
    bool install = false;           ///< installed into the root once built
    bool explicit_ = false;         ///< a target (installed as explicit, else automatic)
    bool upgrade = false;           ///< replaces an installed version
};

PKG_API const char* build_action_name(BuildStep::Action action);

/// An installed package whose port changed: its version or release, or
/// only the port hash (its files or what it builds with).
struct OutdatedPort {
    std::string name;
    std::string installed;  ///< [epoch:]version-release
    std::string available;  ///< the port's
    bool version_changed = false;
};

/// The installed packages (`installed`, by name) whose port in the tree
/// differs, sorted by name; packages without a port, or installed from a
/// package file made by `pkg create` (no port hash), are not outdated by a
/// hash alone.
PKG_API std::vector<OutdatedPort> outdated_ports(const PortsTree& tree, PortHasher& hasher,
                                                 const std::map<std::string, InstalledPort>& installed);

/// The steps in dependency order. Host dependencies must be met on the
/// build machine already (assume-installed); one that a port of the tree
/// would have to provide is a DependencyError (exit 6) naming it, since
/// pkg never installs into `/` implicitly. `toolchain_for` gives a port's
/// toolchain when it can be known now (else nullopt: planned as a build).
PKG_API std::vector<BuildStep> plan_builds(
    const Resolver& resolver, PortHasher& hasher, const BuildSettings& settings, const BuildPlanRequest& request,
    const std::function<std::optional<Toolchain>(const Port&)>& toolchain_for);

}  // namespace pkg
