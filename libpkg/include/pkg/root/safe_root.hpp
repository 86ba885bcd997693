#pragma once

#include <filesystem>
#include <string>

#include "pkg/export.hpp"
#include "pkg/root/door.hpp"

namespace pkg {

/// The real door (see door.hpp): writes below one directory and nowhere else.
class PKG_API SafeRoot final : public Door {
public:
    explicit SafeRoot(const std::filesystem::path& root);
    ~SafeRoot() override;
    SafeRoot(const SafeRoot&) = delete;
    SafeRoot& operator=(const SafeRoot&) = delete;

    const std::filesystem::path& root() const override { return root_; }

    void make_directory(const std::string& path, unsigned mode) override;
    int create_file(const std::string& path, unsigned mode) override;
    void write_all(int fd, const void* data, std::size_t size, const std::string& path) override;
    void make_symlink(const std::string& target, const std::string& path) override;
    void make_hardlink(const std::string& existing, const std::string& path) override;
    void rename(const std::string& from, const std::string& to, RenameMode mode) override;
    void unlink(const std::string& path) override;
    void remove_directory(const std::string& path) override;
    std::vector<int> unlink_each(const std::vector<std::string>& paths) override;
    void set_mode(const std::string& path, unsigned mode) override;
    void set_owner(const std::string& path, uid_t uid, gid_t gid) override;
    void sync_file(int fd, const std::string& path) override;
    void sync_filesystem(int fd, const std::string& what) override;

    int open_directory(const std::string& path, bool create = false, unsigned mode = 0755) override;
    int open_file(const std::string& path) override;
    std::optional<EntryStat> stat(const std::string& path) override;
    std::string read_link(const std::string& path) override;

private:
    /// A descriptor of `path`'s parent (caller closes) and the final name.
    int open_parent(const std::string& path, std::string& name) const;
    /// unlink_each's share of one thread: paths [begin, end), one
    /// directory descriptor at a time.
    void unlink_range(const std::vector<std::string>& paths, std::size_t begin, std::size_t end,
                      std::vector<int>& errors) const;
    std::filesystem::path root_;
    int root_fd_ = -1;
    /// The parent of the last name created, unlinked or changed in mode,
    /// kept open for the next one in it (a package makes and a removal
    /// deletes thousands of names, a directory at a time): the name's own
    /// descriptor is resolved beneath the root, without symlinks, as
    /// open_parent() does, and is dropped by every call that may move or
    /// remove a directory. Not for two threads at once (nor is the door).
    int cached_parent(const std::string& path, std::string& name);
    std::string parent_;
    int parent_fd_ = -1;
    void forget_parent();
    mode_t umask_ = 07777;  ///< the umask when opened: modes it cannot change are not set again
};

}  // namespace pkg
