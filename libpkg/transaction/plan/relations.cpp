// What the plan's checks share about relations: parsing, whether a package
// (or one of its provides) meets a dependency, and the installed packages
// seen as the plan sees those afterwards.

#include <algorithm>

#include "context.hpp"

namespace pkg::plan {

std::optional<Dependency> parse(const std::string& text) {
    std::string why;
    return Dependency::parse(text, &why);
}

// A versioned need is met only by a versioned provide.
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

}  // namespace pkg::plan
