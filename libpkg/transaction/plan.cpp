#include "pkg/transaction/plan.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

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

namespace {

// A root the removal selection never looks at.
class NoRoot final : public RootFacts {
public:
    std::optional<DiskFacts> look(const std::string&) override { throw Error("no root to look at"); }
    std::string digest(const std::string&) override { throw Error("no root to look at"); }
    std::vector<std::string> list(const std::string&) override { throw Error("no root to look at"); }
};

}  // namespace

InstalledState InstalledState::from(const db::Database& database, const PlanRequest& request) {
    InstalledState s;
    s.target = database.target();
    for (auto& p : database.packages()) {
        std::string name = p.name;
        s.packages.emplace(std::move(name), std::move(p));
    }
    if (s.packages.empty()) return s;
    // The packages that give way: upgraded, or removed (with what --cascade
    // and autoremove add, decided from the packages alone).
    std::set<std::string> leaving;
    for (const auto& m : request.install) {
        if (s.packages.count(m.name)) leaving.insert(m.name);
    }
    {
        NoRoot none;
        Plan scratch;
        plan::Context c{s, none, request, scratch, {}, {}, {}, false, {}, {}};
        plan::select_removals(c);
        for (const auto& name : c.removals) {
            if (s.packages.count(name)) leaving.insert(name);
        }
    }
    // Every owner of every path they had or the transaction brings.
    std::set<std::pair<std::string, std::string>> have;  // (path, owner)
    auto take = [&](std::pair<std::string, db::InstalledFile>&& owned) {
        if (have.insert({owned.second.path, owned.first}).second) {
            std::string path = owned.second.path;
            s.files[path].push_back(std::move(owned));
        }
    };
    for (auto& owned : database.files_sharing_paths_with({leaving.begin(), leaving.end()})) take(std::move(owned));
    std::vector<std::string> paths;
    for (const auto& m : request.install) {
        for (const auto& e : m.entries) {
            if (!s.files.count(e.path)) paths.push_back(e.path);
        }
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    for (auto& owned : database.files_at(paths)) take(std::move(owned));
    // Below a directory that may stop being one: all of it, for the plan's check.
    for (const auto& m : request.install) {
        for (const auto& e : m.entries) {
            if (e.type == EntryType::dir) continue;
            auto it = s.files.find(e.path);
            if (it == s.files.end()) continue;
            bool dir = std::any_of(it->second.begin(), it->second.end(),
                                   [](const auto& owned) { return owned.second.type == "dir"; });
            if (!dir) continue;
            for (auto& owned : database.files_under(e.path)) take(std::move(owned));
        }
    }
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
