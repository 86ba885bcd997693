#pragma once

// What execute.cpp and recover.cpp share: the names pkg makes, the root as
// the plan sees it, the filesystems a transaction syncs, and step 6.

#include <unistd.h>

#include <vector>

#include "pkg/db/database.hpp"
#include "pkg/root/door.hpp"
#include "pkg/transaction/plan.hpp"

namespace pkg {

/// Temporary and aside names start with it; no package may use it (a
/// member name starting with ".pkg-" is pkg's own).
inline constexpr const char* kTemporaryPrefix = ".pkg-";

/// The sha256 of a regular file below the root, read through the door.
std::string door_digest(Door& door, const std::string& path);

/// The plan's window on a real root, through the door.
class DoorFacts final : public RootFacts {
public:
    explicit DoorFacts(Door& door) : door_(door) {}
    std::optional<DiskFacts> look(const std::string& path) override;
    std::string digest(const std::string& path) override;

private:
    Door& door_;
};

/// One open directory per filesystem the journal names, kept from before
/// the first write to the end: syncfs reports only errors raised since its
/// descriptor was opened.
class Filesystems {
public:
    Filesystems(Door& door, const db::Journal& journal);
    ~Filesystems();
    Filesystems(const Filesystems&) = delete;
    Filesystems& operator=(const Filesystems&) = delete;
    void sync();

private:
    Door& door_;
    std::vector<std::pair<int, std::string>> fds_;
};

/// Step 6, and recovery of a committed journal: removes what no package
/// owns now and the asides, keeps edited configuration files as their
/// .pkgsave, syncs, and clears the journal. A name already gone counts as done.
void finish(Door& door, db::Database& database, const db::Journal& journal, Filesystems& filesystems);

}  // namespace pkg
