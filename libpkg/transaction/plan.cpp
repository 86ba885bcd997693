#include "pkg/transaction/plan.hpp"

#include <fmt/format.h>

#include "pkg/error.hpp"
#include "pkg/version.hpp"
#include "plan/context.hpp"

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


Plan make_plan(const InstalledState& installed, RootFacts& root, const PlanRequest& request) {
    Plan out;
    plan::Context c{installed, root, request, out, {}, {}, {}, false, {}, {}};
    plan::select_removals(c);
    plan::check_target(c);
    plan::check_versions(c);
    plan::check_dependencies(c);
    plan::check_conflicts(c);
    plan::check_dependents(c);
    if (!c.dependency_problems.empty()) {
        std::string text;
        for (const auto& p : c.dependency_problems) text += "\n  " + p;
        DependencyError error("the transaction cannot be done:{}", text);
        if (c.cascade_helps && !request.cascade) {
            throw with_hint(std::move(error), "--cascade removes the packages that need it too");
        }
        throw error;
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
