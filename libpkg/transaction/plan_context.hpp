#pragma once

// What the plan's checks share (plan.cpp runs them; each lives in its own
// file, as xbps's do). Each check appends problems; the plan throws once,
// listing them all.

#include <set>
#include <string>
#include <vector>

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
    std::vector<std::string> dependency_problems;
    std::vector<std::string> file_problems;
};

void check_target(Context& c);
void check_versions(Context& c);
void check_dependencies(Context& c);
void check_conflicts(Context& c);
void check_dependents(Context& c);
void plan_files(Context& c);
void order_installs(Context& c);

}  // namespace pkg::plan
