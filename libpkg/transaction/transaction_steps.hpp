#pragma once

// What execute.cpp, stager.cpp and recover.cpp share: the names pkg makes,
// the root as the plan sees it, staging, the filesystems a transaction
// syncs, and step 6.

#include <unistd.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pkg/db/database.hpp"
#include "pkg/package/package_io.hpp"
#include "pkg/root/door.hpp"
#include "pkg/transaction/plan.hpp"
#include "pkg/transaction/transaction.hpp"

namespace pkg {

/// Temporary and aside names start with it; no package may use it (a
/// member name starting with ".pkg-" is pkg's own).
inline constexpr const char* kTemporaryPrefix = ".pkg-";

/// A replacement that changes a path from or to a directory: its staged
/// object and the old one trade places with RENAME_EXCHANGE, so the old one
/// sits under the temporary name, which is then its aside too.
inline bool is_exchange(const db::JournalEntry& e) {
    return e.action == "replace" && !e.temporary.empty() && e.aside == e.temporary;
}

/// An entry below a path that changes type: staged inside that path's
/// temporary tree (a new directory tree is staged whole), or, for what the
/// old directory held, where it sits once the exchange is done. Its
/// temporary is not beside it.
inline bool inside_exchanged_tree(const db::JournalEntry& e) {
    if (e.temporary.empty()) return false;
    auto parent = [](const std::string& p) {
        std::size_t slash = p.rfind('/');
        return slash == std::string::npos ? std::string() : p.substr(0, slash);
    };
    return parent(e.temporary) != parent(e.path);
}

/// The visitor that stages packages (step 4): files, links and new
/// directories (0700 until the commit) under the names the journal gives
/// (`by_path`: its entries by path). A final name found taken is added to
/// `not_ours`: it is not pkg's, and the rollback leaves it.
std::unique_ptr<PackageVisitor> make_stager(Door& door, const std::map<std::string, const db::JournalEntry*>& by_path,
                                            std::vector<std::string>& not_ours);

/// The sha256 of a regular file below the root, read through the door.
std::string door_digest(Door& door, const std::string& path);

/// The plan's window on a real root, through the door.
class DoorFacts final : public RootFacts {
public:
    explicit DoorFacts(Door& door) : door_(door) {}
    std::optional<DiskFacts> look(const std::string& path) override;
    std::string digest(const std::string& path) override;
    std::vector<std::string> list(const std::string& dir) override;

private:
    Door& door_;
    std::set<std::string> missing_;
};

/// What a sync point makes durable (for the fdatasync fallback, which
/// syncs each name it touched rather than whole filesystems).
enum class SyncPoint {
    staged,    ///< every staged file's data, and the directories holding them
    placed,    ///< the directories of every name renamed, made or changed in mode
    finished,  ///< the directories of every name removed or put aside
};

/// One open directory per filesystem the journal names, kept from before
/// the first write to the end: syncfs reports only errors raised since its
/// descriptor was opened. With SyncMethod::fdatasync (pkg.conf's `sync`),
/// each sync point instead fdatasyncs the files it wrote and fsyncs the
/// directories whose entries changed, all at once at the point.
class Filesystems {
public:
    Filesystems(Door& door, const db::Journal& journal, SyncMethod method = SyncMethod::syncfs);
    ~Filesystems();
    Filesystems(const Filesystems&) = delete;
    Filesystems& operator=(const Filesystems&) = delete;
    void sync(SyncPoint point);

private:
    void sync_names(SyncPoint point);
    Door& door_;
    const db::Journal& journal_;
    SyncMethod method_;
    std::vector<std::pair<int, std::string>> fds_;
};

/// Step 6, and recovery of a committed journal: removes what no package
/// owns now and the asides, keeps edited configuration files as their
/// .pkgsave, syncs, and clears the journal. A name already gone counts as done.
void finish(Door& door, db::Database& database, const db::Journal& journal, Filesystems& filesystems);

}  // namespace pkg
