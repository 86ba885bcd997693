#pragma once

#include <filesystem>
#include <string>

#include "pkg/export.hpp"

namespace pkg {

/// Writes below one directory and nowhere else (DESIGN.md, "one door"):
/// every operation first opens the parent directory with openat2(O_PATH |
/// O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) and then acts on one
/// final name, so no symlink, on disk or planted earlier, is ever followed.
/// Paths are relative to the root, as package members are.
class PKG_API SafeRoot {
public:
    explicit SafeRoot(const std::filesystem::path& root);
    ~SafeRoot();
    SafeRoot(const SafeRoot&) = delete;
    SafeRoot& operator=(const SafeRoot&) = delete;

    /// Creates a directory, or accepts one already there (not a symlink to one).
    void make_directory(const std::string& path, unsigned mode);
    /// Sets the mode of a directory or file (never through a symlink).
    void set_mode(const std::string& path, unsigned mode);
    /// Creates a new file (O_EXCL) and returns its descriptor, mode applied exactly.
    int create_file(const std::string& path, unsigned mode);
    void make_symlink(const std::string& target, const std::string& path);
    /// Links `path` to the existing file `existing`, both below the root.
    void make_hardlink(const std::string& existing, const std::string& path);

    /// An O_PATH descriptor of the directory `path` below the root (the
    /// caller closes it), opened as every other name is: no symlink at any
    /// level is followed. With `create`, missing levels are made with `mode`.
    int open_directory(const std::string& path, bool create = false, unsigned mode = 0755);

    const std::filesystem::path& root() const { return root_; }

private:
    /// A descriptor of `path`'s parent (caller closes) and the final name.
    int open_parent(const std::string& path, std::string& name) const;
    std::filesystem::path root_;
    int root_fd_ = -1;
};

}  // namespace pkg
