#include "pkg/transaction/plan.hpp"

#include <fmt/format.h>

#include "pkg/error.hpp"
#include "pkg/version.hpp"
#include "plan_context.hpp"

namespace pkg {

RootFacts::~RootFacts() = default;

const char* change_kind_name(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::install: return "install";
        case ChangeKind::upgrade: return "upgrade";
        case ChangeKind::downgrade: return "downgrade";
        case ChangeKind::reinstall: return "reinstall";
        case ChangeKind::remove: return "remove";
    }
    return "install";
}

const char* path_action_name(PathAction action) {
    switch (action) {
        case PathAction::create: return "create";
        case PathAction::replace: return "replace";
        case PathAction::keep: return "keep";
        case PathAction::write_new: return "write-new";
        case PathAction::remove: return "remove";
        case PathAction::save: return "save";
    }
    return "create";
}

InstalledState InstalledState::from(const db::Database& database) {
    InstalledState s;
    s.target = database.target();
    for (const auto& p : database.packages()) s.add(p, database.files_of(p.name));
    return s;
}

void InstalledState::add(const db::InstalledPackage& package, const std::vector<db::InstalledFile>& list) {
    packages[package.name] = package;
    for (const auto& f : list) files[f.path].emplace_back(package.name, f);
}

namespace plan {

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
    for (const auto& name : c.request.remove) {
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

}  // namespace plan

Plan make_plan(const InstalledState& installed, RootFacts& root, const PlanRequest& request) {
    Plan out;
    plan::Context c{installed, root, request, out, {}, {}, {}, {}};
    plan::check_target(c);
    plan::check_versions(c);
    plan::check_dependencies(c);
    plan::check_conflicts(c);
    plan::check_dependents(c);
    if (!c.dependency_problems.empty()) {
        std::string text;
        for (const auto& p : c.dependency_problems) text += "\n  " + p;
        throw DependencyError("the transaction cannot be done:{}", text);
    }
    plan::plan_files(c);
    if (!c.file_problems.empty()) {
        std::string text;
        for (const auto& p : c.file_problems) text += "\n  " + p;
        throw with_hint(Error("file conflicts:{}", text), "--overwrite GLOB lets a package take such paths");
    }
    plan::order_installs(c);
    return out;
}

}  // namespace pkg
