#pragma once

// The plan of a transaction (DESIGN.md, "A transaction", step 2): pure. From
// the installed state, what the root holds and the request, it decides every
// package change and one net action per path, or refuses, naming every
// problem at once. It touches nothing; tests give it a map for a root.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pkg/db/database.hpp"
#include "pkg/export.hpp"
#include "pkg/package/package.hpp"

namespace pkg {

/// What the plan knows of a name in the root (lstat's view).
struct DiskFacts {
    mode_t mode = 0;
    std::uint64_t size = 0;
    std::string target;  ///< a symlink's
};

/// The plan's window on the root.
class PKG_API RootFacts {
public:
    virtual ~RootFacts();
    virtual std::optional<DiskFacts> look(const std::string& path) = 0;
    /// The sha256 of a regular file, asked only when a decision needs it.
    virtual std::string digest(const std::string& path) = 0;
    /// The names in a directory (not . and ..), asked only when a directory
    /// is to stop being one.
    virtual std::vector<std::string> list(const std::string& dir) = 0;
};

struct PlanRequest;

/// The installed state a plan starts from.
struct PKG_API InstalledState {
    std::map<std::string, db::InstalledPackage> packages;
    /// path -> its owners and what each installed there
    std::map<std::string, std::vector<std::pair<std::string, db::InstalledFile>>> files;
    std::optional<std::string> target;

    /// Everything installed (tests, and the whole-root checks).
    static InstalledState from(const db::Database& database);
    /// What a plan of `request` reads: every package, and the files of the
    /// packages that leave, every owner of each path they had or the
    /// transaction brings, and all that is below a directory the
    /// transaction may turn into a file. A transaction reads no more of a
    /// root of a million files than it touches.
    static InstalledState from(const db::Database& database, const PlanRequest& request);
    void add(const db::InstalledPackage& package, const std::vector<db::InstalledFile>& files);
};

struct PlanRequest {
    std::vector<PackageManifest> install;  ///< as given; the plan points into them
    std::vector<std::string> remove;
    bool cascade = false;     ///< also remove what would lose a dependency
    bool autoremove = false;  ///< also remove automatic packages nothing needs afterwards
    db::Reason reason = db::Reason::explicit_;
    bool force = false;                      ///< downgrades and held packages
    std::vector<std::string> overwrite;      ///< globs on absolute paths (fnmatch)
    std::vector<std::string> assume_installed;  ///< pkg.conf's; counted only when the root is the host
    bool root_is_host = false;
};

enum class ChangeKind { install, upgrade, downgrade, reinstall, remove };
PKG_API const char* change_kind_name(ChangeKind kind);

struct PackageChange {
    ChangeKind kind = ChangeKind::install;
    std::string name;
    std::string from;  ///< VERSION-RELEASE before; "" for an install
    std::string to;    ///< after; "" for a removal
    std::size_t manifest = 0;  ///< index into PlanRequest::install (not for removals)
};

enum class PathAction {
    create,      ///< nothing is there: the new entry is written
    replace,     ///< the old entry gives way to the new one
    keep,        ///< a directory that stays (shared, or adopted); a config file kept as it is
    write_new,   ///< an edited config file stays; the new one goes to PATH.pkgnew
    remove,      ///< no package owns it afterwards
    save,        ///< an edited config file no package owns afterwards: kept as PATH.pkgsave
};
PKG_API const char* path_action_name(PathAction action);

struct PathStep {
    std::string path;
    PathAction action = PathAction::create;
    std::string package;  ///< the owner afterwards, or the last owner for remove/save
    const PackageEntry* entry = nullptr;  ///< the new entry (not for remove/save)
    std::string taken_from;  ///< with --overwrite: the package that loses the path
    bool was_dir = false;    ///< remove/save: the package installed a directory there
};

struct Plan {
    std::vector<PackageChange> changes;  ///< installs in dependency order, then removals
    std::vector<PathStep> paths;         ///< one per path, sorted
    std::string target;                  ///< the root's target afterwards ("" while unknown)
};

/// Plans, or throws DependencyError (unmet dependencies, conflicts,
/// dependents of what is removed, held or downgraded packages without
/// --force) or Error (file conflicts), each listing every problem found.
PKG_API Plan make_plan(const InstalledState& installed, RootFacts& root, const PlanRequest& request);

}  // namespace pkg
