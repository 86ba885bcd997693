#pragma once

// What an archive has unpacked so far, kept in memory: the type of every
// path, each directory's mode, each symlink's target. Hard links are
// checked against it, directories get their modes from it at the end, and
// symlinks are resolved through it (never through the disk) to prove they
// stay in the tree.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pkg::source {

/// A directory as it is given its mode and time at the end.
struct Directory {
    std::string path;
    unsigned mode;
    std::optional<std::int64_t> mtime;  ///< none for a parent the archive does not list
};

class SourceTree {
public:
    /// 'f' regular file (a hard link to one too), 'd' directory, 'l'
    /// symlink, or '\0' when nothing was unpacked at `path`.
    char type(const std::string& path) const;

    void add_file(const std::string& path) { nodes_[path] = Node{'f', 0, {}, {}}; }
    void add_symlink(const std::string& path, const std::string& target) { nodes_[path] = Node{'l', 0, {}, target}; }
    /// A directory, or its mode and time when it was made before as a parent.
    void add_directory(const std::string& path, unsigned mode, std::int64_t mtime) {
        nodes_[path] = Node{'d', mode, mtime, {}};
    }

    /// The parents of `path` that were never unpacked, shallowest first,
    /// recorded as directories of `mode` (the caller makes them).
    std::vector<std::string> missing_parents(const std::string& path, unsigned mode);

    /// Every directory, deepest first: a directory's mode is set after its
    /// children's, so 0555 never locks them out.
    std::vector<Directory> directories_deepest_first() const;

    /// Why a symlink's target leaves the tree once the archive's other
    /// symlinks are followed (as the build will), or nothing when it stays.
    std::optional<std::string> escape(const std::string& link) const;

private:
    struct Node {
        char type;
        unsigned mode;
        std::optional<std::int64_t> mtime;
        std::string target;
    };
    std::unordered_map<std::string, Node> nodes_;
};

}  // namespace pkg::source
