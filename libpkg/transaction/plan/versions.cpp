// The plan's package changes: each package given becomes an install,
// upgrade, downgrade (only with --force) or reinstall, each removal is of an
// installed package, and held packages change only with --force.

#include <fmt/format.h>

#include "pkg/version.hpp"
#include "context.hpp"

namespace pkg::plan {

void check_versions(Context& c) {
    std::set<std::string> given;
    for (std::size_t i = 0; i < c.request.install.size(); ++i) {
        const PackageManifest& m = c.request.install[i];
        if (!given.insert(m.name).second) {
            c.dependency_problems.push_back(fmt::format("{} is given twice", m.name));
            continue;
        }
        PackageChange change;
        change.name = m.name;
        change.to = m.version + "-" + m.release;
        change.manifest = i;
        auto old = c.installed.packages.find(m.name);
        if (old != c.installed.packages.end()) {
            change.from = old->second.version + "-" + old->second.release;
            int order = vercmp(change.to, change.from);
            change.kind = order > 0 ? ChangeKind::upgrade : order < 0 ? ChangeKind::downgrade : ChangeKind::reinstall;
            if (change.kind == ChangeKind::downgrade && !c.request.force) {
                c.dependency_problems.push_back(
                    fmt::format("{} {} would replace the newer {} (a downgrade needs --force)", m.name, change.to,
                                change.from));
            }
            if (old->second.held && !c.request.force) {
                c.dependency_problems.push_back(fmt::format("{} is held (--force to {} it anyway)", m.name,
                                                            change_kind_name(change.kind)));
            }
            c.leaving.insert(m.name);
        }
        c.plan.changes.push_back(change);
    }
    for (const auto& name : c.removals) {
        auto old = c.installed.packages.find(name);
        if (old == c.installed.packages.end()) {
            c.dependency_problems.push_back(fmt::format("{} is not installed", name));
            continue;
        }
        if (given.count(name)) {
            c.dependency_problems.push_back(fmt::format("{} is both installed and removed", name));
            continue;
        }
        if (old->second.held && !c.request.force) {
            c.dependency_problems.push_back(fmt::format("{} is held (--force to remove it anyway)", name));
        }
        PackageChange change;
        change.kind = ChangeKind::remove;
        change.name = name;
        change.from = old->second.version + "-" + old->second.release;
        c.plan.changes.push_back(change);
        c.leaving.insert(name);
    }
    // The packages afterwards.
    for (const auto& [name, p] : c.installed.packages) {
        if (c.leaving.count(name)) continue;
        c.after[name] = {p.version + "-" + p.release, p.depends, p.provides, p.conflicts, false};
    }
    for (const auto& m : c.request.install) {
        c.after[m.name] = {m.version + "-" + m.release, m.depends, m.provides, m.conflicts, true};
    }
}

}  // namespace pkg::plan
