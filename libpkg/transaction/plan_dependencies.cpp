// The plan's dependency checks: run dependencies met, declared conflicts,
// dependents of what leaves, and the order new packages go in.

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "pkg/dependency.hpp"
#include "plan_context.hpp"

namespace pkg::plan {
namespace {

std::optional<Dependency> parse(const std::string& text) {
    std::string why;
    return Dependency::parse(text, &why);
}

// Whether `version` (VERSION-RELEASE) of a package, or one of its provides,
// meets `d`: a versioned need is met only by a versioned provide.
bool meets(const std::string& name, const Context::After& p, const Dependency& d) {
    if (name == d.name && d.constraint.satisfied_by(p.version)) return true;
    for (const auto& text : p.provides) {
        auto provided = parse(text);
        if (!provided || provided->name != d.name) continue;
        if (d.constraint.op == Constraint::Op::any) return true;
        if (provided->constraint.op == Constraint::Op::eq && d.constraint.satisfied_by(provided->constraint.version)) {
            return true;
        }
    }
    return false;
}

using Packages = std::map<std::string, Context::After>;

bool met_by(const Packages& packages, const Dependency& d, const PlanRequest& request) {
    if (request.root_is_host &&
        std::find(request.assume_installed.begin(), request.assume_installed.end(), d.name) !=
            request.assume_installed.end()) {
        return true;
    }
    for (const auto& [name, p] : packages) {
        if (meets(name, p, d)) return true;
    }
    return false;
}

Packages before(const Context& c) {
    Packages out;
    for (const auto& [name, p] : c.installed.packages) {
        out[name] = {p.version + "-" + p.release, p.depends, p.provides, p.conflicts, false};
    }
    return out;
}

}  // namespace

void check_dependencies(Context& c) {
    for (const auto& m : c.request.install) {
        for (const auto& text : m.depends) {
            auto d = parse(text);
            if (d && !met_by(c.after, *d, c.request)) {
                c.dependency_problems.push_back(
                    fmt::format("{} needs {}, which is neither installed nor in the transaction", m.name, text));
            }
        }
    }
}

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
            c.dependency_problems.push_back(
                fmt::format("{} needs {}, which only {} gives: it is removed or replaced by one that does not",
                            name, text, who));
        }
    }
}

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
