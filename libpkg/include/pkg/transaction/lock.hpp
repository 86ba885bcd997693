#pragma once

// The root's lock (DESIGN.md, "A transaction", step 1): a writer holds
// ROOT/var/lib/pkg/lock exclusively with flock for its whole transaction.
// The file is 0600, opened close-on-exec, never removed; the kernel drops
// the lock when its holder dies, so a killed pkg leaves no stale lock.
// Queries never take it.

#include <sys/types.h>

#include "pkg/events.hpp"
#include "pkg/export.hpp"

namespace pkg {
class Door;

class PKG_API RootLock {
public:
    /// Takes the lock of the root behind `door`. When another process holds
    /// it: with `wait`, says so once through `events` and waits; without,
    /// throws LockBusy naming the holder's pid (exit 4).
    RootLock(Door& door, EventSink& events, bool wait);
    ~RootLock();
    RootLock(const RootLock&) = delete;
    RootLock& operator=(const RootLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace pkg
