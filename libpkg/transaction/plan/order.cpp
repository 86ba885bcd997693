// The order of a plan's changes: new packages after their dependencies
// among themselves, then removals.

#include <functional>

#include "context.hpp"

namespace pkg::plan {

void order_installs(Context& c) {
    std::vector<PackageChange> installs, removals;
    for (const auto& change : c.plan.changes) {
        (change.kind == ChangeKind::remove ? removals : installs).push_back(change);
    }
    // Depth first over the new packages' run dependencies among themselves;
    // ties keep the order given. A cycle is broken where it closes.
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < installs.size(); ++i) index[installs[i].name] = i;
    std::vector<int> state(installs.size(), 0);
    std::vector<PackageChange> ordered;
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
        if (state[i] != 0) return;
        state[i] = 1;
        const PackageManifest& m = c.request.install[installs[i].manifest];
        for (const auto& text : m.depends) {
            auto d = parse(text);
            if (!d) continue;
            for (const auto& [name, j] : index) {
                if (j != i && meets(name, c.after.at(name), *d)) visit(j);
            }
        }
        state[i] = 2;
        ordered.push_back(installs[i]);
    };
    for (std::size_t i = 0; i < installs.size(); ++i) visit(i);
    ordered.insert(ordered.end(), removals.begin(), removals.end());
    c.plan.changes = std::move(ordered);
}

}  // namespace pkg::plan
