// The plan's check that nothing staying loses what it needs: a package
// removed, or replaced by a version that no longer meets a dependent.

#include <fmt/format.h>

#include <algorithm>

#include "context.hpp"

namespace pkg::plan {

void check_dependents(Context& c) {
    Packages was = before(c);
    for (const auto& [name, p] : c.after) {
        if (p.is_new) continue;
        for (const auto& text : p.depends) {
            auto d = parse(text);
            if (!d || met_by(c.after, *d, c.request) || !met_by(was, *d, c.request)) continue;
            std::vector<std::string> by;
            for (const auto& leaving : c.leaving) {
                if (meets(leaving, was.at(leaving), *d)) by.push_back(leaving);
            }
            std::string who = by.empty() ? std::string("what leaves") : by.front();
            bool removed = std::find(c.removals.begin(), c.removals.end(), who) != c.removals.end();
            if (removed) {
                c.cascade_helps = true;
                c.dependency_problems.push_back(fmt::format("{} needs {}, which only {} gives: it is removed", name,
                                                            text, who));
            } else {
                c.dependency_problems.push_back(fmt::format(
                    "{} needs {}, which only {} gives: it is replaced by a version that does not", name, text, who));
            }
        }
    }
}

}  // namespace pkg::plan
