// The plan's check of architectures: the root's target, recorded at its
// first install, fits every package (`any` fits all).

#include <fmt/format.h>

#include "pkg/version.hpp"
#include "context.hpp"

namespace pkg::plan {

void check_target(Context& c) {
    std::string target = c.installed.target.value_or("");
    for (const auto& m : c.request.install) {
        if (target.empty() && m.arch != "any") target = m.arch;
    }
    for (const auto& m : c.request.install) {
        if (m.arch != "any" && m.arch != target) {
            c.dependency_problems.push_back(
                fmt::format("{} is built for {}, the root for {}", m.name, m.arch, target));
        }
    }
    c.plan.target = target;
}

}  // namespace pkg::plan
