// The plan's check of targets: the root records the system its packages
// are for at its first install — a triplet (x86_64-linux-musl) once a
// package names one, else an architecture — and refuses a package built
// for another (`any` fits all).

#include <fmt/format.h>

#include "pkg/version.hpp"
#include "context.hpp"

namespace pkg::plan {
namespace {

std::string arch_of(const std::string& target) { return target.substr(0, target.find('-')); }

}  // namespace

void check_target(Context& c) {
    std::string target = c.installed.target.value_or("");
    // A root known only by its architecture learns its triplet from the
    // first package that names one for that architecture.
    for (const auto& m : c.request.install) {
        if (m.target != "any" && target.find('-') == std::string::npos && (target.empty() || target == m.arch)) {
            target = m.target;
        }
    }
    for (const auto& m : c.request.install) {
        if (target.empty() && m.arch != "any") target = m.arch;
    }
    for (const auto& m : c.request.install) {
        if (m.target != "any" && m.target != target) {
            c.dependency_problems.push_back(fmt::format("{} is built for {}, the root for {}", m.name, m.target, target));
        } else if (m.arch != "any" && m.arch != arch_of(target)) {
            c.dependency_problems.push_back(fmt::format("{} is built for {}, the root for {}", m.name, m.arch, target));
        }
    }
    c.plan.target = target;
}

}  // namespace pkg::plan
