// The plan's file decisions: one net action per path across every package
// of the transaction (DESIGN.md: a path dropped by one package and added by
// another is one replacement), conflicts with other packages' files and with
// what the root holds, and configuration files.

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <fmt/format.h>

#include "pkg/error.hpp"
#include "context.hpp"

namespace pkg::plan {
namespace {

struct Claim {
    std::string package;
    const PackageEntry* entry;
};

const char* noun(EntryType type) {
    switch (type) {
        case EntryType::dir: return "a directory";
        case EntryType::symlink: return "a symbolic link";
        default: return "a file";
    }
}

const char* file_type_word(mode_t mode) {
    if (S_ISREG(mode)) return "a file";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "a device";
}

const char* noun(const std::string& type) {
    return type == "dir" ? "a directory" : type == "symlink" ? "a symbolic link" : "a file";
}

bool overwrite_allows(const PlanRequest& request, const std::string& path) {
    std::string absolute = "/" + path;
    for (const auto& glob : request.overwrite) {
        if (::fnmatch(glob.c_str(), absolute.c_str(), 0) == 0) return true;
    }
    return false;
}

// Whether what is on disk is what the package would put there.
bool identical(RootFacts& root, const std::string& path, const DiskFacts& facts, const PackageEntry& e) {
    if (e.type == EntryType::symlink) return S_ISLNK(facts.mode) && facts.target == e.target;
    if (e.type != EntryType::file || !S_ISREG(facts.mode) || facts.size != e.size) return false;
    return root.digest(path) == e.sha256;
}

// Why the directory at `path` cannot stop being one (DESIGN.md: only when
// the transaction removes everything under it), or nothing.
std::optional<std::string> kept_below(Context& c, const std::string& path) {
    std::string prefix = path + "/";
    for (auto it = c.installed.files.lower_bound(prefix);
         it != c.installed.files.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        for (const auto& [owner, f] : it->second) {
            if (!c.leaving.count(owner)) return fmt::format("{} still has /{}", owner, it->first);
            if (f.type != "file" || !f.config) continue;
            auto facts = c.root.look(it->first);
            if (facts && S_ISREG(facts->mode) && c.root.digest(it->first) != f.sha256) {
                return fmt::format("/{} is an edited configuration file", it->first);
            }
        }
    }
    std::vector<std::string> work{path};
    while (!work.empty()) {
        std::string dir = work.back();
        work.pop_back();
        for (const auto& name : c.root.list(dir)) {
            std::string below = dir + "/" + name;
            if (!c.installed.files.count(below)) return fmt::format("/{} is on disk, which no package owns", below);
            auto facts = c.root.look(below);
            if (facts && S_ISDIR(facts->mode)) work.push_back(below);
        }
    }
    return std::nullopt;
}

}  // namespace

void plan_files(Context& c) {
    auto problem = [&](std::string text) { c.file_problems.push_back(std::move(text)); };
    std::map<std::string, Claim> claims;
    std::set<std::string> retyped;  // files and links that become directories
    for (const auto& m : c.request.install) {
        for (const auto& e : m.entries) {
            auto [it, fresh] = claims.emplace(e.path, Claim{m.name, &e});
            if (fresh) continue;
            if (e.type == EntryType::dir && it->second.entry->type == EntryType::dir) continue;
            problem(fmt::format("{} and {} both install /{}", it->second.package, m.name, e.path));
        }
    }

    for (const auto& [path, claim] : claims) {
        const PackageEntry& e = *claim.entry;
        bool new_dir = e.type == EntryType::dir;
        const db::InstalledFile* old = nullptr;  // what a leaving package had here
        std::vector<const std::pair<std::string, db::InstalledFile>*> staying;
        if (auto owners = c.installed.files.find(path); owners != c.installed.files.end()) {
            for (const auto& owner : owners->second) {
                if (c.leaving.count(owner.first)) {
                    if (!old || owner.first == claim.package) old = &owner.second;
                } else {
                    staying.push_back(&owner);
                }
            }
        }
        PathStep step;
        step.path = path;
        step.package = claim.package;
        step.entry = &e;
        bool owned_elsewhere = false;
        for (const auto* owner : staying) {
            if (new_dir && owner->second.type == "dir") continue;  // a shared directory
            if (!new_dir && owner->second.type != "dir" && overwrite_allows(c.request, path)) {
                step.taken_from = owner->first;
                continue;
            }
            owned_elsewhere = true;
            problem(fmt::format("{} installs {} at /{}, where {} has {}", claim.package, noun(e.type), path,
                                owner->first, noun(owner->second.type)));
        }
        if (owned_elsewhere) continue;
        // Below a file or link that becomes a directory, everything is new
        // (and never looked for through what is there now).
        bool below_retyped = false;
        for (std::size_t slash = path.rfind('/'); slash != std::string::npos && !below_retyped;
             slash = slash ? path.rfind('/', slash - 1) : std::string::npos) {
            below_retyped = retyped.count(path.substr(0, slash)) > 0;
        }
        if (below_retyped) {
            step.action = PathAction::create;
            c.plan.paths.push_back(std::move(step));
            continue;
        }
        std::optional<DiskFacts> facts;
        try {
            facts = c.root.look(path);
        } catch (const Error& error) {
            problem(fmt::format("{}: /{}: {}", claim.package, path, error.what()));
            continue;
        }
        if (!facts) {
            step.action = PathAction::create;
        } else if (new_dir) {
            if (S_ISDIR(facts->mode)) {
                step.action = PathAction::keep;
            } else if (old && old->type != "dir") {
                step.action = PathAction::replace;  // a file or link that becomes a directory
                retyped.insert(path);
            } else if (S_ISLNK(facts->mode)) {
                problem(fmt::format("the root has a symbolic link at /{} where {} needs a directory (never followed)",
                                    path, claim.package));
                continue;
            } else {
                problem(fmt::format("/{} is {} on disk, which no package owns; {} needs a directory there", path,
                                    file_type_word(facts->mode), claim.package));
                continue;
            }
        } else if (S_ISDIR(facts->mode) && old && old->type == "dir") {
            // A directory that becomes a file or a link.
            std::optional<std::string> why;
            try {
                why = kept_below(c, path);
            } catch (const Error& error) {
                why = error.what();
            }
            if (why) {
                problem(fmt::format("/{} cannot become {} for {}: {}", path, noun(e.type), claim.package, *why));
                continue;
            }
            step.action = PathAction::replace;
        } else if (S_ISDIR(facts->mode)) {
            problem(fmt::format("/{} is a directory on disk; {} installs {} there", path, claim.package, noun(e.type)));
            continue;
        } else if (old || !step.taken_from.empty()) {
            step.action = PathAction::replace;
        } else if (identical(c.root, path, *facts, e) || overwrite_allows(c.request, path)) {
            step.action = PathAction::replace;  // untracked, but what the package brings (or allowed)
        } else {
            problem(fmt::format("/{} exists on disk, no package owns it, and it differs from {}'s", path,
                                claim.package));
            continue;
        }
        // A configuration file the user edited stays; the new one goes beside it.
        if (e.type == EntryType::file && e.config && step.action == PathAction::replace && old && old->config &&
            S_ISREG(facts->mode)) {
            // (Edited into the new version already: replaced, nothing to keep.)
            std::string now = c.root.digest(path);
            if (now != old->sha256 && now != e.sha256) {
                step.action = e.sha256 == old->sha256 ? PathAction::keep : PathAction::write_new;
            }
        }
        c.plan.paths.push_back(std::move(step));
    }

    // What leaves with no new owner.
    for (const auto& [path, owners] : c.installed.files) {
        if (claims.count(path)) continue;
        const std::pair<std::string, db::InstalledFile>* leaving = nullptr;
        bool stays = false;
        for (const auto& owner : owners) {
            if (c.leaving.count(owner.first)) {
                if (!leaving) leaving = &owner;
            } else {
                stays = true;
            }
        }
        if (!leaving || stays) continue;
        PathStep step;
        step.path = path;
        step.package = leaving->first;
        step.action = PathAction::remove;
        const db::InstalledFile& f = leaving->second;
        step.was_dir = f.type == "dir";
        if (f.type == "file" && f.config) {
            try {
                auto facts = c.root.look(path);
                if (facts && S_ISREG(facts->mode) && c.root.digest(path) != f.sha256) step.action = PathAction::save;
            } catch (const Error&) {
                // Not there as a file: nothing to keep.
            }
        }
        c.plan.paths.push_back(std::move(step));
    }
    std::sort(c.plan.paths.begin(), c.plan.paths.end(),
              [](const PathStep& a, const PathStep& b) { return a.path < b.path; });
}

}  // namespace pkg::plan
