#pragma once

// What `pkg build` and `pkg install PORT` share: the plan of builds shown
// (--dry-run, or before the question), the sources fetched first, each
// port built or reused in dependency order, and installed through its own
// transaction when the plan says so.

#include <string>
#include <vector>

#include "context.hpp"

namespace pkgmgr {

struct PortBuildOptions {
    bool install_targets = true;  ///< pkg install; pkg build only builds them
    bool dry_run = false;
    bool sandbox = true;
    bool keep = false;
    bool rebuild = false;
    /// pkg upgrade: the targets are installed packages to replace.
    bool upgrade = false;
    /// pkg build --check-reproducible: each target is built twice and
    /// the packages compared.
    bool check_reproducible = false;
    std::string command;  ///< the command line, for the transactions' history
};

/// Plans, fetches, builds and installs; returns the exit status.
int build_and_install(Context& context, const std::vector<std::string>& ports, const PortBuildOptions& options);

}  // namespace pkgmgr
