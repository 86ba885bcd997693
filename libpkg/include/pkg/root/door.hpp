#pragma once

// The one door to a root (DESIGN.md, "One door to the root"): every change
// pkg makes below a root, and every look at what is there, goes through this
// interface. Each call opens the parent with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS) and acts on one final name, so no symlink, on disk or
// planted meanwhile, is ever followed. Paths are relative to the root.
//
// open_door() gives the real door, or, when the PKGMGR_TEST_FAULT
// environment variable asks for it, one that counts the mutating steps and
// fails, kills or pauses at one of them (root/faulty_door.cpp): the tests of
// crash safety use the binary that users run.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkg/export.hpp"

namespace pkg {

/// What lstat says of a name.
struct EntryStat {
    mode_t mode = 0;  ///< type and permission bits, as st_mode
    uid_t uid = 0;
    gid_t gid = 0;
    std::uint64_t size = 0;
    dev_t dev = 0;
    ino_t ino = 0;
    nlink_t nlink = 0;
};

enum class RenameMode {
    replace,     ///< rename(2): replaces what is at the target
    noreplace,   ///< RENAME_NOREPLACE: fails with EEXIST if the target exists
    exchange,    ///< RENAME_EXCHANGE: swaps the two names atomically
};

class PKG_API Door {
public:
    virtual ~Door();

    virtual const std::filesystem::path& root() const = 0;

    // Mutating steps: each one is a step the faulty door counts.

    /// Creates a directory (0700 until set_mode), or accepts one already there.
    virtual void make_directory(const std::string& path, unsigned mode) = 0;
    /// Creates a new file (O_EXCL, never through a symlink), mode applied
    /// exactly; returns its descriptor (the caller closes it).
    virtual int create_file(const std::string& path, unsigned mode) = 0;
    /// Writes all of `size` bytes to a descriptor from create_file.
    virtual void write_all(int fd, const void* data, std::size_t size, const std::string& path) = 0;
    virtual void make_symlink(const std::string& target, const std::string& path) = 0;
    /// Links `path` to `existing`, both below the root (a symlink is linked itself).
    virtual void make_hardlink(const std::string& existing, const std::string& path) = 0;
    virtual void rename(const std::string& from, const std::string& to, RenameMode mode) = 0;
    /// Removes a name that is not a directory.
    virtual void unlink(const std::string& path) = 0;
    virtual void remove_directory(const std::string& path) = 0;
    /// Removes each of `paths` (none a directory) as unlink() would, in any
    /// order, several at once where the door can: a removal of thousands of
    /// files spends its time in the kernel, and ext4 deletes in parallel.
    /// Returns each path's errno, 0 where it was removed; a path that is
    /// not a name below the root throws, as unlink() does. This one calls
    /// unlink() for each path in turn (each a step for the faulty door).
    virtual std::vector<int> unlink_each(const std::vector<std::string>& paths);
    /// Sets the mode of a directory or file through a descriptor of it.
    virtual void set_mode(const std::string& path, unsigned mode) = 0;
    /// Sets owner and group through a descriptor (a symlink's own).
    virtual void set_owner(const std::string& path, uid_t uid, gid_t gid) = 0;
    /// fsync of a descriptor.
    virtual void sync_file(int fd, const std::string& path) = 0;
    /// syncfs of the filesystem a descriptor is on, result checked.
    virtual void sync_filesystem(int fd, const std::string& what) = 0;
    /// Called just before the database commits a change of the root's
    /// state (`what` names it): a step for the faulty door, which may kill
    /// or fail there; nothing for the real one.
    virtual void database_commit(const std::string& what);

    // Looks.

    /// A read-only descriptor of the directory `path` (the caller closes it;
    /// syncfs takes it).
    /// With `create`, missing levels are made (a mutating step each).
    virtual int open_directory(const std::string& path, bool create = false, unsigned mode = 0755) = 0;
    /// Opens an existing regular file for reading, never through a symlink.
    virtual int open_file(const std::string& path) = 0;
    /// lstat of the name; nullopt when it does not exist.
    virtual std::optional<EntryStat> stat(const std::string& path) = 0;
    virtual std::string read_link(const std::string& path) = 0;
};

/// The door to `root`: the real one, or the faulty one PKGMGR_TEST_FAULT asks for.
PKG_API std::unique_ptr<Door> open_door(const std::filesystem::path& root);

}  // namespace pkg
