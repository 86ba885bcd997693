#pragma once

// What the plan's checks share (plan.cpp runs them; each lives in its own
// file, as xbps's do). Each check appends problems; the plan throws once,
// listing them all.

#include <set>
#include <string>
#include <vector>

#include "pkg/dependency.hpp"
#include "pkg/transaction/plan.hpp"

namespace pkg::plan {

struct Context {
    const InstalledState& installed;
    RootFacts& root;
    const PlanRequest& request;
    Plan& plan;
    /// Installed packages that give way: removed, or replaced by a new version.
    std::set<std::string> leaving;
    /// Every package afterwards: name -> its version and relations.
    struct After {
        std::string version;  ///< VERSION-RELEASE
        std::vector<std::string> depends, provides, conflicts;
        bool is_new = false;
    };
    std::map<std::string, After> after;
    /// What the transaction removes: as asked, and with --cascade or
    /// autoremove what follows from it.
    std::vector<std::string> removals;
    /// A removal breaks a dependent: --cascade would take it too.
    bool cascade_helps = false;
    std::vector<std::string> dependency_problems;
    std::vector<std::string> file_problems;
};

using Packages = std::map<std::string, Context::After>;
std::optional<Dependency> parse(const std::string& text);
/// Whether a package (VERSION-RELEASE) or one of its provides meets `d`.
bool meets(const std::string& name, const Context::After& p, const Dependency& d);
bool met_by(const Packages& packages, const Dependency& d, const PlanRequest& request);
/// The installed packages, as `after` describes packages.
Packages before(const Context& c);

// The steps of make_plan, in order, one file each.
void select_removals(Context& c);
void check_target(Context& c);
void check_versions(Context& c);
void check_dependencies(Context& c);
void check_conflicts(Context& c);
void check_dependents(Context& c);
void plan_files(Context& c);
void order_installs(Context& c);

}  // namespace pkg::plan
