// Staging (DESIGN.md, "A transaction", step 4): what the reader streams of
// each package is written below the root as the journal says.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <map>

#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "transaction_steps.hpp"

namespace pkg {
namespace {

// Streams each package and writes what the journal says: files, links and
// new directories (0700 until the commit) under their names.
class Stager final : public PackageVisitor {
public:
    Stager(Door& door, const std::map<std::string, const db::JournalEntry*>& by_path, std::vector<std::string>& not_ours)
        : door_(door), by_path_(by_path), not_ours_(not_ours) {}
    ~Stager() override {
        if (fd_ >= 0) ::close(fd_);
    }
    void begin(const PackageEntry& e) override {
        const db::JournalEntry* j = find(e.path);
        if (!j) return;  // kept as it is
        if (j->action == "mkdir") {
            std::string where = j->temporary.empty() ? e.path : j->temporary;
            door_.make_directory(where, 0700);
            own(where);
            return;
        }
        if (j->action != "create" && j->action != "replace") return;
        switch (e.type) {
            case EntryType::dir:
                if (is_exchange(*j)) {
                    door_.make_directory(j->temporary, 0700);  // a new tree, staged whole
                    own(j->temporary);
                }
                return;
            case EntryType::symlink:
                taken_or_not(*j, [&](const std::string& name) { door_.make_symlink(e.target, name); });
                own(staged_name(*j));
                return;
            case EntryType::hardlink: {
                const db::JournalEntry* first = find(e.target);
                taken_or_not(*j, [&](const std::string& name) {
                    door_.make_hardlink(first && !first->temporary.empty() ? first->temporary : e.target, name);
                });
                return;
            }
            case EntryType::file:
                // 0600 until verified; the mode (setuid too) after the last write.
                taken_or_not(*j, [&](const std::string& name) { fd_ = door_.create_file(name, 0600); });
                current_ = staged_name(*j);
                own_file();
                return;
        }
    }
    void data(const PackageEntry&, const void* bytes, std::size_t size) override {
        if (fd_ >= 0) door_.write_all(fd_, bytes, size, current_);
    }
    void end(const PackageEntry& e) override {
        if (fd_ < 0) return;
        int rc = ::fchmod(fd_, e.mode & 07777);
        int err = errno;
        ::close(fd_);
        fd_ = -1;
        if (rc != 0) throw SystemError{err, door_.root() / current_, "cannot set the mode of {}", current_};
    }

private:
    // As root, what a package installs is root's (packages are root:root),
    // whatever pkg's group or a set-group-ID directory would give it; before
    // any mode is set, since a chown clears set-ID bits. A user installing
    // into a root of theirs keeps their own.
    void own(const std::string& path) {
        if (!as_root_ || born_roots(path)) return;
        auto st = door_.stat(path);
        if (st && (st->uid != 0 || st->gid != 0)) door_.set_owner(path, 0, 0);
    }
    void own_file() {
        if (!as_root_ || born_roots(current_)) return;
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && st.st_uid == 0 && st.st_gid == 0) return;
        door_.set_owner(current_, 0, 0);
    }
    // Whether a name made in `path`'s directory is root:root from birth:
    // pkg's group is root's and the directory is not set-group-ID (asked
    // once per directory).
    bool born_roots(const std::string& path) {
        if (!group_root_) return false;
        std::size_t slash = path.rfind('/');
        std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash);
        auto known = setgid_dirs_.find(dir);
        if (known == setgid_dirs_.end()) {
            auto st = dir.empty() ? std::optional<EntryStat>() : door_.stat(dir);
            bool setgid = false;
            if (dir.empty()) {
                int fd = door_.open_directory(".");
                struct stat root_st {};
                setgid = ::fstat(fd, &root_st) == 0 && (root_st.st_mode & S_ISGID);
                ::close(fd);
            } else {
                setgid = !st || (st->mode & S_ISGID);
            }
            known = setgid_dirs_.emplace(dir, setgid).first;
        }
        return !known->second;
    }

    static const std::string& staged_name(const db::JournalEntry& j) {
        return j.temporary.empty() ? j.path : j.temporary;
    }
    // Makes the entry's name; one written under its final name that turns
    // out taken (EEXIST: it appeared since the plan) is not pkg's, and the
    // rollback must leave it.
    void taken_or_not(const db::JournalEntry& j, const std::function<void(const std::string&)>& make) {
        try {
            make(staged_name(j));
        } catch (const SystemError& e) {
            if (j.temporary.empty() && e.error_number() == EEXIST) not_ours_.push_back(j.path);
            throw;
        }
    }

    const db::JournalEntry* find(const std::string& path) const {
        if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
        if (auto it = by_path_.find(path + ".pkgnew"); it != by_path_.end()) return it->second;
        return nullptr;
    }
    Door& door_;
    const std::map<std::string, const db::JournalEntry*>& by_path_;
    int fd_ = -1;
    std::string current_;
    std::vector<std::string>& not_ours_;
    bool as_root_ = ::geteuid() == 0;
    bool group_root_ = ::getegid() == 0;
    std::map<std::string, bool> setgid_dirs_;
};

}  // namespace

std::unique_ptr<PackageVisitor> make_stager(Door& door, const std::map<std::string, const db::JournalEntry*>& by_path,
                                            std::vector<std::string>& not_ours) {
    return std::make_unique<Stager>(door, by_path, not_ours);
}

}  // namespace pkg
