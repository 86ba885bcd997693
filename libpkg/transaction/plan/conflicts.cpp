// The plan's check of declared conflicts between what the transaction
// brings and everything there afterwards.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "context.hpp"

namespace pkg::plan {

void check_conflicts(Context& c) {
    std::set<std::pair<std::string, std::string>> said;
    auto report = [&](const std::string& a, const std::string& b) {
        auto key = std::minmax(a, b);
        if (said.insert({key.first, key.second}).second) {
            c.dependency_problems.push_back(fmt::format("{} and {} conflict", a, b));
        }
    };
    for (const auto& [name, p] : c.after) {
        for (const auto& text : p.conflicts) {
            auto d = parse(text);
            if (!d) continue;
            for (const auto& [other, q] : c.after) {
                if (other == name || (!p.is_new && !q.is_new)) continue;  // only what the transaction brings
                if (meets(other, q, *d)) report(name, other);
            }
        }
    }
}

}  // namespace pkg::plan
